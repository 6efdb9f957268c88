package lsp

import (
	"encoding/json"
	"slices"
	"testing"

	"go.lsp.dev/protocol"
)

func TestCodeLensesOnPlaygroundStatementsAndScripts(t *testing.T) {
	e := startEditor(t, editorOptions{})
	text, at := markers("\"ça 😀\" ⟦s1⟧x := 3 + 4.\n⟦s2⟧x printString.\n")
	u := e.open("play.st", text)
	var lenses []protocol.CodeLens
	if err := e.call("textDocument/codeLens", &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &lenses); err != nil {
		t.Fatal(err)
	}
	if len(lenses) != 6 {
		t.Fatalf("%d lenses, want 3 per statement", len(lenses))
	}
	titles := map[string]int{}
	for i, l := range lenses {
		titles[l.Command.Title]++
		want := at["s1"]
		if i >= 3 {
			want = at["s2"]
		}
		if l.Range.Start != want {
			t.Errorf("lens %d at %v, want %v", i, l.Range.Start, want)
		}
	}
	if titles["Evaluate"] != 2 || titles["Print it"] != 2 || titles["Inspect it"] != 2 {
		t.Errorf("lens titles %v", titles)
	}

	tonel, tat := markers(`Class { #name : #Demo, #superclass : #Object, #category : #X }

{ #category : #examples }
⟦m⟧Demo class >> exampleOne [
	<example>
	^ 42
]

Demo >> plain [ ^ 1 ]
`)
	u2 := e.open("Demo.class.st", tonel)
	lenses = nil
	if err := e.call("textDocument/codeLens", &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u2}}, &lenses); err != nil {
		t.Fatal(err)
	}
	// The sender and implementor lenses come unresolved; they have tests of
	// their own.
	lenses = slices.DeleteFunc(lenses, func(l protocol.CodeLens) bool { return l.Command.Command == "" })
	if len(lenses) != 3 {
		t.Fatalf("%d lenses on a Tonel file with one <example> method, want 3", len(lenses))
	}
	var args struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(lenses[0].Command.Arguments[0], &args)
	if args.Code != "Demo exampleOne" {
		t.Errorf("example lens runs %q", args.Code)
	}
	if lenses[0].Range.Start.Line != tat["m"].Line {
		t.Errorf("lens on line %d, want %d", lenses[0].Range.Start.Line, tat["m"].Line)
	}
}

func TestCodeActionsEvaluateTheStatementAtTheCursor(t *testing.T) {
	e := startEditor(t, editorOptions{})
	text, at := markers("a := 1.\nb := a ⟦c⟧+ 2.\n")
	u := e.open("ca.st", text)
	var actions []json.RawMessage
	if err := e.call("textDocument/codeAction", &protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u},
		Range:        protocol.Range{Start: at["c"], End: at["c"]},
	}, &actions); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, raw := range actions {
		var a struct {
			Title   string `json:"title"`
			Command struct {
				Command   string            `json:"command"`
				Arguments []json.RawMessage `json:"arguments"`
			} `json:"command"`
		}
		_ = json.Unmarshal(raw, &a)
		titles = append(titles, a.Title)
		var args struct {
			Range protocol.Range `json:"range"`
		}
		_ = json.Unmarshal(a.Command.Arguments[0], &args)
		if args.Range.Start.Line != 1 || args.Range.Start.Character != 0 || args.Range.End.Character != 10 {
			t.Errorf("%s targets %v, want the statement on line 2", a.Title, args.Range)
		}
	}
	if len(titles) != 3 {
		t.Errorf("code actions %v, want Evaluate, Print it, Inspect it", titles)
	}
}
