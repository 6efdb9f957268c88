package lsp

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

const shapeSource = `Class {
	#name : #Shape,
	#superclass : #Object,
	#category : #'Demo-Shapes'
}

{ #category : #accessing }
Shape >> area [
	^ 0
]
`

// partialChange sends one edit of u, at [from, to) of the text, as editors
// do on a keystroke.
func (e *editor) partialChange(u uri.URI, version int32, from, to protocol.Position, text string) {
	e.t.Helper()
	err := e.conn.Notify(context.Background(), "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
		TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: td(u), Version: version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangePartial{
			Range: protocol.Range{Start: from, End: to}, Text: text}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// An edit goes into the workspace index when a request that reads it comes,
// not on the keystroke: the requests right after an edit (workspace
// symbols, references, definition, completion) still answer from the
// edited text, and closing the document brings back the file's.
func TestRequestsRightAfterAnEditSeeTheEditedText(t *testing.T) {
	folder := writeFolder(t, map[string]string{"Shape.class.st": shapeSource})
	shapeURI := uri.File(filepath.Join(folder, "Shape.class.st"))
	e := startEditor(t, editorOptions{folder: folder})
	e.waitIndexed(1)
	e.openURI(shapeURI, shapeSource)
	play, at := markers("| s |\ns := Shape new.\ns ⟦send⟧frobnicate: 3.\ns ⟦done⟧\n")
	playURI := e.open("play.st", play)

	// A new method, typed at the end of the file, then a send typed inside
	// its body (the edit the server parses incrementally).
	end := protocol.Position{Line: uint32(strings.Count(shapeSource, "\n")), Character: 0}
	e.partialChange(shapeURI, 2, end, end, "\n{ #category : #demo }\nShape >> frobnicate: n [\n\t^ n\n]\n")
	body := protocol.Position{Line: end.Line + 3, Character: 3}
	e.partialChange(shapeURI, 3, body, body, "self zorkle: ")
	send := protocol.Position{Line: body.Line, Character: body.Character + 5}

	var defs []protocol.Location
	for _, s := range e.symbols("frobnicate") {
		if s.Name == "frobnicate:" {
			defs = append(defs, s.Location)
		}
	}
	if len(defs) != 1 || defs[0].URI != shapeURI || defs[0].Range.Start.Line != end.Line+2 {
		t.Fatalf("workspace symbols for frobnicate right after the edit = %v, want Shape>>frobnicate: on line %d", defs, end.Line+2)
	}
	got := e.locations("textDocument/definition", &protocol.DefinitionParams{TextDocumentPositionParams: tdp(playURI, at["send"])})
	if len(got) != 1 || got[0].URI != shapeURI || got[0].Range.Start.Line != end.Line+2 {
		t.Errorf("definition of frobnicate: = %v, want the method typed into Shape.class.st", got)
	}
	refs := e.locations("textDocument/references", &protocol.ReferenceParams{TextDocumentPositionParams: tdp(shapeURI, protocol.Position{Line: send.Line, Character: send.Character + 2})})
	if len(refs) != 1 || refs[0].URI != shapeURI || refs[0].Range.Start != send {
		t.Errorf("references to zorkle: = %v, want the send typed at %v", refs, send)
	}
	if items := completionAt(e, td(playURI), at["done"]); items["frobnicate:"].Label == "" {
		t.Errorf("completion after the edit offers no frobnicate: (%d items)", len(items))
	}

	// Closed, the document's edits leave the index with it.
	if err := e.conn.Notify(context.Background(), "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: td(shapeURI)}); err != nil {
		t.Fatal(err)
	}
	for _, s := range e.symbols("frobnicate") {
		if s.Name == "frobnicate:" {
			t.Errorf("frobnicate: is still indexed after its document closed unsaved: %v", s.Location)
		}
	}
}

// With no request to bring it in, an edit still reaches the index once the
// edits pause.
func TestTheIndexTakesAnEditWhenTheEditsPause(t *testing.T) {
	folder := writeFolder(t, map[string]string{"Shape.class.st": shapeSource})
	shapeURI := uri.File(filepath.Join(folder, "Shape.class.st"))
	e := startEditor(t, editorOptions{folder: folder})
	e.waitIndexed(1)
	e.openURI(shapeURI, shapeSource)
	body := protocol.Position{Line: 8, Character: 3}
	e.partialChange(shapeURI, 2, body, body, "self frobnicate: ")
	deadline := time.Now().Add(10 * time.Second)
	for len(e.srv.workspace.index.Senders("frobnicate:")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the index has not taken the edit %v after the edits paused", 10*time.Second)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Typing inside one method replaces that method's entries in the index and
// moves those after it: the sends below the edit are found where they now
// are.
func TestTypingInAMethodMovesTheIndexEntriesAfterIt(t *testing.T) {
	src, at := markers(`Class {
	#name : #Polygon,
	#superclass : #Object,
	#category : #'Demo-Shapes'
}

{ #category : #accessing }
Polygon >> area [
	^ ⟦body⟧0
]

{ #category : #accessing }
Polygon >> perimeter [
	^ self ⟦sides⟧sides * 2
]
`)
	folder := writeFolder(t, map[string]string{"Polygon.class.st": src})
	u := uri.File(filepath.Join(folder, "Polygon.class.st"))
	e := startEditor(t, editorOptions{folder: folder})
	e.waitIndexed(1)
	e.openURI(u, src)
	body := at["body"]
	for i, typed := range []string{"self ", "zorkle", ".\n\t"} {
		e.partialChange(u, int32(i+2), body, body, typed)
		body.Character += uint32(len(typed))
		if strings.HasSuffix(typed, "\n\t") {
			body = protocol.Position{Line: body.Line + 1, Character: 1}
		}
	}
	sides := protocol.Position{Line: at["sides"].Line + 1, Character: at["sides"].Character}
	refs := e.locations("textDocument/references", &protocol.ReferenceParams{TextDocumentPositionParams: tdp(u, sides)})
	if len(refs) != 1 || refs[0].Range.Start != sides {
		t.Errorf("references to sides after typing a line above it = %v, want one at %v", refs, sides)
	}
	zorkle := protocol.Position{Line: at["body"].Line, Character: at["body"].Character + 5}
	refs = e.locations("textDocument/references", &protocol.ReferenceParams{TextDocumentPositionParams: tdp(u, zorkle)})
	if len(refs) != 1 || refs[0].Range.Start != zorkle {
		t.Errorf("references to the typed zorkle = %v, want one at %v", refs, zorkle)
	}
}
