package lsp

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// writeFolder writes files (name -> content) into a fresh workspace folder.
func writeFolder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// waitIndexed waits until the workspace index holds at least n files.
func (e *editor) waitIndexed(n int) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.workspace.index.Len() < n {
		if time.Now().After(deadline) {
			e.t.Fatalf("workspace index holds %d files, want %d", e.srv.workspace.index.Len(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// openURI opens a document under a given URI (a file of the workspace).
func (e *editor) openURI(u uri.URI, text string) {
	e.t.Helper()
	err := e.conn.Notify(context.Background(), "textDocument/didOpen", &protocol.DidOpenTextDocumentParams{
		TextDocument: protocol.TextDocumentItem{URI: u, LanguageID: "smalltalk", Version: 1, Text: text},
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *editor) changeAll(u uri.URI, version int32, text string) {
	e.t.Helper()
	err := e.conn.Notify(context.Background(), "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangeWholeDocument{Text: text}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *editor) save(u uri.URI) {
	e.t.Helper()
	if err := e.conn.Notify(context.Background(), "textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}); err != nil {
		e.t.Fatal(err)
	}
}

func td(u uri.URI) protocol.TextDocumentIdentifier { return protocol.TextDocumentIdentifier{URI: u} }

func tdp(u uri.URI, p protocol.Position) protocol.TextDocumentPositionParams {
	return protocol.TextDocumentPositionParams{TextDocument: td(u), Position: p}
}

// counterSource is a Tonel class with non-ASCII text before the positions
// the tests ask about, so UTF-16 columns differ from byte columns.
const counterSource = `"Zählt 😀 — a counter"
Class {
	#name : #⟦cls⟧Counter,
	#superclass : #Object,
	#instVars : [ 'count' ],
	#category : #'Demo-Core'
}

{ #category : #accessing }
Counter >> ⟦count⟧count [
	"Answer the count — ünïcode 😀"
	^ ⟦ivar⟧count
]

{ #category : #accessing }
Counter >> ⟦incr⟧increment [
	count := self count + 1.
	^ self ⟦send⟧at: 1 put: 'é😀'
]

{ #category : #'instance creation' }
Counter class >> ⟦new⟧new [
	^ super new ⟦init⟧initialize
]
`

// latestDiagnostics waits until the latest diagnostics published for u
// satisfy pred, and returns them.
func (e *editor) latestDiagnostics(u uri.URI, pred func([]protocol.Diagnostic) bool) []protocol.Diagnostic {
	e.t.Helper()
	return e.client.LatestDiagnostics(u, pred)
}
