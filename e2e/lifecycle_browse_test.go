package e2e

// The browsing a system browser offers, through the real stui-lsp binary
// against the real stui-testimage over ZeroMQ: the type hierarchy, signature
// help and the sender and implementor lenses. The same checks run in
// headless Neovim from testdata/lifecycle/browse.lua.

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/internal/lsptest"
	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// browseWorkspace copies the editor tests' workspace and adds LoudCounter,
// a subclass of Counter with a keyword method.
func browseWorkspace(t *testing.T) (string, map[string]string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(t.TempDir(), "workspace")
	if err := os.CopyFS(ws, os.DirFS(filepath.Join(root, "e2e/testdata/workspace"))); err != nil {
		t.Fatal(err)
	}
	loud, err := os.ReadFile(filepath.Join(root, "e2e/testdata/lifecycle/LoudCounter.class.st"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, "src/Demo/LoudCounter.class.st"), loud, 0o644); err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, name := range []string{"Counter", "LoudCounter"} {
		b, err := os.ReadFile(filepath.Join(ws, "src/Demo", name+".class.st"))
		if err != nil {
			t.Fatal(err)
		}
		texts[name] = string(b)
	}
	return ws, texts
}

// positionOf is the UTF-16 position of the first needle in text, plus
// delta characters.
func positionOf(t *testing.T, text, needle string, delta int) protocol.Position {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("no %q in the text", needle)
	}
	_, at := binMarkers(text[:i] + "⟦p⟧" + text[i:])
	p := at["p"]
	p.Character += uint32(delta)
	return p
}

func TestBinaryBrowsingAgainstTestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs stui-lsp and stui-testimage; not in -short mode")
	}
	bin := buildCommand(t, "stui-lsp")
	endpoint := editorStartImage(t, buildCommand(t, "stui-testimage"))
	ws, texts := browseWorkspace(t)
	counterURI := uri.File(filepath.Join(ws, "src/Demo/Counter.class.st"))
	loudURI := uri.File(filepath.Join(ws, "src/Demo/LoudCounter.class.st"))

	e := binStart(t, bin, endpoint, ws)
	e.open(counterURI, texts["Counter"])
	e.open(loudURI, texts["LoudCounter"])
	at := func(u uri.URI, p protocol.Position) protocol.TextDocumentPositionParams {
		return protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: p}
	}

	t.Run("type hierarchy", func(t *testing.T) {
		var items []protocol.TypeHierarchyItem
		e.must("textDocument/prepareTypeHierarchy", &protocol.TypeHierarchyPrepareParams{TextDocumentPositionParams: at(loudURI, positionOf(t, texts["LoudCounter"], "#Counter", 1))}, &items)
		if len(items) != 1 || items[0].Name != "Counter" || items[0].URI != counterURI {
			t.Fatalf("prepare on LoudCounter's superclass = %+v", items)
		}
		var subs, supers []protocol.TypeHierarchyItem
		e.must("typeHierarchy/subtypes", &protocol.TypeHierarchySubtypesParams{Item: items[0]}, &subs)
		if len(subs) != 1 || subs[0].Name != "LoudCounter" || subs[0].URI != loudURI {
			t.Errorf("subtypes of Counter = %+v, want the workspace's LoudCounter", subs)
		}
		e.must("typeHierarchy/supertypes", &protocol.TypeHierarchySupertypesParams{Item: items[0]}, &supers)
		if len(supers) != 1 || supers[0].Name != "Object" || supers[0].Detail == nil || *supers[0].Detail != "Kernel-Objects" {
			t.Fatalf("supertypes of Counter = %+v, want the image's Object", supers)
		}
		// Object's subclasses come from the image: Counter, which the
		// workspace defines, first and in its file; CounterTest, only in
		// the image, in a read-only document.
		e.must("typeHierarchy/subtypes", &protocol.TypeHierarchySubtypesParams{Item: supers[0]}, &subs)
		var names []string
		imageOnly := false
		for _, s := range subs {
			names = append(names, s.Name)
			if s.Name == "CounterTest" && strings.HasSuffix(s.URI.FsPath(), filepath.Join("classes", "CounterTest.st")) {
				imageOnly = true
			}
		}
		if len(subs) == 0 || subs[0].Name != "Counter" || subs[0].URI != counterURI || !imageOnly {
			t.Errorf("subtypes of Object = %v (%+v)", names, subs)
		}
	})

	t.Run("signature help", func(t *testing.T) {
		var help *protocol.SignatureHelp
		e.must("textDocument/signatureHelp", &protocol.SignatureHelpParams{TextDocumentPositionParams: at(loudURI, positionOf(t, texts["LoudCounter"], "times: self", 7))}, &help)
		if help == nil || len(help.Signatures) != 1 {
			t.Fatalf("signature help in report = %+v", help)
		}
		sig := help.Signatures[0]
		active, _ := help.ActiveParameter.Get()
		doc, _ := sig.Documentation.(*protocol.MarkupContent)
		if sig.Label != "LoudCounter >> shout: aString times: aNumber" || active != 1 || doc == nil || doc.Value != "Answer aString repeated aNumber times, in capitals." {
			t.Errorf("signature %q, active %d, documentation %+v", sig.Label, active, sig.Documentation)
		}

		// A method only the image has: its argument names and comment come
		// from get_method.
		c, err := stuiclient.New(endpoint)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stuiproto.Call(ctx, c, stuiproto.CompileMethodCommand, stuiproto.CompileMethodParams{ClassName: "Counter", Category: "accessing",
			Source: "at: anIndex put: anObject\n\t\"Store anObject under anIndex.\n\tA second line.\"\n\t^ anObject"}, &stuiproto.CompileMethodResult{}); err != nil {
			t.Fatal(err)
		}
		playURI := uri.File(filepath.Join(ws, "play.st"))
		e.open(playURI, "x at: 1 put: 2")
		e.must("textDocument/signatureHelp", &protocol.SignatureHelpParams{TextDocumentPositionParams: at(playURI, protocol.Position{Character: 13})}, &help)
		if help == nil || len(help.Signatures) != 1 {
			t.Fatalf("signature help on the image's at:put: = %+v", help)
		}
		sig = help.Signatures[0]
		active, _ = help.ActiveParameter.Get()
		doc, _ = sig.Documentation.(*protocol.MarkupContent)
		if sig.Label != "Counter >> at: anIndex put: anObject" || active != 1 || doc == nil || doc.Value != "Store anObject under anIndex." {
			t.Errorf("signature from the image %q, active %d, documentation %+v", sig.Label, active, sig.Documentation)
		}
	})

	t.Run("sender lenses", func(t *testing.T) {
		var lenses []protocol.CodeLens
		e.must("textDocument/codeLens", &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: counterURI}}, &lenses)
		countLine := positionOf(t, texts["Counter"], "Counter >> count", 0).Line
		var titles []string
		for _, l := range lenses {
			if l.Range.Start.Line != countLine || l.Command.Command != "" {
				continue
			}
			var r protocol.CodeLens
			e.must("codeLens/resolve", &l, &r)
			titles = append(titles, r.Command.Title)
			var locs []protocol.Location
			e.must("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: r.Command.Command, Arguments: r.Command.Arguments}, &locs)
			// Senders of count: increment and exampleIncrement here, report
			// in LoudCounter, CounterTest>>testIncrement in the image.
			want := map[string]int{"stui.senders": 4, "stui.implementors": 1}[r.Command.Command]
			if len(locs) != want {
				raw, _ := json.Marshal(locs)
				t.Errorf("%s answered %d locations, want %d: %s", r.Command.Command, len(locs), want, raw)
			}
		}
		if got := strings.Join(titles, " · "); got != "4 senders · 1 implementor" {
			t.Errorf("lenses over Counter>>count: %q", got)
		}
	})
}

// TestNeovimBrowsing runs testdata/lifecycle/browse.lua in headless Neovim.
func TestNeovimBrowsing(t *testing.T) {
	script := lifecycleProbe(t, "browse.lua")
	bin := buildCommand(t, "stui-lsp")
	endpoint := editorStartImage(t, buildCommand(t, "stui-testimage"))
	ws, _ := browseWorkspace(t)
	editors, err := filepath.Abs("../editors")
	if err != nil {
		t.Fatal(err)
	}
	runNeovimProbe(t, script, "STUI_LSP="+bin, "STUI_TEST_ENDPOINT="+endpoint, "STUI_TEST_WORKSPACE="+ws, "STUI_EDITORS_DIR="+editors)
}

// lifecycleProbe skips unless headless Neovim can run here, and answers the
// path of the probe testdata/lifecycle/name.
func lifecycleProbe(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds stui-lsp and stui-testimage and runs Neovim; not in -short mode")
	}
	if _, err := exec.LookPath("nvim"); err != nil {
		t.Skip("nvim is not installed (CI installs it; see scripts/editors-check.sh)")
	}
	script, err := filepath.Abs(filepath.Join("testdata", "lifecycle", name))
	if err != nil {
		t.Fatal(err)
	}
	return script
}

// runNeovimProbe runs a Lua script in headless Neovim with env added and
// fails unless it prints PASS and no failed check.
func runNeovimProbe(t *testing.T, script string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nvim", "--headless", "-u", "NONE", "-i", "NONE", "-c", "luafile "+script)
	home := t.TempDir()
	cmd.Env = append(lsptest.CleanEnv(), "HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"))
	cmd.Env = append(cmd.Env, env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	text := string(out)
	t.Logf("neovim:\n%s", text)
	if ctx.Err() != nil {
		t.Fatal("neovim did not finish within the timeout")
	}
	if err != nil || !strings.Contains(text, "PASS") || strings.Contains(text, "not ok") {
		t.Fatalf("neovim reported failure (%v)", err)
	}
	return text
}
