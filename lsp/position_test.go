package lsp

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"go.lsp.dev/protocol"
)

func TestPositionRoundTrip(t *testing.T) {
	text := "x := 'café'.\r\n\"😀 emoji\" y := 2.\nlast"
	ix := newLineIndex(text)
	for _, enc := range []positionEncoding{encodingUTF16, encodingUTF8, encodingUTF32} {
		for off := 0; off <= len(text); off++ {
			if off < len(text) && !utf8.RuneStart(text[off]) {
				continue
			}
			if off > 0 && text[off-1] == '\r' && off < len(text) && text[off] == '\n' {
				continue // between \r and \n is not a position
			}
			pos := ix.position(off, enc)
			if back := ix.offset(pos, enc); back != off {
				t.Errorf("%v: offset %d -> %v -> %d", enc, off, pos, back)
			}
		}
	}
}

func TestPositionUnits(t *testing.T) {
	text := "a😀b\né"
	ix := newLineIndex(text)
	cases := []struct {
		enc  positionEncoding
		off  int
		want protocol.Position
	}{
		{encodingUTF16, 5, protocol.Position{Line: 0, Character: 3}}, // after the emoji: 1 + 2 units
		{encodingUTF8, 5, protocol.Position{Line: 0, Character: 5}},
		{encodingUTF32, 5, protocol.Position{Line: 0, Character: 2}},
		{encodingUTF16, 6, protocol.Position{Line: 0, Character: 4}},
		{encodingUTF16, 9, protocol.Position{Line: 1, Character: 1}},
	}
	for _, c := range cases {
		if got := ix.position(c.off, c.enc); got != c.want {
			t.Errorf("%v position(%d) = %v, want %v", c.enc, c.off, got, c.want)
		}
	}
}

func TestPositionClampsOutOfRange(t *testing.T) {
	ix := newLineIndex("ab\ncd")
	if got := ix.offset(protocol.Position{Line: 0, Character: 99}, encodingUTF16); got != 2 {
		t.Errorf("past end of line: got %d, want 2", got)
	}
	if got := ix.offset(protocol.Position{Line: 9, Character: 0}, encodingUTF16); got != 5 {
		t.Errorf("past last line: got %d, want 5", got)
	}
	// The middle of a surrogate pair lands before the character.
	ix = newLineIndex("😀x")
	if got := ix.offset(protocol.Position{Line: 0, Character: 1}, encodingUTF16); got != 0 {
		t.Errorf("inside surrogate pair: got %d, want 0", got)
	}
	if got := ix.position(-5, encodingUTF16); got != (protocol.Position{}) {
		t.Errorf("negative offset: got %v", got)
	}
}

func TestOffsetAtLineColumn(t *testing.T) {
	code := "| a |\né := 3 +.\nb"
	// line 2, column 9 is the '.' after '+', counting é as one character.
	got := offsetAtLineColumn(code, 2, 9)
	if code[got] != '.' {
		t.Errorf("offsetAtLineColumn = %d (%q), want the '.'", got, code[got:])
	}
	if offsetAtLineColumn(code, 99, 1) != len(code) {
		t.Error("line past the end should clamp to the end")
	}
}

func FuzzPosition(f *testing.F) {
	f.Add("x := 1.\n😀 'é'\r\nz", uint32(1), uint32(3))
	f.Add("", uint32(0), uint32(0))
	f.Fuzz(func(t *testing.T, text string, line, char uint32) {
		ix := newLineIndex(text)
		for _, enc := range []positionEncoding{encodingUTF16, encodingUTF8, encodingUTF32} {
			off := ix.offset(protocol.Position{Line: line, Character: char}, enc)
			if off < 0 || off > len(text) {
				t.Fatalf("offset %d out of [0, %d]", off, len(text))
			}
			pos := ix.position(off, enc)
			if again := ix.offset(pos, enc); again != off && utf8.ValidString(text) {
				t.Fatalf("%v: offset %d -> %v -> %d", enc, off, pos, again)
			}
		}
	})
}

// The line table of a text without '\r' (made by byte search) holds the
// same line starts and ASCII flag as the byte-by-byte reading makes.
func TestLineTableWithoutCarriageReturnsMatchesTheByteByByteOne(t *testing.T) {
	for _, text := range []string{"", "a", "\n", "\n\n", "ab\ncd", "ab\ncd\n", "caf\u00e9\nx", "x\n\U0001F600\n", "\r\n", "a\rb\nc"} {
		for _, extra := range []string{"", strings.Repeat("line of text\n", 50)} {
			text := text + extra
			got := newLineIndex(text)
			want := []int{0}
			ascii := true
			for i := 0; i < len(text); i++ {
				if text[i] >= 0x80 {
					ascii = false
				}
				if text[i] == '\n' || text[i] == '\r' && (i+1 == len(text) || text[i+1] != '\n') {
					want = append(want, i+1)
				}
			}
			if !slices.Equal(got.lines, want) || got.ascii != ascii {
				t.Errorf("newLineIndex(%q): lines %v ascii %v, want %v %v", text, got.lines, got.ascii, want, ascii)
			}
		}
	}
}
