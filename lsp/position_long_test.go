package lsp

import (
	"strings"
	"testing"
	"unicode/utf8"

	"go.lsp.dev/protocol"
)

// On long lines positions are counted from marks; they must agree with
// counting from the line's start, including offsets inside characters and
// invalid UTF-8.
func TestPositionsOnALongLineAgreeWithCountingFromItsStart(t *testing.T) {
	line := strings.Repeat("aé😀\xff中", 9000)
	text := "first line\n" + line + "\nlast é\n" + line
	ix := newLineIndex(text)
	for _, enc := range []positionEncoding{encodingUTF16, encodingUTF32} {
		for off := 0; off <= len(text); off += 97 {
			got := ix.position(off, enc)
			l := int(got.Line)
			start := ix.lines[l]
			clamped := min(off, ix.lineEnd(l))
			if want := ix.units(start, clamped, enc); int(got.Character) != want {
				t.Fatalf("%v: offset %d: character %d, want %d", enc, off, got.Character, want)
			}
			if off < len(text) && !utf8.RuneStart(text[off]) {
				continue // inside a character: no exact way back
			}
			back := ix.offset(got, enc)
			if p := ix.position(back, enc); p != got {
				t.Fatalf("%v: offset %d -> %v -> %d -> %v", enc, off, got, back, p)
			}
		}
		// Characters past the end of the long line clamp to its end.
		if off := ix.offset(protocol.Position{Line: 1, Character: 1 << 30}, enc); off != ix.lineEnd(1) {
			t.Fatalf("%v: past the end: %d, want %d", enc, off, ix.lineEnd(1))
		}
	}
}

func BenchmarkPositionOnALongLine(b *testing.B) {
	line := strings.Repeat("aé😀中", 1<<18) // about 2.5 MB on one line
	ix := newLineIndex(line)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		off := (i * 7919) % len(line)
		ix.offset(ix.position(off, encodingUTF16), encodingUTF16)
	}
}

// A 10 MB playground used to get 1.4 million lenses.
func TestCodeLensesAreCapped(t *testing.T) {
	e := startEditor(t, editorOptions{})
	u := e.open("big.st", strings.Repeat("x := 3 + 4.\n", 100_000))
	var lenses []protocol.CodeLens
	if err := e.call("textDocument/codeLens", &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &lenses); err != nil {
		t.Fatal(err)
	}
	if want := maxEvaluableLenses * len(evaluateCommands); len(lenses) != want {
		t.Errorf("%d lenses, want %d", len(lenses), want)
	}
}
