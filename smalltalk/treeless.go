package smalltalk

// treelessReader reads Tonel methods rule for rule as the parser does, on
// the same Scanner, without building a tree. It is the one reader behind
// both Checker and IndexScanner, so that a change to the grammar is made
// here and in the parser, not in a copy for each: every rule returns
// false wherever the parser would report an error, and also wherever the
// reader is not sure that the parser reads the input its way. The caller
// then parses the input, which is always safe.
//
// With rec set (an IndexScanner), it also records what the workspace
// index keeps of each method: its pattern and the messages its body
// sends. The Checker leaves rec nil and pays a nil test per send.
type treelessReader struct {
	src      []byte
	sc       Scanner
	tok      Token
	ahead    Token
	hasAhead bool
	depth    int
	// maxDepth is where the reader gives up on nesting, at most the
	// parser's MaxNesting.
	maxDepth int
	rec      *IndexScanner
}

// skipToMethod skips the white space and comments before the next method
// of a Tonel file at pos, as parseTonel's loop does, and reports false at
// the end of the file.
func skipToMethod(src []byte, pos int) (int, bool) {
	for {
		pos = skipSpace(src, pos)
		if pos >= len(src) {
			return pos, false
		}
		if src[pos] != '"' {
			return pos, true
		}
		pos = commentEnd(src, pos)
	}
}

func (r *treelessReader) reset(start int) {
	r.sc.Reset(r.src, start, len(r.src))
	r.hasAhead = false
	r.tok = r.sc.Next()
}

func (r *treelessReader) next() {
	if r.hasAhead {
		r.tok = r.ahead
		r.hasAhead = false
		return
	}
	r.tok = r.sc.Next()
}

func (r *treelessReader) peek() Token {
	if !r.hasAhead {
		r.ahead = r.sc.Next()
		r.hasAhead = true
	}
	return r.ahead
}

// consumeFirstChar is the parser's: it splits "||" into "|" and "|".
func (r *treelessReader) consumeFirstChar() {
	if r.tok.Len() <= 1 {
		r.next()
		return
	}
	r.hasAhead = false
	r.sc.SetPos(r.tok.Start + 1)
	r.tok = r.sc.Next()
}

func (r *treelessReader) text() []byte { return r.src[r.tok.Start:r.tok.End] }

func (r *treelessReader) isBinary(s string) bool {
	return r.tok.Kind == Binary && string(r.text()) == s
}

func (r *treelessReader) atBar() bool { return r.tok.Kind == Binary && r.src[r.tok.Start] == '|' }

func (r *treelessReader) atIdent() bool {
	return r.tok.Kind == Identifier || r.tok.Kind == Assign && r.src[r.tok.Start] == '_'
}

// method follows parseTonelMethod and the one-pass parseBodyToBracket,
// whose success is the only way a method parses without an error: it
// reads "Foo [class] >> pattern [ body ]" at pos and returns where it
// ends.
func (r *treelessReader) method(pos int) (int, bool) {
	r.reset(pos)
	r.depth = 0
	if r.tok.Kind != Identifier {
		return 0, false
	}
	if r.rec != nil {
		r.rec.beginMethod(r.text())
	}
	r.next()
	if r.tok.Kind == Identifier {
		if w := string(r.text()); w == "class" || w == "classSide" {
			if r.rec != nil {
				r.rec.m.ClassSide = true
			}
			r.next()
		}
	}
	if !r.isBinary(">>") {
		return 0, false
	}
	r.next()
	if !r.pattern() || r.tok.Kind != LBracket || len(r.sc.Errors) > 0 {
		return 0, false
	}
	r.reset(r.tok.End)
	if !r.sequence(RBracket, true) || r.tok.Kind != RBracket || len(r.sc.Errors) > 0 {
		return 0, false
	}
	return r.tok.End, true
}

// pattern follows parsePattern.
func (r *treelessReader) pattern() bool {
	switch r.tok.Kind {
	case Identifier:
		if r.rec != nil {
			r.rec.selector(r.tok.Range)
		}
		r.next()
	case Binary:
		if r.rec != nil {
			r.rec.selector(r.tok.Range)
		}
		r.next()
		if r.tok.Kind != Identifier {
			return false
		}
		r.next()
	case Keyword:
		base := 0
		if r.rec != nil {
			base = len(r.rec.parts)
			r.rec.m.SelectorRange = r.tok.Range
		}
		for r.tok.Kind == Keyword {
			if r.rec != nil {
				r.rec.part(r.tok.Range)
			}
			r.next()
			if r.tok.Kind != Identifier {
				return false
			}
			r.next()
		}
		if r.rec != nil {
			r.rec.m.Selector = r.rec.joinParts(base)
		}
	default:
		return false
	}
	return true
}

// sequence follows parseSequence: in a method, pragmas around the
// temporaries (a third run of pragmas only after a second, non-empty
// list of temporaries, as parseTemps returns nil for "| |").
func (r *treelessReader) sequence(closer TokenKind, method bool) bool {
	if method && !r.pragmas() {
		return false
	}
	if _, ok := r.temps(); !ok {
		return false
	}
	if method {
		if !r.pragmas() {
			return false
		}
		n, ok := r.temps()
		if !ok || n > 0 && !r.pragmas() {
			return false
		}
	}
	return r.statements(closer)
}

// temps follows parseTemps and returns how many names it read.
func (r *treelessReader) temps() (int, bool) {
	if !r.atBar() {
		return 0, true
	}
	r.consumeFirstChar()
	n := 0
	for r.atIdent() {
		n++
		r.next()
	}
	if !r.atBar() {
		return 0, false
	}
	r.consumeFirstChar()
	return n, true
}

// statements follows parseStatements up to closer, which it does not
// consume. Every caller reports an error unless closer is what ends them.
func (r *treelessReader) statements(closer TokenKind) bool {
	for {
		k := r.tok.Kind
		if k == Period {
			r.next()
			continue
		}
		if k == closer {
			return true
		}
		if k == EOF || isCloser(k) {
			return false
		}
		if !r.statement() {
			return false
		}
		k = r.tok.Kind
		if k != Period && k != EOF && !isCloser(k) {
			return false
		}
	}
}

// statement follows parseStatement: false when there is none or it has
// an error.
func (r *treelessReader) statement() bool {
	if r.tok.Kind == Caret {
		r.next()
	}
	return r.expression()
}

// expression follows parseExpression: false when none starts here, or
// the one that does has an error.
func (r *treelessReader) expression() bool {
	if r.tok.Kind == Identifier && r.peek().Kind == Assign {
		if r.depth >= r.maxDepth {
			return false
		}
		r.depth++
		r.next()
		r.next()
		ok := r.expression()
		r.depth--
		return ok
	}
	if !r.primary() {
		return false
	}
	sent, ok := r.messages()
	if !ok {
		return false
	}
	if r.tok.Kind != Semicolon {
		return true
	}
	if !sent {
		return false
	}
	for r.tok.Kind == Semicolon {
		r.next()
		if sent, ok := r.messages(); !ok || !sent {
			return false
		}
	}
	return true
}

// messages follows parseMessages and reports whether it read any.
func (r *treelessReader) messages() (sent, ok bool) {
	sent = r.unaries()
	b, ok := r.binaries()
	if !ok {
		return false, false
	}
	if r.tok.Kind != Keyword {
		return sent || b, true
	}
	at, base := -1, 0
	if r.rec != nil {
		at, base = r.rec.keywordSend(r.tok.Range), len(r.rec.parts)
	}
	for r.tok.Kind == Keyword {
		if r.rec != nil {
			r.rec.part(r.tok.Range)
		}
		r.next()
		if !r.primary() {
			return false, false
		}
		r.unaries()
		if _, ok := r.binaries(); !ok {
			return false, false
		}
	}
	if r.rec != nil {
		r.rec.endKeywordSend(at, base)
	}
	return true, true
}

func (r *treelessReader) unaries() bool {
	sent := false
	for r.tok.Kind == Identifier {
		if r.peek().Kind == Assign {
			return sent
		}
		if r.rec != nil {
			r.rec.send(r.tok.Range)
		}
		r.next()
		sent = true
	}
	return sent
}

func (r *treelessReader) binaries() (sent, ok bool) {
	for r.tok.Kind == Binary {
		if r.rec != nil {
			r.rec.send(r.tok.Range)
		}
		r.next()
		if !r.primary() {
			return false, false
		}
		r.unaries()
		sent = true
	}
	return sent, true
}

// negativeNumber consumes '-' immediately followed by a number.
func (r *treelessReader) negativeNumber() bool {
	if r.isBinary("-") {
		if n := r.peek(); n.Kind == Number && n.Start == r.tok.End {
			r.next()
			r.next()
			return true
		}
	}
	return false
}

// primary follows parsePrimary: false when none starts here, or the one
// that does has an error.
func (r *treelessReader) primary() bool {
	switch r.tok.Kind {
	case Identifier, Number, String, Character, Symbol:
		r.next()
		return true
	case LiteralArray, ByteArray, LBracket, LParen, LBrace:
		if r.depth >= r.maxDepth {
			return false
		}
		r.depth++
		var ok bool
		switch r.tok.Kind {
		case LiteralArray:
			ok = r.literalArray()
		case ByteArray:
			ok = r.byteArray()
		case LBracket:
			ok = r.block()
		case LParen:
			ok = r.paren()
		default:
			ok = r.brace()
		}
		r.depth--
		return ok
	case Binary:
		return r.negativeNumber()
	case Assign:
		if r.src[r.tok.Start] == '_' {
			r.next()
			return true
		}
	}
	return false
}

// literalArray follows parseLiteralArray: #( ... ) or, inside one, a
// nested ( ... ). Its elements send nothing.
func (r *treelessReader) literalArray() bool {
	r.next()
	for {
		switch r.tok.Kind {
		case RParen:
			r.next()
			return true
		case Number, String, Character, Symbol, Keyword, Identifier,
			Period, Semicolon, Colon, Caret, Assign:
			r.next()
		case Binary:
			// A negative number is two tokens read as one element.
			if !r.negativeNumber() {
				r.next()
			}
		case LiteralArray, LParen:
			if r.depth >= r.maxDepth {
				return false
			}
			r.depth++
			ok := r.literalArray()
			r.depth--
			if !ok {
				return false
			}
		case ByteArray:
			if !r.byteArray() {
				return false
			}
		default:
			return false
		}
	}
}

// byteArray follows parseByteArray, giving up on an element above 255,
// which the parser reports.
func (r *treelessReader) byteArray() bool {
	r.next()
	for r.tok.Kind == Number {
		if !isByteElement(r.text()) {
			return false
		}
		r.next()
	}
	return r.tok.Kind == RBracket && r.closeBracket()
}

// closeBracket follows the parser's closeBracket in a Tonel method body:
// a ']' in the first column before what looks like the next method makes
// parseBodyToBracket give up for the two-pass parse, so the reader gives
// up too.
func (r *treelessReader) closeBracket() bool {
	if endsMethodByLayout(r.src, r.tok) {
		return false
	}
	r.next()
	return true
}

// block follows parseBlock.
func (r *treelessReader) block() bool {
	r.next()
	if r.tok.Kind == Colon {
		for r.tok.Kind == Colon {
			r.next()
			if !r.atIdent() {
				return false
			}
			r.next()
		}
		switch {
		case r.atBar():
			r.consumeFirstChar()
		case r.tok.Kind == RBracket:
		default:
			return false
		}
	}
	if !r.sequence(RBracket, false) || r.tok.Kind != RBracket {
		return false
	}
	return r.closeBracket()
}

// paren follows parseParen.
func (r *treelessReader) paren() bool {
	r.next()
	if !r.expression() || r.tok.Kind != RParen {
		return false
	}
	r.next()
	return true
}

// brace follows parseBrace.
func (r *treelessReader) brace() bool {
	r.next()
	if !r.statements(RBrace) || r.tok.Kind != RBrace {
		return false
	}
	r.next()
	return true
}

// pragmas follows parsePragmas. The sends in a pragma's arguments are
// not recorded: Method.Sends walks the body only.
func (r *treelessReader) pragmas() bool {
	if !r.isBinary("<") {
		return true
	}
	if r.rec != nil {
		r.rec.quiet++
		defer func() { r.rec.quiet-- }()
	}
	for r.isBinary("<") {
		r.next()
		switch r.tok.Kind {
		case Identifier:
			r.next()
		case Keyword:
			for r.tok.Kind == Keyword {
				r.next()
				if !r.primary() {
					return false
				}
			}
		case Binary:
			if r.src[r.tok.Start] == '>' {
				return false
			}
			r.next()
			// An operand is optional here; one that has an error is not.
			if r.startsPrimary() && !r.primary() {
				return false
			}
		default:
			return false
		}
		if r.tok.Kind != Binary || r.src[r.tok.Start] != '>' {
			return false
		}
		r.consumeFirstChar()
	}
	return true
}

// startsPrimary reports whether parsePrimary would read something at the
// current token rather than return nil, consuming nothing.
func (r *treelessReader) startsPrimary() bool {
	switch r.tok.Kind {
	case Identifier, Number, String, Character, Symbol,
		LiteralArray, ByteArray, LBracket, LParen, LBrace:
		return true
	case Binary:
		if r.isBinary("-") {
			n := r.peek()
			return n.Kind == Number && n.Start == r.tok.End
		}
	case Assign:
		return r.src[r.tok.Start] == '_'
	}
	return false
}
