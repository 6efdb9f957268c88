package lsptest

import (
	"regexp"
	"strings"

	"go.lsp.dev/protocol"
)

var markerPattern = regexp.MustCompile(`⟦(\w+)⟧`)

// Markers removes the ⟦name⟧ markers from src and returns the text and the
// position of each marker in LSP's default encoding (UTF-16 code units, lines
// ended by \n, \r\n or \r), so a test needs no hand-counted columns.
//
// It counts on its own, with nothing of the server's: a test must not use the
// position converter it tests as its oracle.
func Markers(src string) (string, map[string]protocol.Position) {
	var b strings.Builder
	at := map[string]protocol.Position{}
	var pos protocol.Position
	last := 0
	for _, m := range markerPattern.FindAllStringSubmatchIndex(src, -1) {
		pos = advance(pos, src[last:m[0]], lastByte(&b))
		b.WriteString(src[last:m[0]])
		at[src[m[2]:m[3]]] = pos
		last = m[1]
	}
	b.WriteString(src[last:])
	return b.String(), at
}

// advance moves pos over s; prev is the byte written just before s, so a \r
// and a \n on either side of a marker still count as one line break.
func advance(pos protocol.Position, s string, prev byte) protocol.Position {
	for i, r := range s {
		switch {
		case r == '\n':
			if (i == 0 && prev == '\r') || (i > 0 && s[i-1] == '\r') {
				continue // the \n of a \r\n: the \r ended the line
			}
			pos.Line, pos.Character = pos.Line+1, 0
		case r == '\r':
			pos.Line, pos.Character = pos.Line+1, 0
		case r >= 0x10000:
			pos.Character += 2 // a surrogate pair
		default:
			pos.Character++
		}
	}
	return pos
}

func lastByte(b *strings.Builder) byte {
	s := b.String()
	if s == "" {
		return 0
	}
	return s[len(s)-1]
}
