package lsp

import (
	"sort"
	"unicode/utf8"

	"go.lsp.dev/protocol"
)

// positionEncoding is how the client counts characters within a line. LSP
// defaults to UTF-16 code units; a client may offer UTF-8 (bytes) or UTF-32
// (code points) at initialize.
type positionEncoding int

const (
	encodingUTF16 positionEncoding = iota
	encodingUTF8
	encodingUTF32
)

func (e positionEncoding) String() string {
	switch e {
	case encodingUTF8:
		return "utf-8"
	case encodingUTF32:
		return "utf-32"
	default:
		return "utf-16"
	}
}

// lineIndex converts between byte offsets into a text and LSP positions. It is
// the only place in the server that knows how lines and characters are counted.
type lineIndex struct {
	text  string
	lines []int // byte offset of the start of each line
	ascii bool  // no multi-byte characters: every unit count equals the byte count
}

func newLineIndex(text string) *lineIndex {
	ix := &lineIndex{text: text, lines: make([]int, 1, 64), ascii: true}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= utf8.RuneSelf {
			ix.ascii = false
		}
		switch c {
		case '\n':
			ix.lines = append(ix.lines, i+1)
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				continue
			}
			ix.lines = append(ix.lines, i+1)
		}
	}
	return ix
}

// lineEnd returns the byte offset where line's content ends (before its line
// terminator).
func (ix *lineIndex) lineEnd(line int) int {
	if line+1 < len(ix.lines) {
		end := ix.lines[line+1]
		if end > 0 && ix.text[end-1] == '\n' {
			end--
		}
		if end > ix.lines[line] && ix.text[end-1] == '\r' {
			end--
		}
		return end
	}
	return len(ix.text)
}

// offset converts a position to a byte offset. Positions past the end of a
// line or of the text are clamped, as the LSP specification asks; a position
// inside a character that needs two UTF-16 units lands before that character.
func (ix *lineIndex) offset(pos protocol.Position, enc positionEncoding) int {
	line := int(pos.Line)
	if line >= len(ix.lines) {
		return len(ix.text)
	}
	start, end := ix.lines[line], ix.lineEnd(line)
	want := int(pos.Character)
	if ix.ascii || enc == encodingUTF8 {
		off := start + want
		if off > end {
			off = end
		}
		// A UTF-8 offset inside a multi-byte character moves back to its start.
		for off > start && off < end && !utf8.RuneStart(ix.text[off]) {
			off--
		}
		return off
	}
	units := 0
	for off := start; off < end; {
		if units >= want {
			return off
		}
		r, size := utf8.DecodeRuneInString(ix.text[off:end])
		n := 1
		if enc == encodingUTF16 && r >= 0x10000 {
			n = 2
		}
		if units+n > want {
			return off
		}
		units += n
		off += size
	}
	return end
}

// position converts a byte offset to a position. Offsets are clamped to the
// text; an offset inside a multi-byte character counts from its start.
func (ix *lineIndex) position(off int, enc positionEncoding) protocol.Position {
	if off < 0 {
		off = 0
	}
	if off > len(ix.text) {
		off = len(ix.text)
	}
	line := sort.Search(len(ix.lines), func(i int) bool { return ix.lines[i] > off }) - 1
	start := ix.lines[line]
	if end := ix.lineEnd(line); off > end {
		off = end
	}
	if ix.ascii || enc == encodingUTF8 {
		return protocol.Position{Line: uint32(line), Character: uint32(off - start)}
	}
	units := 0
	for i := start; i < off; {
		r, size := utf8.DecodeRuneInString(ix.text[i:off])
		if r == utf8.RuneError && size <= 1 && i+size > off {
			break
		}
		if enc == encodingUTF16 && r >= 0x10000 {
			units += 2
		} else {
			units++
		}
		i += size
	}
	return protocol.Position{Line: uint32(line), Character: uint32(units)}
}

func (ix *lineIndex) rangeOf(start, end int, enc positionEncoding) protocol.Range {
	return protocol.Range{Start: ix.position(start, enc), End: ix.position(end, enc)}
}

// span converts a range to byte offsets, start <= end.
func (ix *lineIndex) span(r protocol.Range, enc positionEncoding) (int, int) {
	s, e := ix.offset(r.Start, enc), ix.offset(r.End, enc)
	if e < s {
		s, e = e, s
	}
	return s, e
}

// offsetAtLineColumn maps a 1-based line and character column inside text, as
// the image reports compiler errors, to a byte offset. Out-of-range values are
// clamped.
func offsetAtLineColumn(text string, line, column int) int {
	if line < 1 {
		line = 1
	}
	if column < 1 {
		column = 1
	}
	off := 0
	for l := 1; l < line; l++ {
		i := indexByteFrom(text, off, '\n')
		if i < 0 {
			return len(text)
		}
		off = i + 1
	}
	for c := 1; c < column && off < len(text) && text[off] != '\n'; c++ {
		_, size := utf8.DecodeRuneInString(text[off:])
		off += size
	}
	return off
}

func indexByteFrom(s string, from int, b byte) int {
	for i := from; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}
