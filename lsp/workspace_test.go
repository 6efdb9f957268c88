package lsp

import (
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

func (e *editor) hoverText(u uri.URI, pos protocol.Position) string {
	e.t.Helper()
	var h *protocol.Hover
	if err := e.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: tdp(u, pos)}, &h); err != nil {
		e.t.Fatalf("hover: %v", err)
	}
	if h == nil {
		return ""
	}
	if mc, ok := h.Contents.(*protocol.MarkupContent); ok {
		return mc.Value
	}
	return ""
}

func TestWorkspaceIndexAnswersOfflineHoverAndFollowsOpenDocuments(t *testing.T) {
	src, _ := markers(counterSource)
	folder := writeFolder(t, map[string]string{
		"src/Demo-Core/Counter.class.st": src,
		"src/Demo-Core/package.st":       "Package { #name : #'Demo-Core' }\n",
	})
	e := startEditor(t, editorOptions{folder: folder})
	e.waitIndexed(2)

	text, at := markers("\"ça 😀\" c := ⟦cls⟧Counter new. c ⟦sel⟧increment. c ⟦gone⟧reset.")
	u := e.open("play.st", text)
	if got := e.hoverText(u, at["cls"]); !strings.Contains(got, "Counter") || !strings.Contains(got, "Demo-Core") || !strings.Contains(got, "count") {
		t.Errorf("offline class hover from a closed workspace file:\n%s", got)
	}
	if got := e.hoverText(u, at["sel"]); !strings.Contains(got, "Counter>>increment") {
		t.Errorf("offline selector hover:\n%s", got)
	}
	if got := e.hoverText(u, at["gone"]); strings.Contains(got, "Counter>>reset") {
		t.Errorf("reset is implemented nowhere yet:\n%s", got)
	}

	// Editing the file in the editor adds a method the disk does not have.
	fileURI := uri.File(filepath.Join(folder, "src", "Demo-Core", "Counter.class.st"))
	e.openURI(fileURI, src)
	e.changeAll(fileURI, 2, src+"\n{ #category : #x }\nCounter >> reset [ count := 0 ]\n")
	if got := e.hoverText(u, at["gone"]); !strings.Contains(got, "Counter>>reset") {
		t.Errorf("the open document's new method is not indexed:\n%s", got)
	}
	// Closing it without saving goes back to the file on disk.
	if err := e.conn.Notify(t.Context(), "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: td(fileURI)}); err != nil {
		t.Fatal(err)
	}
	if got := e.hoverText(u, at["gone"]); strings.Contains(got, "Counter>>reset") {
		t.Errorf("closing the unsaved document kept its method:\n%s", got)
	}
	if got := e.hoverText(u, at["sel"]); !strings.Contains(got, "Counter>>increment") {
		t.Errorf("the file on disk was forgotten on close:\n%s", got)
	}
}
