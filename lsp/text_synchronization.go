package lsp

import (
	"context"
	"fmt"

	"go.lsp.dev/protocol"
)

func (s *server) DidOpen(ctx context.Context, params *protocol.DidOpenTextDocumentParams) error {
	td := params.TextDocument
	doc := newDocument(td.URI, string(td.LanguageID), td.Version, td.Text)
	s.docs.put(doc)
	if isInspectorDocument(doc.uri) {
		return nil
	}
	s.documentChanged(ctx, doc, nil, nil)
	return nil
}

func (s *server) DidChange(ctx context.Context, params *protocol.DidChangeTextDocumentParams) error {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return fmt.Errorf("didChange for %s, which is not open", params.TextDocument.URI)
	}
	text := doc.text
	lines := doc.lines()
	var edits []edit
	for _, change := range params.ContentChanges {
		switch c := change.(type) {
		case *protocol.TextDocumentContentChangeWholeDocument:
			edits = append(edits, edit{start: 0, end: len(text), text: c.Text})
			text = c.Text
			lines = nil
		case *protocol.TextDocumentContentChangePartial:
			// Each change is relative to the text left by the one before it.
			if lines == nil {
				lines = newLineIndex(text)
			}
			start, end := lines.span(c.Range, s.encoding)
			e := edit{start: start, end: end, text: c.Text}
			edits = append(edits, e)
			text = applyEdit(text, e)
			lines = lines.afterEdit(e, text)
		}
	}
	next := newDocument(doc.uri, doc.languageID, params.TextDocument.Version, text)
	if lines != nil {
		next.setLines(lines)
	}
	if len(edits) == 1 {
		next.editedFrom(doc, edits[0])
	}
	s.docs.put(next)
	if isInspectorDocument(next.uri) {
		return nil
	}
	s.documentChanged(ctx, next, doc, edits)
	return nil
}

func (s *server) DidClose(ctx context.Context, params *protocol.DidCloseTextDocumentParams) error {
	u := params.TextDocument.URI
	s.publishMu.Lock()
	defer s.publishMu.Unlock()
	s.forgetEdits(u, func() {
		s.docs.remove(u)
		s.results.forget(u)
		s.tokens.forget(u)
		s.diags.forget(u)
		// Leave the file's diagnostics to the workspace index, not to a closed buffer.
		s.notify(ctx, protocol.MethodTextDocumentPublishDiagnostics, &protocol.PublishDiagnosticsParams{URI: u, Diagnostics: []protocol.Diagnostic{}})
		s.workspace.reindexFromDisk(u)
	})
	return nil
}

func (s *server) DidSave(ctx context.Context, params *protocol.DidSaveTextDocumentParams) error {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return nil
	}
	// Both talk to the image; they must not hold up the notifications behind.
	if s.currentSettings().compileOnSave() {
		s.goBackground(ctx, "compile on save", func(ctx context.Context) { s.compileOnSave(ctx, doc) })
	} else {
		s.goBackground(ctx, "compare with the image", func(ctx context.Context) { s.checkAgainstImage(ctx, doc) })
	}
	return nil
}

// documentChanged updates everything derived from a document's text: inline
// results the edit touched, syntax diagnostics, the workspace index (at
// once for a document just opened, else when it is next needed: see
// indexLater). prev is the version edits made doc from, nil for a document
// just opened.
func (s *server) documentChanged(ctx context.Context, doc, prev *document, edits []edit) {
	if s.results.invalidate(doc.uri, edits) && s.caps.inlayHintRefresh {
		s.goBackground(ctx, "refresh inlay hints", s.refreshInlayHints)
	}
	s.diags.shiftEvaluation(doc.uri, edits)
	if len(doc.text) < backgroundParseBytes {
		s.publishMu.Lock()
		defer s.publishMu.Unlock()
		s.diags.setSyntax(doc.uri, syntaxDiagnostics(doc))
		s.publishDiagnostics(ctx, doc)
		if prev == nil {
			s.workspace.update(doc)
		} else {
			s.indexLater(prev, doc)
		}
		return
	}
	// A large document is parsed off the read loop, so that the requests and
	// edits behind it are not held up; when edits come faster than parses,
	// only the latest version's is published.
	s.goBackground(ctx, "parse a large document", func(ctx context.Context) {
		if !s.isCurrent(doc) {
			return
		}
		diags := syntaxDiagnostics(doc)
		s.publishMu.Lock()
		defer s.publishMu.Unlock()
		if !s.isCurrent(doc) {
			return
		}
		s.diags.setSyntax(doc.uri, diags)
		s.publishDiagnostics(ctx, doc)
		s.workspace.update(doc)
	})
}

// backgroundParseBytes is the document size from which parsing and syntax
// diagnostics leave the read loop.
const backgroundParseBytes = 1 << 20

// isCurrent tells whether doc is still the open version of its document.
func (s *server) isCurrent(doc *document) bool {
	cur, ok := s.docs.get(doc.uri)
	return ok && cur == doc
}
