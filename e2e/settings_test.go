package e2e

// The settings the README lists, given to the real binary as an editor gives
// them (initializationOptions and a workspace/configuration answer), against
// stui-testimage over real ZeroMQ: each one does what the README says.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/internal/lsptest"
)

// settingsEditor starts the binary with no --endpoint, initOptions as its
// initializationOptions and configured as its answer to workspace/configuration.
func settingsEditor(t *testing.T, bin, folder string, initOptions, configured map[string]any, args ...string) *lsptest.Client {
	t.Helper()
	return settingsEditorIn(t, nil, bin, folder, initOptions, configured, args...).Client
}

// settingsEditorIn is settingsEditor with the server's whole environment
// (nil: a home of its own).
func settingsEditorIn(t *testing.T, env []string, bin, folder string, initOptions, configured map[string]any, args ...string) *lsptest.Binary {
	t.Helper()
	b := lsptest.StartBinary(t, bin, args, lsptest.BinaryOptions{Env: env, Options: lsptest.Options{
		CallTimeout: 15 * time.Second,
		OnRequest: func(method string, _ json.RawMessage) (any, bool, error) {
			if method == protocol.MethodWorkspaceConfiguration {
				return []any{configured}, true, nil
			}
			return nil, false, nil
		},
	}})
	yes := true
	raw, _ := json.Marshal(initOptions)
	params := &protocol.InitializeParams{
		Capabilities: protocol.ClientCapabilities{
			Workspace: &protocol.WorkspaceClientCapabilities{Configuration: &yes, ApplyEdit: &yes},
		},
		InitializationOptions: raw,
	}
	params.WorkspaceFolders = protocol.NewNullable([]protocol.WorkspaceFolder{{URI: uri.File(folder), Name: "ws"}})
	b.Initialize(params)
	return b
}

// waitConnected polls stui.status until the server is connected, and
// answers the endpoint it is connected to.
func waitConnected(t *testing.T, c *lsptest.Client) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var st struct {
		Connected bool   `json:"connected"`
		Endpoint  string `json:"endpoint"`
		Error     string `json:"error"`
	}
	for time.Now().Before(deadline) {
		if err := c.ExecuteCommand("stui.status", nil, &st); err != nil {
			t.Fatal(err)
		}
		if st.Connected {
			return st.Endpoint
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("not connected within 15 s: %+v", st)
	return ""
}

func TestBinarySettingsFromTheReadme(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs stui-lsp and stui-testimage; not in -short mode")
	}
	bin := buildCommand(t, "stui-lsp")
	live := editorStartImage(t, buildCommand(t, "stui-testimage"))
	dead := editorDeadEndpoint(t)
	tonel := "Class { #name : #Counter, #superclass : #Object, #category : #Demo }\n\n{ #category : #accessing }\nCounter >> count [\n\t^ 0\n]\n"

	t.Run("endpoint: initializationOptions over the stui.endpoint setting", func(t *testing.T) {
		c := settingsEditor(t, bin, t.TempDir(), map[string]any{"endpoint": live}, map[string]any{"endpoint": dead})
		if got := waitConnected(t, c); got != live {
			t.Errorf("connected to %s, want initializationOptions' %s", got, live)
		}
	})

	t.Run("endpoint: the stui.endpoint setting over --endpoint", func(t *testing.T) {
		c := settingsEditor(t, bin, t.TempDir(), nil, map[string]any{"endpoint": live}, "--endpoint", dead)
		if got := waitConnected(t, c); got != live {
			t.Errorf("connected to %s, want the stui.endpoint setting's %s", got, live)
		}
	})

	t.Run("maxResultChars and inlineResultChars", func(t *testing.T) {
		folder := t.TempDir()
		c := settingsEditor(t, bin, folder, map[string]any{"endpoint": live, "maxResultChars": 40, "inlineResultChars": 8}, nil)
		waitConnected(t, c)
		u := uri.File(filepath.Join(folder, "play.st"))
		code := "'" + strings.Repeat("x", 200) + "'"
		c.Open(u, code+"\n")
		var res struct {
			Result    string `json:"result"`
			Truncated bool   `json:"truncated"`
		}
		if err := c.ExecuteCommand("stui.evaluate", map[string]any{"uri": u, "range": protocol.Range{End: protocol.Position{Character: uint32(len(code))}}}, &res); err != nil {
			t.Fatal(err)
		}
		if !res.Truncated || len([]rune(res.Result)) > 60 {
			t.Errorf("a 200-character result with maxResultChars 40: %d characters, truncated %v", len([]rune(res.Result)), res.Truncated)
		}
		var hints []protocol.InlayHint
		c.Must("textDocument/inlayHint", &protocol.InlayHintParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: protocol.Range{End: protocol.Position{Line: 2}}}, &hints)
		if len(hints) != 1 {
			t.Fatalf("inlay hints after the evaluation: %+v", hints)
		}
		label, _ := json.Marshal(hints[0].Label)
		var text string
		_ = json.Unmarshal(label, &text)
		shown, _, _ := strings.Cut(strings.TrimPrefix(text, "→ "), " …")
		if n := len([]rune(shown)); n > 8 || !strings.HasPrefix(shown, "'xxx") {
			t.Errorf("inline result %q shows %d characters of the value with inlineResultChars 8", text, n)
		}
	})

	t.Run("senderLenses default and false", func(t *testing.T) {
		folder := t.TempDir()
		path := filepath.Join(folder, "Counter.class.st")
		if err := os.WriteFile(path, []byte(tonel), 0o644); err != nil {
			t.Fatal(err)
		}
		lensesWith := func(configured map[string]any) (senderLenses int) {
			c := settingsEditor(t, bin, folder, map[string]any{"endpoint": live}, configured)
			waitConnected(t, c)
			u := uri.File(path)
			c.Open(u, tonel)
			var lenses []protocol.CodeLens
			c.Must("textDocument/codeLens", &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &lenses)
			for _, l := range lenses {
				// They come unresolved: no command until codeLens/resolve.
				if l.Command.Command == "" {
					senderLenses++
				}
			}
			return senderLenses
		}
		if n := lensesWith(nil); n == 0 {
			t.Errorf("no sender lens by default")
		}
		if n := lensesWith(map[string]any{"senderLenses": false}); n != 0 {
			t.Errorf("%d sender lenses with senderLenses false", n)
		}
	})

	for _, compile := range []bool{true, false} {
		t.Run(fmt.Sprintf("compileOnSave %v", compile), func(t *testing.T) {
			folder := t.TempDir()
			path := filepath.Join(folder, "Counter.class.st")
			undeclared := strings.Replace(tonel, "^ 0", "^ undeclaredThing", 1)
			if err := os.WriteFile(path, []byte(undeclared), 0o644); err != nil {
				t.Fatal(err)
			}
			c := settingsEditor(t, bin, folder, map[string]any{"endpoint": live}, map[string]any{"compileOnSave": compile})
			waitConnected(t, c)
			u := uri.File(path)
			c.Open(u, undeclared)
			c.Notify(protocol.MethodTextDocumentDidSave, &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}})
			compiled := func(ds []protocol.Diagnostic) bool {
				return slices.ContainsFunc(ds, func(d protocol.Diagnostic) bool { src, _ := d.Source.Get(); return src == "stui compile" })
			}
			if compile {
				c.LatestDiagnostics(u, compiled)
				return
			}
			// The image answers a compile in milliseconds: a second without
			// one means none was sent.
			time.Sleep(time.Second)
			for _, raw := range c.Pushed(protocol.MethodTextDocumentPublishDiagnostics) {
				var p protocol.PublishDiagnosticsParams
				_ = json.Unmarshal(raw, &p)
				if compiled(p.Diagnostics) {
					t.Errorf("compileOnSave false, yet the save was compiled: %+v", p.Diagnostics)
				}
			}
		})
	}

	t.Run("evaluateTimeoutMs", func(t *testing.T) {
		c := settingsEditor(t, bin, t.TempDir(), map[string]any{"endpoint": live, "evaluateTimeoutMs": 300}, nil)
		waitConnected(t, c)
		began := time.Now()
		var res json.RawMessage
		err := c.ExecuteCommand("stui.evaluate", map[string]any{"code": "(Delay forSeconds: 20) wait"}, &res)
		if err == nil {
			t.Fatalf("a 20 s evaluation with evaluateTimeoutMs 300 answered %s", res)
		}
		if took := time.Since(began); took > 10*time.Second {
			t.Errorf("the evaluation ended after %v with evaluateTimeoutMs 300: %v", took, err)
		}
	})

	for _, mode := range []string{"log", "notification", "off"} {
		t.Run("transcript "+mode, func(t *testing.T) {
			c := settingsEditor(t, bin, t.TempDir(), map[string]any{"endpoint": live, "transcript": mode}, nil)
			waitConnected(t, c)
			var res json.RawMessage
			if err := c.ExecuteCommand("stui.evaluate", map[string]any{"code": "Transcript show: 'hello from " + mode + "'"}, &res); err != nil {
				t.Fatal(err)
			}
			seen := func(method string) bool {
				return slices.ContainsFunc(c.Pushed(method), func(m json.RawMessage) bool { return strings.Contains(string(m), "hello from "+mode) })
			}
			switch mode {
			case "log":
				c.WaitFor(protocol.MethodWindowLogMessage, func(m json.RawMessage) bool { return strings.Contains(string(m), "hello from log") })
			case "notification":
				c.WaitFor("stui/transcript", func(m json.RawMessage) bool { return strings.Contains(string(m), "hello from notification") })
			case "off":
				// The Transcript is followed every few hundred milliseconds.
				time.Sleep(2 * time.Second)
				if seen(protocol.MethodWindowLogMessage) || seen("stui/transcript") {
					t.Errorf("transcript off, yet the editor was sent the Transcript")
				}
			}
		})
	}

	for _, persist := range []bool{true, false} {
		t.Run(fmt.Sprintf("persistSession %v", persist), func(t *testing.T) {
			folder, home := t.TempDir(), t.TempDir()
			env := append(lsptest.CleanEnv(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"), "XDG_STATE_HOME="+filepath.Join(home, "state"), "XDG_DATA_HOME="+filepath.Join(home, "data"))
			opts := map[string]any{"endpoint": live, "persistSession": persist}
			first := settingsEditorIn(t, env, bin, folder, opts, nil)
			waitConnected(t, first.Client)
			var res struct {
				Result string `json:"result"`
			}
			if err := first.ExecuteCommand("stui.evaluate", map[string]any{"code": "yesterday := 42"}, &res); err != nil {
				t.Fatal(err)
			}
			first.Stop()
			second := settingsEditorIn(t, env, bin, folder, opts, nil)
			waitConnected(t, second.Client)
			if err := second.ExecuteCommand("stui.evaluate", map[string]any{"code": "yesterday"}, &res); err != nil {
				t.Fatal(err)
			}
			if kept := res.Result == "42"; kept != persist {
				t.Errorf("persistSession %v: after a restart yesterday is %q", persist, res.Result)
			}
		})
	}
}
