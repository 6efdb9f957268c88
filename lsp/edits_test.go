package lsp

import (
	"context"
	"encoding/json"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

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
