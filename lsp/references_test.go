package lsp

import (
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

func TestReferencesMergeImageSendersWithWorkspaceSends(t *testing.T) {
	src, cat := markers(counterSource)
	folder := writeFolder(t, map[string]string{"Counter.class.st": src})
	counterURI := uri.File(filepath.Join(folder, "Counter.class.st"))
	img := browsingImage(map[string]string{
		"Counter>>increment": "increment\n\t^ self at: 1 put: 2",
		"Foo class>>bar":     "bar\n\t\"é😀\" ^ Array new at: 1 put: 2; yourself",
	}, map[string][]string{"at:put:": {"Counter>>increment", "Foo class>>bar"}})
	e := startEditor(t, editorOptions{folder: folder, image: img})
	e.waitIndexed(1)
	text, at := markers("\"😀\" x ⟦kw⟧at: 3 ⟦kw2⟧put: 4.")
	u := e.open("p.st", text)

	refs := e.locations("textDocument/references", &protocol.ReferenceParams{TextDocumentPositionParams: tdp(u, at["kw2"])})
	var inCounter, inPlay, generated int
	for _, r := range refs {
		switch {
		case r.URI == counterURI:
			inCounter++
			if r.Range.Start != cat["send"] {
				t.Errorf("send in Counter at %v, want %v", r.Range.Start, cat["send"])
			}
		case r.URI == u:
			inPlay++
			if r.Range.Start != at["kw"] {
				t.Errorf("send in the playground at %v, want %v", r.Range.Start, at["kw"])
			}
		case strings.HasSuffix(string(r.URI), "Foo%20class%3E%3Ebar.st") || strings.HasSuffix(r.URI.FsPath(), "Foo class>>bar.st"):
			generated++
			// Line 0 says what the document is, line 1 opens the chunk, line 2
			// is the pattern; "\t\"é😀\" ^ Array new " is 19 UTF-16 units.
			if want := (protocol.Position{Line: 3, Character: 19}); r.Range.Start != want {
				t.Errorf("send in the generated document at %v, want %v", r.Range.Start, want)
			}
		default:
			t.Errorf("unexpected reference %v", r)
		}
	}
	if inCounter != 1 || inPlay != 1 || generated != 1 {
		t.Errorf("references = %v: want one in Counter (not repeated for the image's sender), one in the playground, one generated", refs)
	}
}

func TestReferencesOfLocalAndInstanceVariables(t *testing.T) {
	e := startEditor(t, editorOptions{})
	text, at := markers(`Class { #name : #C, #superclass : #Object, #instVars : [ 'n' ] }

C >> a: ⟦arg⟧x [
	"é😀" | y |
	y := ⟦x1⟧x + ⟦n1⟧n.
	[ :x | x ] value: ⟦x2⟧x.
	^ y
]

C >> b [ ^ ⟦n2⟧n ]
`)
	u := e.open("C.class.st", text)
	refs := e.locations("textDocument/references", &protocol.ReferenceParams{TextDocumentPositionParams: tdp(u, at["x1"]), Context: protocol.ReferenceContext{IncludeDeclaration: true}})
	var starts []protocol.Position
	for _, r := range refs {
		starts = append(starts, r.Range.Start)
	}
	want := []protocol.Position{at["arg"], at["x1"], at["x2"]}
	if len(starts) != len(want) {
		t.Fatalf("references of x = %v, want %v (not the block's own x)", starts, want)
	}
	for i := range want {
		if starts[i] != want[i] {
			t.Errorf("reference %d at %v, want %v", i, starts[i], want[i])
		}
	}
	refs = e.locations("textDocument/references", &protocol.ReferenceParams{TextDocumentPositionParams: tdp(u, at["n2"])})
	if len(refs) != 2 || refs[0].Range.Start != at["n1"] || refs[1].Range.Start != at["n2"] {
		t.Errorf("references of the instance variable n = %v", refs)
	}
}
