package smalltalk

// Checker tells whether Parse would find no syntax error in a Tonel file,
// without building the tree: `stui-lsp check` over a tree the size of
// Pharo's spends most of a full parse allocating nodes that it throws away
// at once, to learn that there is nothing to report.
//
// It reads the file rule for rule as Parse does, on the same Scanner, and
// says no wherever Parse would report an error, and also wherever it is
// not sure that Parse reads the input its way (playgrounds, chunk
// file-outs, a Tonel method body whose end the layout rule would move).
// A no is always safe: the caller parses the file then, and reports what
// Parse found. A yes must never be wrong, which the tests hold it to on
// every fixture, a generated corpus, damaged copies of both, a source tree
// such as Pharo's and a fuzz target (check_test.go).
//
// A Checker is reused from file to file; it is not safe for concurrent
// use.
type Checker struct {
	src      []byte
	sc       Scanner
	tok      Token
	ahead    Token
	hasAhead bool
	depth    int
}

// Clean reports whether Parse(name, src) would report no syntax error,
// when it can tell without parsing; false means the caller must parse src
// to know.
func (c *Checker) Clean(src []byte) bool {
	ok := c.tonel(src)
	c.src, c.sc.src = nil, nil
	return ok
}

// tonel follows parseTonel, giving up where it reports an error.
func (c *Checker) tonel(src []byte) bool {
	kind, hdr := detectKind(src)
	if !kind.IsTonel() {
		return false
	}
	c.src = src
	// detectKind found a word and a '{' at hdr, so the value read there is
	// the object with a map that parseTonel asks for, if it has no error.
	pos, ok := stonValue(src, hdr, 0)
	if !ok {
		return false
	}
	for {
		pos = skipSpace(src, pos)
		if pos >= len(src) {
			return true
		}
		if src[pos] == '"' {
			pos = commentEnd(src, pos)
			continue
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
		if pos, ok = c.method(pos); !ok {
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

func (c *Checker) reset(start int) {
	c.sc.Reset(c.src, start, len(c.src))
	c.hasAhead = false
	c.tok = c.sc.Next()
}

func (c *Checker) next() {
	if c.hasAhead {
		c.tok = c.ahead
		c.hasAhead = false
		return
	}
	c.tok = c.sc.Next()
}

func (c *Checker) peek() Token {
	if !c.hasAhead {
		c.ahead = c.sc.Next()
		c.hasAhead = true
	}
	return c.ahead
}

// consumeFirstChar is the parser's: it splits "||" into "|" and "|".
func (c *Checker) consumeFirstChar() {
	if c.tok.Len() <= 1 {
		c.next()
		return
	}
	c.hasAhead = false
	c.sc.SetPos(c.tok.Start + 1)
	c.tok = c.sc.Next()
}

func (c *Checker) isBinary(s string) bool {
	return c.tok.Kind == Binary && string(c.src[c.tok.Start:c.tok.End]) == s
}

func (c *Checker) atBar() bool { return c.tok.Kind == Binary && c.src[c.tok.Start] == '|' }

func (c *Checker) atIdent() bool {
	return c.tok.Kind == Identifier || c.tok.Kind == Assign && c.src[c.tok.Start] == '_'
}

// method follows parseTonelMethod and the one-pass parseBodyToBracket,
// whose success is the only way a method parses without an error.
func (c *Checker) method(pos int) (int, bool) {
	c.reset(pos)
	c.depth = 0
	if c.tok.Kind != Identifier {
		return 0, false
	}
	c.next()
	if c.tok.Kind == Identifier {
		if w := string(c.src[c.tok.Start:c.tok.End]); w == "class" || w == "classSide" {
			c.next()
		}
	}
	if !c.isBinary(">>") {
		return 0, false
	}
	c.next()
	if !c.pattern() || c.tok.Kind != LBracket || len(c.sc.Errors) > 0 {
		return 0, false
	}
	c.reset(c.tok.End)
	if !c.sequence(RBracket, true) || c.tok.Kind != RBracket || len(c.sc.Errors) > 0 {
		return 0, false
	}
	return c.tok.End, true
}

// pattern follows parsePattern.
func (c *Checker) pattern() bool {
	switch c.tok.Kind {
	case Identifier:
		c.next()
	case Binary:
		c.next()
		if c.tok.Kind != Identifier {
			return false
		}
		c.next()
	case Keyword:
		for c.tok.Kind == Keyword {
			c.next()
			if c.tok.Kind != Identifier {
				return false
			}
			c.next()
		}
	default:
		return false
	}
	return true
}

// sequence follows parseSequence: in a method, pragmas around the
// temporaries (a third run of pragmas only after a second, non-empty
// list of temporaries, as parseTemps returns nil for "| |").
func (c *Checker) sequence(closer TokenKind, method bool) bool {
	if method && !c.pragmas() {
		return false
	}
	if _, ok := c.temps(); !ok {
		return false
	}
	if method {
		if !c.pragmas() {
			return false
		}
		n, ok := c.temps()
		if !ok || n > 0 && !c.pragmas() {
			return false
		}
	}
	return c.statements(closer)
}

// temps follows parseTemps and returns how many names it read.
func (c *Checker) temps() (int, bool) {
	if !c.atBar() {
		return 0, true
	}
	c.consumeFirstChar()
	n := 0
	for c.atIdent() {
		n++
		c.next()
	}
	if !c.atBar() {
		return 0, false
	}
	c.consumeFirstChar()
	return n, true
}

// statements follows parseStatements up to closer, which it does not
// consume. Every caller reports an error unless closer is what ends them.
func (c *Checker) statements(closer TokenKind) bool {
	for {
		k := c.tok.Kind
		if k == Period {
			c.next()
			continue
		}
		if k == closer {
			return true
		}
		if k == EOF || isCloser(k) {
			return false
		}
		if !c.statement() {
			return false
		}
		k = c.tok.Kind
		if k != Period && k != EOF && !isCloser(k) {
			return false
		}
	}
}

// statement follows parseStatement: false when there is none or it has
// an error.
func (c *Checker) statement() bool {
	if c.tok.Kind == Caret {
		c.next()
	}
	return c.expression()
}

// expression follows parseExpression: false when none starts here, or
// the one that does has an error.
func (c *Checker) expression() bool {
	if c.tok.Kind == Identifier && c.peek().Kind == Assign {
		if c.depth >= MaxNesting {
			return false
		}
		c.depth++
		c.next()
		c.next()
		ok := c.expression()
		c.depth--
		return ok
	}
	if !c.primary() {
		return false
	}
	sent, ok := c.messages()
	if !ok {
		return false
	}
	if c.tok.Kind != Semicolon {
		return true
	}
	if !sent {
		return false
	}
	for c.tok.Kind == Semicolon {
		c.next()
		if sent, ok := c.messages(); !ok || !sent {
			return false
		}
	}
	return true
}

// messages follows parseMessages and reports whether it read any.
func (c *Checker) messages() (sent, ok bool) {
	sent = c.unaries()
	b, ok := c.binaries()
	if !ok {
		return false, false
	}
	if c.tok.Kind != Keyword {
		return sent || b, true
	}
	for c.tok.Kind == Keyword {
		c.next()
		if !c.primary() {
			return false, false
		}
		c.unaries()
		if _, ok := c.binaries(); !ok {
			return false, false
		}
	}
	return true, true
}

func (c *Checker) unaries() bool {
	sent := false
	for c.tok.Kind == Identifier {
		if c.peek().Kind == Assign {
			return sent
		}
		c.next()
		sent = true
	}
	return sent
}

func (c *Checker) binaries() (sent, ok bool) {
	for c.tok.Kind == Binary {
		c.next()
		if !c.primary() {
			return false, false
		}
		c.unaries()
		sent = true
	}
	return sent, true
}

// negativeNumber consumes '-' immediately followed by a number.
func (c *Checker) negativeNumber() bool {
	if c.isBinary("-") {
		if n := c.peek(); n.Kind == Number && n.Start == c.tok.End {
			c.next()
			c.next()
			return true
		}
	}
	return false
}

// primary follows parsePrimary: false when none starts here, or the one
// that does has an error.
func (c *Checker) primary() bool {
	switch c.tok.Kind {
	case Identifier, Number, String, Character, Symbol:
		c.next()
		return true
	case LiteralArray, ByteArray, LBracket, LParen, LBrace:
		if c.depth >= MaxNesting {
			return false
		}
		c.depth++
		var ok bool
		switch c.tok.Kind {
		case LiteralArray:
			ok = c.literalArray()
		case ByteArray:
			ok = c.byteArray()
		case LBracket:
			ok = c.block()
		case LParen:
			ok = c.paren()
		default:
			ok = c.brace()
		}
		c.depth--
		return ok
	case Binary:
		return c.negativeNumber()
	case Assign:
		if c.src[c.tok.Start] == '_' {
			c.next()
			return true
		}
	}
	return false
}

// literalArray follows parseLiteralArray: #( ... ) or, inside one, a
// nested ( ... ).
func (c *Checker) literalArray() bool {
	c.next()
	for {
		switch c.tok.Kind {
		case RParen:
			c.next()
			return true
		case Number, String, Character, Symbol, Keyword, Identifier,
			Period, Semicolon, Colon, Caret, Assign:
			c.next()
		case Binary:
			// A negative number is two tokens read as one element.
			if !c.negativeNumber() {
				c.next()
			}
		case LiteralArray, LParen:
			if c.depth >= MaxNesting {
				return false
			}
			c.depth++
			ok := c.literalArray()
			c.depth--
			if !ok {
				return false
			}
		case ByteArray:
			if !c.byteArray() {
				return false
			}
		default:
			return false
		}
	}
}

// byteArray follows parseByteArray.
func (c *Checker) byteArray() bool {
	c.next()
	for c.tok.Kind == Number {
		if !isByteElement(c.src[c.tok.Start:c.tok.End]) {
			return false
		}
		c.next()
	}
	return c.tok.Kind == RBracket && c.closeBracket()
}

// closeBracket follows the parser's closeBracket in a Tonel method body:
// a ']' in the first column before what looks like the next method makes
// parseBodyToBracket give up for the two-pass parse, so the checker gives
// up too.
func (c *Checker) closeBracket() bool {
	if endsMethodByLayout(c.src, c.tok) {
		return false
	}
	c.next()
	return true
}

// block follows parseBlock.
func (c *Checker) block() bool {
	c.next()
	if c.tok.Kind == Colon {
		for c.tok.Kind == Colon {
			c.next()
			if !c.atIdent() {
				return false
			}
			c.next()
		}
		switch {
		case c.atBar():
			c.consumeFirstChar()
		case c.tok.Kind == RBracket:
		default:
			return false
		}
	}
	if !c.sequence(RBracket, false) || c.tok.Kind != RBracket {
		return false
	}
	return c.closeBracket()
}

// paren follows parseParen.
func (c *Checker) paren() bool {
	c.next()
	if !c.expression() || c.tok.Kind != RParen {
		return false
	}
	c.next()
	return true
}

// brace follows parseBrace.
func (c *Checker) brace() bool {
	c.next()
	if !c.statements(RBrace) || c.tok.Kind != RBrace {
		return false
	}
	c.next()
	return true
}

// pragmas follows parsePragmas.
func (c *Checker) pragmas() bool {
	for c.isBinary("<") {
		c.next()
		switch c.tok.Kind {
		case Identifier:
			c.next()
		case Keyword:
			for c.tok.Kind == Keyword {
				c.next()
				if !c.primary() {
					return false
				}
			}
		case Binary:
			if c.src[c.tok.Start] == '>' {
				return false
			}
			c.next()
			// An operand is optional here; one that has an error is not.
			if c.startsPrimary() && !c.primary() {
				return false
			}
		default:
			return false
		}
		if c.tok.Kind != Binary || c.src[c.tok.Start] != '>' {
			return false
		}
		c.consumeFirstChar()
	}
	return true
}

// startsPrimary reports whether parsePrimary would read something at the
// current token rather than return nil, consuming nothing.
func (c *Checker) startsPrimary() bool {
	switch c.tok.Kind {
	case Identifier, Number, String, Character, Symbol,
		LiteralArray, ByteArray, LBracket, LParen, LBrace:
		return true
	case Binary:
		if c.isBinary("-") {
			n := c.peek()
			return n.Kind == Number && n.Start == c.tok.End
		}
	case Assign:
		return c.src[c.tok.Start] == '_'
	}
	return false
}
