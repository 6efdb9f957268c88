package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// evaluateAction is a code action as the editor receives it, with the range
// its command will evaluate.
type evaluateAction struct {
	title string
	code  string
	rng   protocol.Range
}

func evaluateActions(t *testing.T, e *editor, text string, u uri.URI, r protocol.Range) []evaluateAction {
	t.Helper()
	var raw []json.RawMessage
	if err := e.call("textDocument/codeAction", &protocol.CodeActionParams{TextDocument: td(u), Range: r,
		Context: protocol.CodeActionContext{Only: []protocol.CodeActionKind{codeActionKindEvaluate}}}, &raw); err != nil {
		t.Fatal(err)
	}
	var out []evaluateAction
	for _, m := range raw {
		var a struct {
			Title   string `json:"title"`
			Command struct {
				Arguments []json.RawMessage `json:"arguments"`
			} `json:"command"`
		}
		_ = json.Unmarshal(m, &a)
		var args struct {
			Range protocol.Range `json:"range"`
		}
		_ = json.Unmarshal(a.Command.Arguments[0], &args)
		ix := newLineIndex(text)
		start, end := ix.span(args.Range, encodingUTF16)
		out = append(out, evaluateAction{a.Title, text[start:end], args.Range})
	}
	return out
}

func TestCodeActionRangesAsEachEditorSendsThem(t *testing.T) {
	e := startEditor(t, editorOptions{})
	text, at := markers("⟦l1⟧x := ⟦c0⟧3⟦c1⟧ + ⟦s0⟧4 * 5⟦s1⟧.⟦l2⟧\ny := ⟦k0⟧x⟦k1⟧.\n")
	u := e.open("ranges.st", text)
	cases := []struct {
		name string
		rng  protocol.Range
		want []string // "title: code"
	}{
		{"an empty range (VS Code, Neovim at the cursor)", protocol.Range{Start: at["c0"], End: at["c0"]},
			[]string{"Evaluate: x := 3 + 4 * 5", "Print it: x := 3 + 4 * 5", "Inspect it: x := 3 + 4 * 5"}},
		{"Helix's one-character cursor on the 3", protocol.Range{Start: at["c0"], End: at["c1"]},
			[]string{"Evaluate: x := 3 + 4 * 5", "Print it: x := 3 + 4 * 5", "Inspect it: x := 3 + 4 * 5"}},
		{"eglot's sexp at point, one identifier", protocol.Range{Start: at["k0"], End: at["k1"]},
			[]string{"Evaluate: y := x", "Print it: y := x", "Inspect it: y := x"}},
		{"a selection that is part of the statement", protocol.Range{Start: at["s0"], End: at["s1"]},
			[]string{"Evaluate statement: x := 3 + 4 * 5", "Print it statement: x := 3 + 4 * 5", "Inspect it statement: x := 3 + 4 * 5",
				"Evaluate selection: 4 * 5", "Print it selection: 4 * 5", "Inspect it selection: 4 * 5"}},
		{"Helix's whole line with its newline (x)", protocol.Range{Start: at["l1"], End: protocol.Position{Line: 1}},
			[]string{"Evaluate: x := 3 + 4 * 5.", "Print it: x := 3 + 4 * 5.", "Inspect it: x := 3 + 4 * 5."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, a := range evaluateActions(t, e, text, u, c.rng) {
				got = append(got, a.title+": "+a.code)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("actions\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

func TestPrintItOnAWholeLineSelectionInsertsAtTheEndOfThatLine(t *testing.T) {
	img := evalImage(map[string]any{"3 + 4.": "7"})
	e := startEditor(t, editorOptions{image: img})
	text := "3 + 4.\n6 * 7.\n"
	u := e.open("line.st", text)
	var res printItResult
	whole := protocol.Range{Start: protocol.Position{Line: 0}, End: protocol.Position{Line: 1}}
	if err := e.executeCommand(cmdPrintIt, map[string]any{"uri": u, "range": whole}, &res); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.edits) != 1 {
		t.Fatalf("applyEdit calls = %d", len(e.edits))
	}
	edits := e.edits[0].Edit.Changes[u]
	want := protocol.Position{Line: 0, Character: 6}
	if len(edits) != 1 || edits[0].Range.Start != want {
		t.Errorf("print-it edit = %+v, want the result at the end of line 1 (%v), not on the next line", edits, want)
	}
}

func TestPrintItEditNamesTheDocumentVersion(t *testing.T) {
	img := evalImage(map[string]any{"3 + 4": "7"})
	yes := true
	e := startEditor(t, editorOptions{image: img, initialize: func(p *protocol.InitializeParams) {
		p.Capabilities.Workspace.WorkspaceEdit = &protocol.WorkspaceEditClientCapabilities{DocumentChanges: &yes}
	}})
	u := e.open("v.st", "3 + 4.")
	if err := e.executeCommand(cmdPrintIt, map[string]any{"uri": u, "range": protocol.Range{}}, &printItResult{}); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.edits) != 1 || len(e.edits[0].Edit.DocumentChanges) != 1 {
		t.Fatalf("edits = %+v, want one versioned document change", e.edits)
	}
	change, ok := e.edits[0].Edit.DocumentChanges[0].(*protocol.TextDocumentEdit)
	if !ok || change.TextDocument.URI != u || change.TextDocument.Version == nil || *change.TextDocument.Version != 1 {
		t.Errorf("document change = %+v, want %s at version 1", e.edits[0].Edit.DocumentChanges[0], u)
	}
}

func TestPrintItDoesNotEditTextThatChangedDuringTheEvaluation(t *testing.T) {
	img := newFakeImage()
	release := make(chan struct{})
	evaluating := make(chan struct{}, 1)
	img.on(stuiproto.CmdEvaluate, func(context.Context, json.RawMessage) (any, error) {
		evaluating <- struct{}{}
		<-release
		return stuiproto.EvaluateResult{Result: "7"}, nil
	})
	e := startEditor(t, editorOptions{image: img})
	u := e.open("slow.st", "3 + 4.")
	done := make(chan error, 1)
	var res printItResult
	go func() {
		done <- e.executeCommand(cmdPrintIt, map[string]any{"uri": u, "range": protocol.Range{}}, &res)
	}()
	<-evaluating
	e.changeAll(u, 2, "3 + 40.")
	// A request after the notification: the server has applied the change.
	evaluateActions(t, e, "3 + 40.", u, protocol.Range{})
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if res.Inserted || len(e.edits) != 0 {
		t.Errorf("print-it edited text that changed meanwhile: %+v", e.edits)
	}
}

func TestClientsWithoutInlayRefreshAreToldTheResult(t *testing.T) {
	img := evalImage(map[string]any{"3 + 4": "7"})
	no := false
	e := startEditor(t, editorOptions{image: img, initialize: func(p *protocol.InitializeParams) {
		p.Capabilities.Workspace.InlayHint.RefreshSupport = &no
	}})
	u := e.open("r.st", "3 + 4.")
	if err := e.executeCommand(cmdEvaluate, map[string]any{"uri": u, "range": protocol.Range{}}, &evaluateResult{}); err != nil {
		t.Fatal(err)
	}
	e.waitFor(protocol.MethodWindowShowMessage, func(raw json.RawMessage) bool {
		return strings.Contains(string(raw), `3 + 4 → 7`)
	})
}

func TestHelixIsShownAFailedCommand(t *testing.T) {
	img := evalImage(map[string]any{"3 + 4": errors.New("boom")})
	e := startEditor(t, editorOptions{image: img, initialize: func(p *protocol.InitializeParams) {
		p.ClientInfo = protocol.ClientInfo{Name: "helix"}
	}})
	u := e.open("h.st", "\n\n")
	if err := e.executeCommand(cmdEvaluate, map[string]any{"uri": u, "range": protocol.Range{}}, &evaluateResult{}); err == nil {
		t.Fatal("evaluating nothing succeeded")
	}
	e.waitFor(protocol.MethodWindowShowMessage, func(raw json.RawMessage) bool {
		return strings.Contains(string(raw), "no statement at line 1")
	})
}

func TestInspectorDocumentDrillsWithACodeAction(t *testing.T) {
	e := startEditor(t, editorOptions{})
	text := "an OrderedCollection(1 2 3)\n  class: OrderedCollection   size: 3   object id: obj_1\n" +
		strings.Repeat("-", 72) + "\narray       #(1 2 3 nil)  (Array)  [obj_2]\nfirstIndex  1  (SmallInteger)\n"
	u := e.open("obj_1"+inspectorDocumentExt, text)
	var actions []protocol.CodeAction
	if err := e.call("textDocument/codeAction", &protocol.CodeActionParams{TextDocument: td(u),
		Range: protocol.Range{Start: protocol.Position{Line: 3, Character: 2}, End: protocol.Position{Line: 3, Character: 3}}}, &actions); err != nil {
		t.Fatal(err)
	}
	if len(actions) != 1 || actions[0].Title != "Inspect array" || actions[0].Command.Command != cmdInspect ||
		!strings.Contains(string(actions[0].Command.Arguments[0]), `"objectId":"obj_2"`) {
		t.Errorf("actions on the array slot = %+v, want Inspect array with obj_2", actions)
	}
	time.Sleep(50 * time.Millisecond)
	if d := e.pushedOf(protocol.MethodTextDocumentPublishDiagnostics); len(d) != 0 {
		t.Errorf("diagnostics were published for an inspector document: %s", d)
	}
}
