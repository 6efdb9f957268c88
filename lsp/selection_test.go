package lsp

import (
	"encoding/json"
	"slices"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
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
