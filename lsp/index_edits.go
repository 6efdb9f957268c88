package lsp

import (
	"context"
	"sync"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// editedDocuments are the open documents edited since the workspace index
// last took their text. Indexing a 200 KB file costs more than the rest of
// a keystroke (every send walked, the text copied, its entries replaced
// among a whole workspace's), so an edit only marks its document: the
// index takes it when a request that reads the index arrives, or once
// the edits pause. Its zero value is ready.
type editedDocuments struct {
	mu   sync.Mutex
	docs map[uri.URI]bool
	// indexing is held while edited documents go into the index, and while
	// a document closes, so that a closed document's text never goes in
	// after its file's.
	indexing sync.Mutex
	wake     chan struct{}
	start    sync.Once
}

// editsPause is how long after the last edit the index takes the edited
// documents without being asked.
const editsPause = 300 * time.Millisecond

// indexLater marks doc's document as edited since the index took it.
func (s *server) indexLater(doc *document) {
	e := &s.edited
	e.mu.Lock()
	if e.docs == nil {
		e.docs = map[uri.URI]bool{}
	}
	e.docs[doc.uri] = true
	e.mu.Unlock()
	e.start.Do(func() {
		e.wake = make(chan struct{}, 1)
		s.goBackground(s.alive, "index edited documents", s.indexAfterEditsPause)
	})
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// indexAfterEditsPause indexes the edited documents each time the edits
// pause for editsPause.
func (s *server) indexAfterEditsPause(ctx context.Context) {
	e := &s.edited
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		}
		quiet := time.NewTimer(editsPause)
	waiting:
		for {
			select {
			case <-ctx.Done():
				quiet.Stop()
				return
			case <-e.wake:
				quiet.Reset(editsPause)
			case <-quiet.C:
				break waiting
			}
		}
		s.indexEdited()
	}
}

// indexEdited puts the current text of every edited document into the
// index.
func (s *server) indexEdited() {
	e := &s.edited
	e.indexing.Lock()
	defer e.indexing.Unlock()
	e.mu.Lock()
	edited := e.docs
	e.docs = nil
	e.mu.Unlock()
	for u := range edited {
		if doc, ok := s.docs.get(u); ok {
			s.workspace.update(doc)
		}
	}
}

// forgetEdits drops u's pending edits for the duration of closing it: its
// file's content goes back into the index instead (DidClose).
func (s *server) forgetEdits(u uri.URI, closing func()) {
	e := &s.edited
	e.indexing.Lock()
	defer e.indexing.Unlock()
	e.mu.Lock()
	delete(e.docs, u)
	e.mu.Unlock()
	closing()
}

// indexFreeRequests read an open document alone, never the workspace
// index: they are what an editor sends on every keystroke, and need not
// wait for the index to take the edit.
var indexFreeRequests = map[string]bool{
	protocol.MethodTextDocumentSemanticTokensFull:      true,
	protocol.MethodTextDocumentSemanticTokensFullDelta: true,
	protocol.MethodTextDocumentSemanticTokensRange:     true,
	protocol.MethodTextDocumentFoldingRange:            true,
	protocol.MethodTextDocumentDocumentSymbol:          true,
	protocol.MethodTextDocumentSelectionRange:          true,
	protocol.MethodTextDocumentInlayHint:               true,
	protocol.MethodTextDocumentFormatting:              true,
	protocol.MethodTextDocumentRangeFormatting:         true,
}

// beforeRequest brings the index up to the edits made so far when method
// may read it, so that every answer sees the text the editor shows.
func (s *server) beforeRequest(method string) {
	if indexFreeRequests[method] {
		return
	}
	// Taken even with nothing pending: an indexing under way may hold
	// the edits this request must see.
	s.indexEdited()
}
