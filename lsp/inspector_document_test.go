package lsp

import (
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

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
