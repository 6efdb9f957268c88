package lsp

import (
	"encoding/json"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// In a Tonel file only method bodies hold Smalltalk to evaluate: the class
// definition is STON and a method header is no statement, so evaluating
// either answers a SyntaxError from the image.
func TestTonelOffersEvaluationOnlyInsideMethodBodies(t *testing.T) {
	e := startEditor(t, editorOptions{})
	text, at := markers(`⟦def⟧Class {
	#name : #TallyTest,
	#superclass : #TestCase,
	#category : #Tally⟦defEnd⟧
}

{ #category : #tests }
⟦head⟧TallyTest >> ⟦sel⟧testAdds [⟦headEnd⟧

	⟦body⟧self assert: 3 + 4 equals: 7⟦bodyEnd⟧
]
`)
	u := e.open("TallyTest.class.st", text)
	evaluations := func(r protocol.Range) []string {
		t.Helper()
		var actions []json.RawMessage
		if err := e.call("textDocument/codeAction", &protocol.CodeActionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: u},
			Range:        r,
			Context:      protocol.CodeActionContext{Only: []protocol.CodeActionKind{codeActionKindEvaluate}},
		}, &actions); err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, raw := range actions {
			var a struct {
				Title string `json:"title"`
			}
			_ = json.Unmarshal(raw, &a)
			titles = append(titles, a.Title)
		}
		return titles
	}
	for name, r := range map[string]protocol.Range{
		"cursor on the class definition":      {Start: at["def"], End: at["def"]},
		"the class definition selected":       {Start: at["def"], End: at["defEnd"]},
		"cursor on the method header":         {Start: at["sel"], End: at["sel"]},
		"the method header selected":          {Start: at["head"], End: at["headEnd"]},
		"a selection from definition to body": {Start: at["def"], End: at["bodyEnd"]},
	} {
		if titles := evaluations(r); len(titles) != 0 {
			t.Errorf("%s: offered %v, want nothing to evaluate", name, titles)
		}
	}
	if titles := evaluations(protocol.Range{Start: at["body"], End: at["body"]}); len(titles) != 3 {
		t.Errorf("cursor on the statement in the body: offered %v, want Evaluate, Print it, Inspect it", titles)
	}
	if titles := evaluations(protocol.Range{Start: at["body"], End: at["bodyEnd"]}); len(titles) != 3 {
		t.Errorf("the statement in the body selected: offered %v, want Evaluate, Print it, Inspect it", titles)
	}

	// An editor's Print it key on the class definition sends its range all
	// the same: the answer says why nothing runs, and the image is not asked.
	err := e.executeCommand(cmdPrintIt, map[string]any{"uri": u, "range": protocol.Range{Start: at["def"], End: at["defEnd"]}}, &printItResult{})
	if err == nil || !strings.Contains(err.Error(), "only the statements of a method body") {
		t.Errorf("Print it on the class definition: %v, want it refused as no code", err)
	}

	var lenses []protocol.CodeLens
	if err := e.call("textDocument/codeLens", &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &lenses); err != nil {
		t.Fatal(err)
	}
	for _, l := range lenses {
		for _, c := range evaluateCommands {
			if l.Command.Command == c.command {
				t.Errorf("lens %q at %v on a Tonel file without <example> or <script> methods", l.Command.Title, l.Range.Start)
			}
		}
	}
}

// Editors without code lenses (Helix, eglot) run an <example> method from
// its header with a code action, as the lens over it does.
func TestTonelExampleMethodHeaderOffersRunningIt(t *testing.T) {
	e := startEditor(t, editorOptions{})
	text, at := markers(`Class { #name : #Demo, #superclass : #Object, #category : #X }

{ #category : #examples }
Demo class >> ⟦ex⟧exampleOne [
	<example>
	^ 42
]

{ #category : #accessing }
Demo >> ⟦plain⟧plain [ ^ 1 ]
`)
	u := e.open("Demo.class.st", text)
	actionsAt := func(p protocol.Position) (titles, codes []string) {
		t.Helper()
		var actions []json.RawMessage
		if err := e.call("textDocument/codeAction", &protocol.CodeActionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: u},
			Range:        protocol.Range{Start: p, End: p},
			Context:      protocol.CodeActionContext{Only: []protocol.CodeActionKind{codeActionKindEvaluate}},
		}, &actions); err != nil {
			t.Fatal(err)
		}
		for _, raw := range actions {
			var a struct {
				Title   string `json:"title"`
				Command struct {
					Arguments []struct {
						Code string `json:"code"`
					} `json:"arguments"`
				} `json:"command"`
			}
			_ = json.Unmarshal(raw, &a)
			titles = append(titles, a.Title)
			if len(a.Command.Arguments) == 1 {
				codes = append(codes, a.Command.Arguments[0].Code)
			}
		}
		return titles, codes
	}
	titles, codes := actionsAt(at["ex"])
	if len(titles) != 3 || titles[1] != "Print it exampleOne" {
		t.Errorf("on the <example> method's header: %v, want Evaluate, Print it, Inspect it exampleOne", titles)
	}
	for _, c := range codes {
		if c != "Demo exampleOne" {
			t.Errorf("the action runs %q, want Demo exampleOne", c)
		}
	}
	if titles, _ := actionsAt(at["plain"]); len(titles) != 0 {
		t.Errorf("on a plain method's header: %v, want nothing to evaluate", titles)
	}
}
