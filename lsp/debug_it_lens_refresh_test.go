package lsp

import (
	"encoding/json"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// A client that re-asks for code lenses only when told (VS Code) is told
// after an evaluation fails, so the "Debug it" lens shows without an edit;
// a client that cannot be told is not.
func TestFailedEvaluationRefreshesTheLenses(t *testing.T) {
	img := evalImage(map[string]any{
		"1/0": &stuiproto.RemoteError{Type: stuiproto.ErrRuntime, Message: "Division by zero", Details: &stuiproto.ErrorDetails{ErrorClass: "ZeroDivide"}},
	})
	for _, refresh := range []bool{true, false} {
		e := startEditor(t, editorOptions{image: img, initialize: func(p *protocol.InitializeParams) {
			p.Capabilities.Workspace.CodeLens = &protocol.CodeLensWorkspaceClientCapabilities{RefreshSupport: &refresh}
		}})
		u := e.open("z.st", "3 + 4.\n1/0")
		const method = "workspace/codeLens/refresh"
		before := 0
		if refresh {
			// The image's connecting sends one already.
			e.waitFor(method, nil)
			before = len(e.client.Pushed(method))
		}
		stmt := map[string]any{"uri": u, "range": protocol.Range{Start: protocol.Position{Line: 1}, End: protocol.Position{Line: 1, Character: 3}}}
		_ = e.executeCommand(cmdEvaluate, stmt, nil)
		e.diagnostics(u, func(d []protocol.Diagnostic) bool { return len(d) > 0 })
		if refresh {
			e.waitFor(method, func(json.RawMessage) bool { return len(e.client.Pushed(method)) > before })
		} else if got := e.client.Pushed(method); len(got) != 0 {
			t.Fatalf("refresh sent to a client without refreshSupport: %d", len(got))
		}
	}
}
