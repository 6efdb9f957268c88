package lsp

import (
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// insertionEdit inserts text at byte offset at of doc. For clients that take
// versioned document changes the edit names the document version it was made
// for, so the editor refuses it if the text changed meanwhile.
func (s *server) insertionEdit(doc *document, at int, text string) protocol.WorkspaceEdit {
	pos := doc.lines().position(at, s.encoding)
	edit := protocol.TextEdit{Range: protocol.Range{Start: pos, End: pos}, NewText: text}
	if !s.caps.documentChanges {
		return protocol.WorkspaceEdit{Changes: map[uri.URI][]protocol.TextEdit{doc.uri: {edit}}}
	}
	version := doc.version
	return protocol.WorkspaceEdit{DocumentChanges: []protocol.DocumentChange{&protocol.TextDocumentEdit{
		TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{
			TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: doc.uri},
			Version:                &version,
		},
		Edits: []protocol.TextDocumentEditElement{&edit},
	}}}
}

// oneLine cuts s to at most n runes, for a message line.
func oneLine(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
