package lsp

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// applyTextEdits applies LSP edits (UTF-16 positions) to text.
func applyTextEdits(t *testing.T, text string, edits []protocol.TextEdit) string {
	t.Helper()
	ix := newLineIndex(text)
	type span struct {
		s, e int
		text string
	}
	var spans []span
	for _, e := range edits {
		s, en := ix.span(e.Range, encodingUTF16)
		spans = append(spans, span{s, en, e.NewText})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].s > spans[j].s })
	for _, sp := range spans {
		text = text[:sp.s] + sp.text + text[sp.e:]
	}
	return text
}

// formatImage "formats" by collapsing runs of blanks and putting one space
// after '^'.
func formatImage() *fakeImage {
	img := newFakeImage()
	img.on(stuiproto.CmdFormatSource, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.FormatSourceParams
		_ = json.Unmarshal(raw, &p)
		if strings.Contains(p.Source, "+ +") {
			return nil, &stuiproto.RemoteError{Type: stuiproto.ErrSyntax, Message: "Variable or expression expected"}
		}
		out := strings.Join(strings.Fields(strings.ReplaceAll(p.Source, "^", "^ ")), " ")
		return stuiproto.FormatSourceResult{Formatted: out}, nil
	})
	return img
}

func TestFormattingTonelMethodByMethod(t *testing.T) {
	e := startEditor(t, editorOptions{image: formatImage()})
	text := "Class { #name : #C, #superclass : #Object }\n\n{ #category : #a }\nC >> a   [\n\t\"é😀\"   ^1\n]\n\n{ #category : #b }\nC class >> b: x [ ^x   + + 1 ]\n"
	u := e.open("C.class.st", text)
	var edits []protocol.TextEdit
	if err := e.call("textDocument/formatting", &protocol.DocumentFormattingParams{TextDocument: td(u)}, &edits); err != nil {
		t.Fatal(err)
	}
	got := applyTextEdits(t, text, edits)
	want := "Class { #name : #C, #superclass : #Object }\n\n{ #category : #a }\nC >> a   [ \"é😀\" ^ 1\n]\n\n{ #category : #b }\nC class >> b: x [ ^x   + + 1 ]\n"
	if got != want {
		t.Errorf("formatted\n%q\nwant\n%q", got, want)
	}
	if len(edits) != 1 {
		t.Errorf("%d edits, want one for the method that formats (the other does not parse)", len(edits))
	}
}

func TestFormattingPlaygroundAndWithoutImage(t *testing.T) {
	e := startEditor(t, editorOptions{image: formatImage()})
	text := "x  :=  3.\n\"é😀\"  ^x\n"
	u := e.open("p.st", text)
	var edits []protocol.TextEdit
	if err := e.call("textDocument/formatting", &protocol.DocumentFormattingParams{TextDocument: td(u)}, &edits); err != nil {
		t.Fatal(err)
	}
	if got := applyTextEdits(t, text, edits); got != "x := 3. \"é😀\" ^ x\n" {
		t.Errorf("formatted playground %q", got)
	}

	off := startEditor(t, editorOptions{})
	u2 := off.open("p.st", text)
	edits = nil
	if err := off.call("textDocument/formatting", &protocol.DocumentFormattingParams{TextDocument: td(u2)}, &edits); err != nil {
		t.Fatalf("formatting without an image failed: %v", err)
	}
	if edits == nil || len(edits) != 0 {
		t.Errorf("formatting without an image = %#v, want an empty list", edits)
	}
}
