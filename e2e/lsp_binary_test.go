package e2e

// The language features of the real stui-lsp binary, run as editors run it
// (a child process on stdin/stdout), against stuitest's backend over real
// ZeroMQ: completion, definition into a workspace file, references, workspace
// symbols, and compile on save with a failing and then a passing compile.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/internal/lsptest"
	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// binEditor is lsptest's scripted client driving a stui-lsp process.
type binEditor struct {
	t       *testing.T
	client  *lsptest.Client
	conn    jsonrpc2.Conn
	changed <-chan struct{}
}

func wrapBinEditor(t *testing.T, c *lsptest.Client) *binEditor {
	return &binEditor{t: t, client: c, conn: c.Conn, changed: c.Changed()}
}

// binStart runs the binary against endpoint with folder as its workspace and
// initializes it as a client with snippets, applyEdit and progress.
func binStart(t *testing.T, bin, endpoint, folder string) *binEditor {
	t.Helper()
	b := lsptest.StartBinary(t, bin, []string{"--endpoint", endpoint}, lsptest.BinaryOptions{Options: lsptest.Options{CallTimeout: 15 * time.Second}})
	yes := true
	caps := protocol.ClientCapabilities{
		Workspace: &protocol.WorkspaceClientCapabilities{ApplyEdit: &yes},
		Window:    &protocol.WindowClientCapabilities{WorkDoneProgress: &yes},
		TextDocument: &protocol.TextDocumentClientCapabilities{
			Completion: &protocol.CompletionClientCapabilities{CompletionItem: &protocol.ClientCompletionItemOptions{SnippetSupport: &yes}},
		},
	}
	params := &protocol.InitializeParams{Capabilities: caps}
	params.WorkspaceFolders = protocol.NewNullable([]protocol.WorkspaceFolder{{URI: uri.File(folder), Name: "ws"}})
	b.Initialize(params)
	return wrapBinEditor(t, b.Client)
}

func (e *binEditor) call(method string, params, result any) error {
	return e.client.Call(method, params, result)
}

func (e *binEditor) must(method string, params, result any) {
	e.t.Helper()
	e.client.Must(method, params, result)
}

func (e *binEditor) notify(method string, params any) {
	e.t.Helper()
	e.client.Notify(method, params)
}

func (e *binEditor) open(u uri.URI, text string) {
	e.t.Helper()
	e.client.Open(u, text)
}

func (e *binEditor) notesOf(method string) []json.RawMessage {
	return e.client.Pushed(method)
}

// latestDiagnostics waits until the latest diagnostics of u satisfy pred.
func (e *binEditor) latestDiagnostics(u uri.URI, pred func([]protocol.Diagnostic) bool) []protocol.Diagnostic {
	e.t.Helper()
	return e.client.LatestDiagnostics(u, pred)
}

// binMarkers removes ⟦name⟧ markers and returns each one's UTF-16 position.
func binMarkers(src string) (string, map[string]protocol.Position) {
	return lsptest.Markers(src)
}

const binCounter = `"Zählt 😀 — a counter"
Class {
	#name : #Counter,
	#superclass : #Object,
	#instVars : [ 'count'⟦iv⟧ ],
	#category : #'Demo-Core'
}

{ #category : #accessing }
Counter >> ⟦count⟧count [
	"Answer the count — ünïcode 😀"
	^ count
]

{ #category : #accessing }
Counter >> ⟦incr⟧increment [
	"é😀" count := self ⟦send⟧count + 1
]

{ #category : #accessing }
Counter >> reset [
	"é😀" count := ⟦bad⟧undeclaredThing⟦badEnd⟧
]

{ #category : #accessing }
Counter >> double [
	count := count * 2
]

{ #category : #accessing }
Counter >> halve [
	count := count // 2
]
`

func TestBinaryLanguageFeaturesAgainstStuitest(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	backend := stuitest.NewBackend()
	backend.AddClass(stuitest.ClassFixture{Name: "Counter", Superclass: "Object", Package: "Demo-Core", InstanceVars: []string{"count"},
		Methods: []stuitest.MethodFixture{
			{Category: "accessing", Source: "count\n\t^ count"},
			{Category: "accessing", Source: "increment\n\tcount := count + 1"},
		}})
	backend.AddClass(stuitest.ClassFixture{Name: "Report", Superclass: "Object", Package: "Demo-Reports",
		Methods: []stuitest.MethodFixture{{Category: "printing", Source: "line\n\t\"é😀\" ^ Counter new count printString"}}})
	srv := stuitest.NewServer(backend)
	defer srv.Close()

	folder := t.TempDir()
	counterText, cat := binMarkers(binCounter)
	counterPath := filepath.Join(folder, "src", "Demo-Core", "Counter.class.st")
	if err := os.MkdirAll(filepath.Dir(counterPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(counterPath, []byte(counterText), 0o644); err != nil {
		t.Fatal(err)
	}
	counterURI := uri.File(counterPath)

	e := binStart(t, bin, srv.Endpoint, folder)
	playText, at := binMarkers("\"ça 😀\" total := 42.\nc := ⟦cls⟧Counter new.\nc ⟦incr⟧increment; ⟦cnt⟧count; ⟦ps⟧printString; printS⟦psEnd⟧.\n⟦tot⟧tot⟦totEnd⟧")
	playURI := uri.File(filepath.Join(folder, "play.st"))
	e.open(playURI, playText)

	// A workspace variable for completion to find in the session.
	var ev json.RawMessage
	args, _ := json.Marshal(map[string]any{"code": "total := 42"})
	e.must("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: "stui.evaluate", Arguments: []protocol.LSPAny{args}}, &ev)

	pos := func(u uri.URI, p protocol.Position) protocol.TextDocumentPositionParams {
		return protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: p}
	}

	t.Run("completion", func(t *testing.T) {
		var list protocol.CompletionList
		e.must("textDocument/completion", &protocol.CompletionParams{TextDocumentPositionParams: pos(playURI, at["psEnd"])}, &list)
		var labels []string
		for _, it := range list.Items {
			labels = append(labels, it.Label)
		}
		if !binContains(labels, "printString") {
			t.Errorf("selector completion after printS: %v, want the image's printString", labels)
		}
		list = protocol.CompletionList{}
		e.must("textDocument/completion", &protocol.CompletionParams{TextDocumentPositionParams: pos(playURI, at["totEnd"])}, &list)
		labels = nil
		for _, it := range list.Items {
			labels = append(labels, it.Label)
		}
		if !binContains(labels, "total") {
			t.Errorf("variable completion after tot: %v, want the session variable total", labels)
		}
	})

	t.Run("definition into a workspace file", func(t *testing.T) {
		var locs []protocol.Location
		// The index may still be loading: ask until the workspace file appears.
		deadline := time.Now().Add(10 * time.Second)
		for {
			locs = nil
			e.must("textDocument/definition", &protocol.DefinitionParams{TextDocumentPositionParams: pos(playURI, at["incr"])}, &locs)
			if len(locs) == 1 && locs[0].URI == counterURI || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if len(locs) != 1 || locs[0].URI != counterURI || locs[0].Range.Start != cat["incr"] {
			t.Fatalf("definition of increment = %v, want %s at %v", locs, counterURI, cat["incr"])
		}
		locs = nil
		e.must("textDocument/definition", &protocol.DefinitionParams{TextDocumentPositionParams: pos(playURI, at["ps"])}, &locs)
		if len(locs) != 1 || !strings.HasSuffix(locs[0].URI.FsPath(), "Object>>printString.st") {
			t.Errorf("definition of printString = %v, want the generated document of Object>>printString", locs)
		}
	})

	t.Run("references", func(t *testing.T) {
		var locs []protocol.Location
		e.must("textDocument/references", &protocol.ReferenceParams{TextDocumentPositionParams: pos(playURI, at["cnt"])}, &locs)
		var where []string
		for _, l := range locs {
			switch {
			case l.URI == counterURI:
				where = append(where, "Counter.class.st")
				if l.Range.Start != cat["send"] {
					t.Errorf("send of count in Counter at %v, want %v", l.Range.Start, cat["send"])
				}
			case l.URI == playURI:
				where = append(where, "play.st")
			default:
				where = append(where, filepath.Base(l.URI.FsPath()))
			}
		}
		sort.Strings(where)
		if got := strings.Join(where, ","); got != "Counter.class.st,Report>>line.st,play.st" {
			t.Errorf("references of count in %s", got)
		}
	})

	t.Run("workspace symbols", func(t *testing.T) {
		var syms []protocol.SymbolInformation
		e.must("workspace/symbol", &protocol.WorkspaceSymbolParams{Query: "Count"}, &syms)
		if len(syms) == 0 || syms[0].Name != "Counter" || syms[0].Location.URI != counterURI {
			t.Errorf("symbols for Count: %+v, want Counter in the workspace first", syms)
		}
		syms = nil
		e.must("workspace/symbol", &protocol.WorkspaceSymbolParams{Query: "Repo"}, &syms)
		if len(syms) != 1 || syms[0].Name != "Report" || !strings.HasSuffix(syms[0].Location.URI.FsPath(), filepath.Join("classes", "Report.st")) {
			t.Errorf("symbols for Repo: %+v, want the image's Report in a generated document", syms)
		}
	})

	t.Run("compile on save", func(t *testing.T) {
		e.open(counterURI, counterText)
		e.notify("textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: counterURI}})
		diags := e.latestDiagnostics(counterURI, func(ds []protocol.Diagnostic) bool {
			for _, d := range ds {
				if src, _ := d.Source.Get(); src == "stui compile" {
					return true
				}
			}
			return false
		})
		for _, d := range diags {
			if src, _ := d.Source.Get(); src == "stui compile" && (d.Range.Start != cat["bad"] || d.Range.End != cat["badEnd"]) {
				t.Errorf("compile error at %v, want %v-%v", d.Range, cat["bad"], cat["badEnd"])
			}
		}
		// More than three methods compiled: the client saw the progress.
		var kinds []string
		for _, raw := range e.notesOf("$/progress") {
			var p struct {
				Value struct {
					Kind string `json:"kind"`
				} `json:"value"`
			}
			_ = json.Unmarshal(raw, &p)
			kinds = append(kinds, p.Value.Kind)
		}
		if len(kinds) < 2 || kinds[0] != "begin" || kinds[len(kinds)-1] != "end" {
			t.Errorf("progress notifications %v, want begin ... end", kinds)
		}
		var lbl string
		lbl, _ = backendSource(t, srv, "Counter", "double")
		if !strings.Contains(lbl, "count * 2") {
			t.Errorf("the image's Counter>>double is %q", lbl)
		}

		// Declaring the variable in the class definition, away from the
		// error, and saving again: the class is redefined, reset compiles,
		// and its diagnostic goes.
		e.notify("textDocument/didChange", &protocol.DidChangeTextDocumentParams{
			TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: counterURI}, Version: 2},
			ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangePartial{
				Range: protocol.Range{Start: cat["iv"], End: cat["iv"]}, Text: ", 'undeclaredThing'",
			}},
		})
		e.latestDiagnostics(counterURI, func(ds []protocol.Diagnostic) bool {
			for _, d := range ds {
				if src, _ := d.Source.Get(); src == "stui compile" {
					return true
				}
			}
			return false
		})
		e.notify("textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: counterURI}})
		deadline := time.Now().Add(10 * time.Second)
		for {
			src, _ := backendSource(t, srv, "Counter", "reset")
			if strings.Contains(src, "undeclaredThing") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Counter>>reset never reached the image: %q", src)
			}
			time.Sleep(50 * time.Millisecond)
		}
		e.latestDiagnostics(counterURI, func(ds []protocol.Diagnostic) bool { return len(ds) == 0 })
	})
}

// backendSource reads a method's source from the test backend.
func backendSource(t *testing.T, srv *stuitest.Server, class, selector string) (string, error) {
	t.Helper()
	c, err := stuiclient.New(srv.Endpoint)
	if err != nil {
		return "", err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var res stuiproto.GetMethodResult
	err = c.Call(ctx, stuiproto.CmdGetMethod, stuiproto.GetMethodParams{ClassName: class, MethodName: selector}, &res)
	return res.Method.Source, err
}

func binContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
