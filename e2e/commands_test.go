package e2e

// Every stui.* command the real binary advertises, run as an editor plugin
// runs it, against stui-testimage over real ZeroMQ: each answers what the
// README and docs/tests.md say it answers.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/internal/lsptest"
)

func TestBinaryCommandsDoWhatTheDocsSay(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs stui-lsp and stui-testimage; not in -short mode")
	}
	bin := buildCommand(t, "stui-lsp")
	live := editorStartImage(t, buildCommand(t, "stui-testimage"))
	folder := t.TempDir()
	tally, err := os.ReadFile("testdata/tests/TallyTest.class.st")
	if err != nil {
		t.Fatal(err)
	}
	tallyPath := filepath.Join(folder, "TallyTest.class.st")
	if err := os.WriteFile(tallyPath, tally, 0o644); err != nil {
		t.Fatal(err)
	}
	counter, cat := binMarkers("Class { #name : #Counter, #superclass : #Object, #instVars : [ 'count' ], #category : #Demo }\n\n" +
		"{ #category : #operations }\nCounter >> ⟦incr⟧increment [\n\tcount := self count + 1\n]\n\n" +
		"{ #category : #accessing }\nCounter >> count [\n\t^ count ifNil: [ 0 ]\n]\n")
	counterPath := filepath.Join(folder, "Counter.class.st")
	if err := os.WriteFile(counterPath, []byte(counter), 0o644); err != nil {
		t.Fatal(err)
	}
	c := settingsEditor(t, bin, folder, map[string]any{"endpoint": live}, nil)
	waitConnected(t, c)
	counterURI, tallyURI := uri.File(counterPath), uri.File(tallyPath)
	c.Open(counterURI, counter)
	c.Open(tallyURI, string(tally))
	playURI := uri.File(filepath.Join(folder, "play.st"))
	c.Open(playURI, "3 + 4\n")
	incr := protocol.Range{Start: cat["incr"], End: cat["incr"]}
	incrKey := map[string]any{"className": "Counter", "classSide": false, "selector": "increment"}

	run := func(command string, args any) map[string]any {
		t.Helper()
		var res json.RawMessage
		if err := c.ExecuteCommand(command, args, &res); err != nil {
			t.Fatalf("%s: %v", command, err)
		}
		var obj map[string]any
		_ = json.Unmarshal(res, &obj)
		return obj
	}
	checks := map[string]func(t *testing.T){
		"stui.evaluate": func(t *testing.T) {
			if r := run("stui.evaluate", map[string]any{"code": "3 + 4"}); r["result"] != "7" {
				t.Errorf("stui.evaluate 3 + 4 = %v", r)
			}
		},
		"stui.printIt": func(t *testing.T) {
			run("stui.printIt", map[string]any{"uri": playURI, "range": protocol.Range{}})
			c.WaitFor(protocol.MethodWorkspaceApplyEdit, func(m json.RawMessage) bool { return strings.Contains(string(m), "7") })
		},
		"stui.inspect": func(t *testing.T) {
			if r := run("stui.inspect", map[string]any{"code": "3 to: 5", "open": false}); !strings.Contains(toJSON(r), "Interval") {
				t.Errorf("stui.inspect 3 to: 5 = %v", r)
			}
		},
		"stui.browseClass": func(t *testing.T) {
			if r := run("stui.browseClass", map[string]any{"className": "Counter"}); !strings.Contains(toJSON(r), "increment") {
				t.Errorf("stui.browseClass Counter = %v", r)
			}
		},
		"stui.systemInfo": func(t *testing.T) {
			if r := run("stui.systemInfo", map[string]any{}); !strings.Contains(toJSON(r), "stuitest.image") {
				t.Errorf("stui.systemInfo = %v", r)
			}
		},
		"stui.resetSession": func(t *testing.T) {
			run("stui.evaluate", map[string]any{"code": "kept := 5"})
			run("stui.resetSession", map[string]any{})
			if r := run("stui.evaluate", map[string]any{"code": "kept"}); r["result"] != "nil" {
				t.Errorf("after stui.resetSession kept = %v, want nil", r["result"])
			}
		},
		"stui.interrupt": func(t *testing.T) {
			// Nothing is running, so nothing is interrupted, and the reply says so.
			if r := run("stui.interrupt", map[string]any{}); r["interrupted"] != float64(0) {
				t.Errorf("stui.interrupt with nothing running = %v, want interrupted 0", r)
			}
		},
		"stui.status": func(t *testing.T) {
			r := run("stui.status", nil)
			if r["state"] == "" || r["endpoint"] != live || r["image_name"] != "stuitest.image" || r["connected"] != true {
				t.Errorf("stui.status = %v, want its state, endpoint and the image's name", r)
			}
		},
		"stui.compileMethod": func(t *testing.T) {
			if r := run("stui.compileMethod", map[string]any{"uri": counterURI, "method": incrKey}); r["compiled"] != true {
				t.Errorf("stui.compileMethod increment = %v, want compiled", r)
			}
		},
		"stui.replaceWithImage": func(t *testing.T) {
			var res json.RawMessage
			err := c.ExecuteCommand("stui.replaceWithImage", map[string]any{"uri": counterURI, "method": incrKey}, &res)
			if err != nil && !strings.Contains(err.Error(), "increment") {
				t.Errorf("stui.replaceWithImage: %v", err)
			}
		},
		"stui.senders": func(t *testing.T) {
			var locs []protocol.Location
			if err := c.ExecuteCommand("stui.senders", map[string]any{"uri": counterURI, "range": incr, "method": incrKey}, &locs); err != nil {
				t.Fatal(err)
			}
			if locs == nil {
				t.Errorf("stui.senders answered no list")
			}
		},
		"stui.implementors": func(t *testing.T) {
			var locs []protocol.Location
			if err := c.ExecuteCommand("stui.implementors", map[string]any{"uri": counterURI, "range": incr, "method": incrKey}, &locs); err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(locs, func(l protocol.Location) bool { return l.URI == counterURI }) {
				t.Errorf("stui.implementors of increment = %+v, want Counter.class.st among them", locs)
			}
		},
		"stui.runTests": func(t *testing.T) {
			r := run("stui.runTests", map[string]any{"className": "TallyTest"})
			for _, k := range []string{"summary", "passed", "failed", "errors", "skipped", "duration_ms", "results"} {
				if _, ok := r[k]; !ok {
					t.Errorf("stui.runTests answers no %s: %v", k, r)
				}
			}
			results, _ := r["results"].([]any)
			if len(results) == 0 || !strings.Contains(toJSON(results[0]), "location") {
				t.Errorf("stui.runTests results without a location: %v", r["results"])
			}
		},
		"stui.listTests": func(t *testing.T) {
			var res json.RawMessage
			if err := c.ExecuteCommand("stui.listTests", map[string]any{}, &res); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(res), "TallyTest") || !strings.Contains(string(res), "testAdds") {
				t.Errorf("stui.listTests = %s, want TallyTest and its tests", res)
			}
		},
		"stui.debugIt": func(t *testing.T) {
			if r := run("stui.debugIt", map[string]any{"uri": playURI, "range": protocol.Range{}}); r["type"] != "stui" {
				t.Errorf("stui.debugIt = %v, want a stui launch configuration", r)
			}
		},
	}
	advertised := advertisedCommands(t, bin)
	for _, name := range advertised {
		check, ok := checks[name]
		if !ok {
			t.Errorf("%s is advertised and has no scenario here: add one that checks what its docs say it answers", name)
			continue
		}
		t.Run(name, check)
	}
	if stale := scenariosNotAdvertised(checks, advertised); len(stale) > 0 {
		t.Errorf("scenarios for commands the binary no longer advertises: %v", stale)
	}
}

// scenariosNotAdvertised are the scenario names missing from the advertised
// commands, sorted: a renamed command must not leave its old scenario behind.
func scenariosNotAdvertised(checks map[string]func(*testing.T), advertised []string) []string {
	var stale []string
	for name := range checks {
		if !slices.Contains(advertised, name) {
			stale = append(stale, name)
		}
	}
	slices.Sort(stale)
	return stale
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// advertisedCommands is the executeCommandProvider list of a fresh binary.
func advertisedCommands(t *testing.T, bin string) []string {
	t.Helper()
	b := lsptest.StartBinary(t, bin, nil, lsptest.BinaryOptions{})
	res := b.Initialize(&protocol.InitializeParams{})
	defer b.Stop()
	if len(res.Capabilities.ExecuteCommandProvider.Commands) == 0 {
		t.Fatal("the server advertises no commands")
	}
	return res.Capabilities.ExecuteCommandProvider.Commands
}
