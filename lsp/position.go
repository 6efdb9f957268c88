package lsp

import (
	"sort"
	"strings"
	"sync"
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

	// marks, made on first need, let a conversion on a long line with
	// multi-byte characters count from a mark instead of the line's start:
	// a 10 MB line would otherwise be decoded again for every position.
	marksOnce sync.Once
	marks     []unitMark
}

// unitMark counts the UTF-16 and UTF-32 units before a decoding boundary of
// the text (line starts are boundaries too: '\n' is never inside a longer
// sequence, so counting on from a mark agrees with counting from the line).
type unitMark struct{ off, utf16, utf32 int }

// unitMarkEvery is the distance between marks; a conversion decodes at most
// about this much on top of a binary search.
const unitMarkEvery = 1 << 10

func (ix *lineIndex) unitMarks() []unitMark {
	ix.marksOnce.Do(func() {
		marks := make([]unitMark, 1, len(ix.text)/unitMarkEvery+1)
		u16, u32, next := 0, 0, unitMarkEvery
		for i := 0; i < len(ix.text); {
			if i >= next {
				marks = append(marks, unitMark{i, u16, u32})
				next = i + unitMarkEvery
			}
			r, size := utf8.DecodeRuneInString(ix.text[i:])
			u32++
			u16++
			if r >= 0x10000 {
				u16++
			}
			i += size
		}
		ix.marks = marks
	})
	return ix.marks
}

// units counts the units of enc in text[from:off], decoding as the slice
// text[from:off] decodes.
func (ix *lineIndex) units(from, off int, enc positionEncoding) int {
	units := 0
	for i := from; i < off; {
		r, size := utf8.DecodeRuneInString(ix.text[i:off])
		if enc == encodingUTF16 && r >= 0x10000 {
			units += 2
		} else {
			units++
		}
		i += size
	}
	return units
}

// unitsBefore counts the units of enc before off (a boundary or not), from
// the nearest mark.
func (ix *lineIndex) unitsBefore(off int, enc positionEncoding) int {
	marks := ix.unitMarks()
	j := sort.Search(len(marks), func(j int) bool { return marks[j].off > off }) - 1
	m := marks[j]
	base := m.utf32
	if enc == encodingUTF16 {
		base = m.utf16
	}
	return base + ix.units(m.off, off, enc)
}

// longLine tells whether counting from start to off is worth the marks.
func longLine(start, off int) bool { return off-start > 4*unitMarkEvery }

func newLineIndex(text string) *lineIndex {
	if strings.IndexByte(text, '\r') < 0 {
		// Only '\n' ends lines: found by the byte search, in a table sized
		// by counting them first (a search answers with hundreds of files
		// whose tables are made for the first time).
		ix := &lineIndex{text: text, lines: make([]int, 1, strings.Count(text, "\n")+1), ascii: isASCIIText(text)}
		for i := 0; ; {
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				return ix
			}
			i += j + 1
			ix.lines = append(ix.lines, i)
		}
	}
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

// isASCIIText reports whether text has no multi-byte characters, without
// a branch a byte.
func isASCIIText(text string) bool {
	var or byte
	for i := 0; i < len(text); i++ {
		or |= text[i]
	}
	return or < utf8.RuneSelf
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
	units, from := 0, start
	if longLine(start, end) && want > 4*unitMarkEvery {
		// Start from the last mark in the line whose count is not past want.
		marks := ix.unitMarks()
		base := ix.unitsBefore(start, enc)
		lo := sort.Search(len(marks), func(j int) bool { return marks[j].off > start })
		hi := sort.Search(len(marks), func(j int) bool { return marks[j].off > end })
		count := func(m unitMark) int {
			if enc == encodingUTF16 {
				return m.utf16 - base
			}
			return m.utf32 - base
		}
		k := sort.Search(hi-lo, func(k int) bool { return count(marks[lo+k]) > want }) - 1
		if k >= 0 {
			units, from = count(marks[lo+k]), marks[lo+k].off
		}
	}
	for off := from; off < end; {
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
	if longLine(start, off) {
		units := ix.unitsBefore(off, enc) - ix.unitsBefore(start, enc)
		return protocol.Position{Line: uint32(line), Character: uint32(units)}
	}
	return protocol.Position{Line: uint32(line), Character: uint32(ix.units(start, off, enc))}
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
