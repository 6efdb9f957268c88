package lsp

import (
	"context"
	"sync"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// editedDocuments are the open documents edited since the workspace index
// last took their text. Indexing a 200 KB file costs more than the rest of
// a keystroke (every send walked, the text copied, its entries replaced
// among a whole workspace's), so an edit only marks its document: the
// index takes it when a request that reads the index arrives, or once
// the edits pause. Its zero value is ready.
type editedDocuments struct {
	mu   sync.Mutex
	docs map[uri.URI]*pendingEdits
	// indexing is held while edited documents go into the index, and while
	// a document closes, so that a closed document's text never goes in
	// after its file's.
	indexing sync.Mutex
	wake     chan struct{}
	start    sync.Once
}

// pendingEdits are the edits of one document that the index has not taken.
type pendingEdits struct {
	// from is the parse of the version before the first of them, which
	// the index has (unless it was given another since: UpdateMethod
	// checks), and last the version after the last.
	from *smalltalk.File
	last *document
	// method is the only method they changed, when they stayed inside one
	// (smalltalk.ReparseMethod), else -1.
	method int
}

// editsPause is how long after the last edit the index takes the edited
// documents without being asked.
const editsPause = 300 * time.Millisecond

// indexLater marks doc, made from prev by an edit, as edited since the
// index took its document.
func (s *server) indexLater(prev, doc *document) {
	e := &s.edited
	e.mu.Lock()
	if e.docs == nil {
		e.docs = map[uri.URI]*pendingEdits{}
	}
	if p := e.docs[doc.uri]; p != nil {
		if doc.reparsed != p.method {
			p.method = -1
		}
		p.last = doc
	} else if from := prev.ready.Load(); from != nil {
		e.docs[doc.uri] = &pendingEdits{from: from.File, last: doc, method: doc.reparsed}
	} else {
		e.docs[doc.uri] = &pendingEdits{last: doc, method: -1}
	}
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
	for u, p := range edited {
		doc, ok := s.docs.get(u)
		switch {
		case !ok || s.workspace.isGenerated(u):
		case doc == p.last && p.method >= 0 && p.from != nil:
			// Typing inside one method: that method's entries are made
			// again, not the file's.
			s.workspace.index.UpdateMethod(indexKey(u), p.from, doc.file().File, p.method)
		default:
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
