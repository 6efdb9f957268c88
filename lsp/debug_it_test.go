package lsp

import (
	"encoding/json"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// An evaluation that fails offers "Debug it" as a lens and a code action;
// the command answers the launch configuration that runs the statement
// under the debugger. A statement that evaluates fine offers nothing.
func TestFailedEvaluationOffersDebugIt(t *testing.T) {
	img := evalImage(map[string]any{
		"1/0": &stuiproto.RemoteError{Type: stuiproto.ErrRuntime, Message: "Division by zero", Details: &stuiproto.ErrorDetails{ErrorClass: "ZeroDivide"}},
	})
	e := startEditor(t, editorOptions{image: img})
	u := e.open("z.st", "3 + 4.\n1/0")
	debugIt := func() (lenses []protocol.CodeLens, actions []protocol.CodeAction) {
		for _, l := range e.codeLenses(u) {
			if l.Command.Command == cmdDebugIt {
				lenses = append(lenses, l)
			}
		}
		var all []protocol.CodeAction
		if err := e.call("textDocument/codeAction", &protocol.CodeActionParams{TextDocument: td(u),
			Range: protocol.Range{Start: protocol.Position{Line: 1}, End: protocol.Position{Line: 1, Character: 1}}}, &all); err != nil {
			t.Fatal(err)
		}
		for _, a := range all {
			if a.Command.Command == cmdDebugIt {
				actions = append(actions, a)
			}
		}
		return lenses, actions
	}
	if l, a := debugIt(); len(l) != 0 || len(a) != 0 {
		t.Fatalf("Debug it before any evaluation failed: %v %v", l, a)
	}
	stmt := map[string]any{"uri": u, "range": protocol.Range{Start: protocol.Position{Line: 1}, End: protocol.Position{Line: 1, Character: 3}}}
	_ = e.executeCommand(cmdEvaluate, stmt, nil)
	e.diagnostics(u, func(d []protocol.Diagnostic) bool { return len(d) > 0 })
	lenses, actions := debugIt()
	if len(lenses) != 1 || lenses[0].Range.Start.Line != 1 || len(actions) != 1 {
		t.Fatalf("after the failure: lenses %+v, actions %+v", lenses, actions)
	}
	var launch debugLaunch
	raw, _ := json.Marshal(lenses[0].Command.Arguments[0])
	var args map[string]any
	json.Unmarshal(raw, &args)
	if err := e.executeCommand(cmdDebugIt, args, &launch); err != nil {
		t.Fatal(err)
	}
	if launch.Type != "stui" || launch.Request != "launch" || launch.Expression != "1/0" {
		t.Fatalf("launch configuration %+v", launch)
	}
}
