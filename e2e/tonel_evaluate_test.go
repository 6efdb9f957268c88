package e2e

// Evaluation in a Tonel file through the real binary: a line-wise selection
// of the class definition (Helix's `x`, a triple click) is offered nothing,
// and Print it on a statement of a method body evaluates it in the image.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

func TestBinaryEvaluatesOnlyMethodBodiesOfTonelFiles(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	srv := stuitest.NewServer(stuitest.NewBackend())
	defer srv.Close()

	folder := t.TempDir()
	text, at := binMarkers("⟦def⟧Class {\n\t#name : #TallyTest,\n\t#superclass : #TestCase,\n\t#category : #Tally\n}\n⟦defEnd⟧\n" +
		"{ #category : #tests }\n⟦head⟧TallyTest >> testAdds [\n⟦headEnd⟧\n\t⟦body⟧3 + 4⟦bodyEnd⟧\n]\n")
	path := filepath.Join(folder, "TallyTest.class.st")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	u := uri.File(path)
	e := binStart(t, bin, srv.Endpoint, folder)
	e.open(u, text)

	type action struct {
		Title   string           `json:"title"`
		Command protocol.Command `json:"command"`
	}
	evaluations := func(start, end protocol.Position) []action {
		t.Helper()
		var all []action
		e.must("textDocument/codeAction", &protocol.CodeActionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: u},
			Range:        protocol.Range{Start: start, End: end},
		}, &all)
		var out []action
		for _, a := range all {
			if strings.HasPrefix(a.Command.Command, "stui.evaluate") || a.Command.Command == "stui.printIt" || a.Command.Command == "stui.inspect" {
				out = append(out, a)
			}
		}
		return out
	}
	if got := evaluations(at["def"], at["defEnd"]); len(got) != 0 {
		t.Errorf("the class definition's lines selected: offered %v, want no evaluation", got)
	}
	if got := evaluations(at["head"], at["headEnd"]); len(got) != 0 {
		t.Errorf("the method header's line selected: offered %v, want no evaluation", got)
	}
	got := evaluations(at["body"], at["body"])
	if len(got) != 3 {
		t.Fatalf("cursor on the statement in the body: offered %v, want Evaluate, Print it, Inspect it", got)
	}
	for _, a := range got {
		if a.Title != "Print it" {
			continue
		}
		var res json.RawMessage
		if err := e.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: a.Command.Command, Arguments: a.Command.Arguments}, &res); err != nil {
			t.Fatalf("Print it on the body's statement: %v", err)
		}
		if !strings.Contains(string(res), "7") {
			t.Errorf("Print it on 3 + 4 answered %s", res)
		}
	}
}
