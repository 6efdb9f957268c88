package smalltalk

// Checker tells whether Parse would find no syntax error in a Tonel file,
// without building the tree: `stui-lsp check` over a tree the size of
// Pharo's spends most of a full parse allocating nodes that it throws away
// at once, to learn that there is nothing to report.
//
// It reads the file rule for rule as Parse does (its methods with the
// reader it shares with IndexScanner, treeless.go), and says no wherever
// Parse would report an error, and also wherever it is not sure that Parse reads the input its way (playgrounds, chunk
// file-outs, a Tonel method body whose end the layout rule would move).
// A no is always safe: the caller parses the file then, and reports what
// Parse found. A yes must never be wrong, which the tests hold it to on
// every fixture, a generated corpus, damaged copies of both, a source tree
// such as Pharo's and a fuzz target (check_test.go).
//
// A Checker is reused from file to file; it is not safe for concurrent
// use.
type Checker struct {
	r treelessReader
}

// Clean reports whether Parse(name, src) would report no syntax error,
// when it can tell without parsing; false means the caller must parse src
// to know.
func (c *Checker) Clean(src []byte) bool {
	ok := c.tonel(src)
	c.r.src, c.r.sc.src = nil, nil
	return ok
}

// tonel follows parseTonel, giving up where it reports an error.
func (c *Checker) tonel(src []byte) bool {
	kind, hdr := detectKind(src)
	if !kind.IsTonel() {
		return false
	}
	c.r.src, c.r.maxDepth = src, MaxNesting
	// detectKind found a word and a '{' at hdr, so the value read there is
	// the object with a map that parseTonel asks for, if it has no error.
	pos, ok := stonValue(src, hdr, 0)
	if !ok {
		return false
	}
	for {
		if pos, ok = skipToMethod(src, pos); !ok {
			return true
		}
		switch src[pos] {
		case '{':
			end, ok := stonValue(src, pos, 0)
			if !ok {
				return false
			}
			pos = skipSpaceComments(src, max(end, pos+1))
		case '#':
			if pos, ok = oldMetadataEnd(src, pos); !ok {
				return false
			}
		}
		if pos, ok = c.r.method(pos); !ok {
			return false
		}
	}
}

// oldMetadataEnd follows oldMetadata: #category : 'x', without braces.
func oldMetadataEnd(src []byte, pos int) (int, bool) {
	for pos < len(src) && src[pos] == '#' {
		end, ok := stonValue(src, pos, 0)
		if !ok {
			return 0, false
		}
		end = skipSpaceComments(src, end)
		if end < len(src) && src[end] == ':' {
			end++
		}
		if end, ok = stonValue(src, end, 0); !ok {
			return 0, false
		}
		pos = skipSpace(src, max(end, pos+1))
		if pos < len(src) && src[pos] == ',' {
			pos = skipSpace(src, pos+1)
		}
	}
	return pos, true
}

// stonValue follows stonReader.value: it returns where the value at pos
// (after white space and comments) ends, and false where the reader
// would report an error.
func stonValue(src []byte, pos, depth int) (int, bool) {
	start := skipSpaceComments(src, pos)
	if start >= len(src) || depth > 100 {
		return 0, false
	}
	c := src[start]
	switch {
	case c == '\'':
		return stonStringEnd(src, start)
	case c == '#':
		p := start + 1
		if p < len(src) && src[p] == '\'' {
			return stonStringEnd(src, p)
		}
		for p < len(src) && isSTONSymbolChar(src[p]) {
			p++
		}
		e := p
		if e > start+1 && src[e-1] == ':' && (e >= len(src) || src[e] != ':') {
			e--
		}
		return e, e != start+1
	case c == '[' || c == '{':
		closer := byte(']')
		if c == '{' {
			closer = '}'
		}
		p := start + 1
		for {
			p = skipSpaceComments(src, p)
			if p >= len(src) {
				return 0, false
			}
			if src[p] == closer {
				return p + 1, true
			}
			end, ok := stonValue(src, p, depth+1)
			if !ok {
				return 0, false
			}
			p = skipSpaceComments(src, end)
			if c == '{' {
				if p >= len(src) || src[p] != ':' {
					return 0, false
				}
				if end, ok = stonValue(src, p+1, depth+1); !ok {
					return 0, false
				}
				p = skipSpaceComments(src, end)
			}
			if p < len(src) && src[p] == ',' {
				p++
			}
		}
	case isDigit(c) || c == '-' && start+1 < len(src) && isDigit(src[start+1]):
		p := start + 1
		for p < len(src) && (isDigit(src[p]) || src[p] == '.' && p+1 < len(src) && isDigit(src[p+1]) ||
			src[p] == 'e' || src[p] == '-' && src[p-1] == 'e' || src[p] == '/') {
			p++
		}
		return p, true
	case isLetterByte(c):
		p := start
		for p < len(src) && (isLetterByte(src[p]) || isDigit(src[p]) || src[p] == '.') {
			p++
		}
		switch string(src[start:p]) {
		case "true", "false", "nil":
			return p, true
		}
		q := skipSpaceComments(src, p)
		if q < len(src) && (src[q] == '{' || src[q] == '[') {
			return stonValue(src, q, depth+1)
		}
	}
	return 0, false
}

// stonStringEnd follows stonReader.str: the end of the quoted string at
// p, false if it is not closed.
func stonStringEnd(src []byte, p int) (int, bool) {
	q := src[p]
	for p++; p < len(src); p++ {
		switch src[p] {
		case q:
			if p+1 < len(src) && src[p+1] == q {
				p++
				continue
			}
			return p + 1, true
		case '\\':
			if p+1 < len(src) {
				p++
			}
		}
	}
	return 0, false
}
