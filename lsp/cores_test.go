package lsp

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// A process that keeps to one core for requests widens for indexing and for
// the requests computed from the index, and for nothing that waits on the
// image or the editor.
func TestIndexAndLocalRequestsRunWithEveryCore(t *testing.T) {
	src, at := markers(counterSource)
	folder := writeFolder(t, map[string]string{"Counter.class.st": src})
	var widened, running atomic.Int64
	e := startEditor(t, editorOptions{folder: folder, parallel: func(work func()) {
		widened.Add(1)
		running.Add(1)
		defer running.Add(-1)
		work()
	}})
	e.waitIndexed(1)
	// Indexing widens once; it ends just after the index is filled.
	for deadline := time.Now().Add(5 * time.Second); running.Load() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("indexing did not end its widening")
		}
	}
	if n := widened.Load(); n != 1 {
		t.Fatalf("indexing widened %d times, want once", n)
	}
	u := uri.File(filepath.Join(folder, "Counter.class.st"))
	e.openURI(u, src)

	before := widened.Load()
	if got := e.symbols("Counter"); len(got) == 0 {
		t.Fatal("workspace/symbol found no Counter")
	}
	if n := widened.Load() - before; n != 1 {
		t.Errorf("workspace/symbol widened %d times, want 1", n)
	}
	before = widened.Load()
	var refs []protocol.Location
	if err := e.call(protocol.MethodTextDocumentReferences, &protocol.ReferenceParams{
		TextDocumentPositionParams: protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: at["incr"]},
		Context:                    protocol.ReferenceContext{IncludeDeclaration: true},
	}, &refs); err != nil {
		t.Fatal(err)
	}
	if n := widened.Load() - before; n != 1 {
		t.Errorf("references widened %d times, want 1", n)
	}

	before = widened.Load()
	_ = e.hover(u, at["incr"])
	var actions []protocol.CodeAction
	_ = e.call(protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &actions)
	if n := widened.Load() - before; n != 0 {
		t.Errorf("hover and codeAction widened %d times, want none", n)
	}
	if running.Load() != 0 {
		t.Errorf("%d widenings still running after their requests were answered", running.Load())
	}
}
