package smalltalk

// IndexScanner reads what a workspace index records of a Tonel file (its
// class definition, its methods with their categories and ranges, and the
// messages each method sends) straight from the tokens, without building
// a syntax tree: indexing a tree the size of Pharo's spends most of a full
// parse allocating nodes that are thrown away at once.
//
// It follows the parser's grammar rule for rule but records nothing the
// index does not keep, and it gives up on any input where the parser would
// report a syntax error, or where it is not sure to read what the parser
// reads: there the caller parses the file (Parse) and indexes that. Giving
// up is always safe, which keeps the two paths equal on broken input
// without copying the parser's error recovery. Files that are not Tonel
// (playgrounds, chunk file-outs) are left to Parse too.
//
// An IndexScanner is reused from file to file; it is not safe for
// concurrent use.
type IndexScanner struct {
	// The result of the last successful Scan.
	Classes []ScannedClass
	Methods []ScannedMethod
	// Sends lists the messages sent by each method, in source order, the
	// methods one after the other (ScannedMethod.Sends counts them).
	Sends []ScannedSend

	src      []byte
	sc       Scanner
	tok      Token
	ahead    Token
	hasAhead bool
	depth    int
	// quiet is more than zero inside pragmas, whose arguments' sends the
	// index does not record (Method.Sends walks the body only).
	quiet int
	// parts are the keyword parts of the keyword messages being read,
	// innermost last.
	parts []Range
	buf   []byte
	strs  map[string]string
	meta  stonReader
	hdr   File
}

// ScannedClass is a class, trait or extension definition found by an
// IndexScanner: the fields of ClassDef that the index keeps.
type ScannedClass struct {
	Name, Category      string
	NameRange, DefRange Range
	IsExtension         bool
}

// ScannedMethod is a method definition: the fields of Method that the
// index keeps, and how many of IndexScanner.Sends are its sends.
type ScannedMethod struct {
	Range
	ClassName, Selector, Category string
	ClassSide                     bool
	SelectorRange                 Range
	Sends                         int
}

// ScannedSend is one message send: Send's selector, its Range (the
// selector parts from first to last) and its first part.
type ScannedSend struct {
	Selector  string
	Range     Range
	FirstPart Range
}

// scanMaxNesting is where the scanner gives up on nesting. It is below
// the parser's MaxNesting so that the parser's error at that depth is
// never reached by accepted input.
const scanMaxNesting = MaxNesting / 2

// Scan reads src, a whole file. It reports false, with the result
// undefined, when the caller must parse the file instead: it is not a
// Tonel file, or parsing it would report a syntax error, or it holds
// something the scanner does not read the way the parser does.
func (s *IndexScanner) Scan(src []byte) bool {
	s.Classes, s.Methods, s.Sends = s.Classes[:0], s.Methods[:0], s.Sends[:0]
	s.src = src
	if s.strs == nil || len(s.strs) > 1<<16 {
		s.strs = make(map[string]string, 1024)
	}
	kind, hdr := detectKind(src)
	if !kind.IsTonel() {
		return false
	}
	s.hdr = File{Src: src, Kind: kind}
	s.meta = stonReader{src: src, pos: hdr, errs: s.meta.errs[:0]}
	h := s.meta.value(0)
	if len(s.meta.errs) > 0 || h == nil || h.Kind != STONObject || h.Value == nil || h.Value.Kind != STONMap {
		return false
	}
	if kind != TonelPackage {
		name := h.Get("name")
		s.Classes = append(s.Classes, ScannedClass{
			Name: name.String(), NameRange: textRange(name, h), DefRange: h.Range,
			Category: h.Get("category").String(), IsExtension: kind == TonelExtension,
		})
	}
	// The loop of parseTonel, giving up where it reports an error.
	for pos := s.meta.pos; ; {
		pos = skipSpace(src, pos)
		if pos >= len(src) {
			return true
		}
		if src[pos] == '"' {
			pos = commentEnd(src, pos)
			continue
		}
		start := pos
		category := ""
		switch src[pos] {
		case '{':
			if c, end, ok := plainMetadata(src, pos); ok {
				category = s.internBytes(c)
				pos = skipSpaceComments(src, end)
				break
			}
			s.meta.pos, s.meta.errs = pos, s.meta.errs[:0]
			category = s.intern(metaCategory(s.meta.value(0)))
			if len(s.meta.errs) > 0 {
				return false
			}
			pos = skipSpaceComments(src, max(s.meta.pos, pos+1))
		case '#':
			var meta *STON
			s.hdr.Errors = s.hdr.Errors[:0]
			meta, pos = oldMetadata(&s.hdr, &s.meta, pos)
			if len(s.hdr.Errors) > 0 {
				return false
			}
			category = s.intern(metaCategory(meta))
		}
		next, ok := s.method(start, pos, category)
		if !ok {
			return false
		}
		pos = next
	}
}

func metaCategory(meta *STON) string { return meta.Get("category").String() }

// plainMetadata reads method metadata at pos, a '{', when it is a map of
// plain symbols and strings ({ #category : #accessing }, as nearly every
// Tonel method has), without building STON values: the category and
// where the map ends. Anything else is left to the STON reader (ok false).
func plainMetadata(src []byte, pos int) (category []byte, end int, ok bool) {
	p := pos + 1
	found := false
	for {
		p = skipSpaceComments(src, p)
		if p >= len(src) {
			return nil, 0, false
		}
		if src[p] == '}' {
			return category, p + 1, true
		}
		key, q, ok := plainSTONText(src, p)
		if !ok {
			return nil, 0, false
		}
		p = skipSpaceComments(src, q)
		if p >= len(src) || src[p] != ':' {
			return nil, 0, false
		}
		p = skipSpaceComments(src, p+1)
		value, q, ok := plainSTONText(src, p)
		if !ok {
			return nil, 0, false
		}
		if !found && string(key) == "category" {
			category, found = value, true
		}
		p = skipSpaceComments(src, q)
		if p < len(src) && src[p] == ',' {
			p++
		}
	}
}

// plainSTONText reads a symbol or a string without escapes at p, as
// stonReader.value would, and returns its text and end.
func plainSTONText(src []byte, p int) ([]byte, int, bool) {
	if p >= len(src) {
		return nil, 0, false
	}
	switch src[p] {
	case '\'':
		return plainSTONString(src, p)
	case '#':
		if p+1 < len(src) && src[p+1] == '\'' {
			return plainSTONString(src, p+1)
		}
		q := p + 1
		for q < len(src) && isSTONSymbolChar(src[q]) {
			q++
		}
		e := q
		if e > p+1 && src[e-1] == ':' && (e >= len(src) || src[e] != ':') {
			e--
		}
		if e == p+1 {
			return nil, 0, false
		}
		return src[p+1 : e], e, true
	}
	return nil, 0, false
}

func plainSTONString(src []byte, p int) ([]byte, int, bool) {
	for q := p + 1; q < len(src); q++ {
		switch src[q] {
		case '\\':
			return nil, 0, false
		case '\'':
			if q+1 < len(src) && src[q+1] == '\'' {
				return nil, 0, false
			}
			return src[p+1 : q], q + 1, true
		}
	}
	return nil, 0, false
}

// intern returns b as a string, sharing one copy between files.
func (s *IndexScanner) intern(str string) string {
	if v, ok := s.strs[str]; ok {
		return v
	}
	s.strs[str] = str
	return str
}

func (s *IndexScanner) internBytes(b []byte) string {
	if v, ok := s.strs[string(b)]; ok {
		return v
	}
	v := string(b)
	s.strs[v] = v
	return v
}

func (s *IndexScanner) text(r Range) []byte { return s.src[r.Start:r.End] }

// reset points the scanner at src[start:] and reads the first token.
func (s *IndexScanner) reset(start int) {
	s.sc.Reset(s.src, start, len(s.src))
	s.hasAhead = false
	s.depth = 0
	s.quiet = 0
	s.parts = s.parts[:0]
	s.tok = s.sc.Next()
}

func (s *IndexScanner) next() {
	if s.hasAhead {
		s.tok = s.ahead
		s.hasAhead = false
		return
	}
	s.tok = s.sc.Next()
}

func (s *IndexScanner) peek() Token {
	if !s.hasAhead {
		s.ahead = s.sc.Next()
		s.hasAhead = true
	}
	return s.ahead
}

// consumeFirstChar is the parser's: it splits "||" into "|" and "|".
func (s *IndexScanner) consumeFirstChar() {
	if s.tok.Len() <= 1 {
		s.next()
		return
	}
	s.hasAhead = false
	s.sc.SetPos(s.tok.Start + 1)
	s.tok = s.sc.Next()
}

func (s *IndexScanner) isBinary(str string) bool {
	return s.tok.Kind == Binary && string(s.text(s.tok.Range)) == str
}

func (s *IndexScanner) atBar() bool { return s.tok.Kind == Binary && s.src[s.tok.Start] == '|' }

func (s *IndexScanner) atIdent() bool {
	return s.tok.Kind == Identifier || s.tok.Kind == Assign && s.src[s.tok.Start] == '_'
}

// method reads "Foo [class] >> pattern [ body ]" at pos, as
// parseTonelMethod does; start is where its metadata began. The body is
// read in the same pass that finds its closing bracket.
func (s *IndexScanner) method(start, pos int, category string) (int, bool) {
	s.reset(pos)
	if s.tok.Kind != Identifier {
		return 0, false
	}
	m := ScannedMethod{ClassName: s.internBytes(s.text(s.tok.Range)), Category: category}
	s.next()
	if w := string(s.text(s.tok.Range)); s.tok.Kind == Identifier && (w == "class" || w == "classSide") {
		m.ClassSide = true
		s.next()
	}
	if !s.isBinary(">>") {
		return 0, false
	}
	s.next()
	if !s.pattern(&m) || s.tok.Kind != LBracket {
		return 0, false
	}
	first := len(s.Sends)
	s.next()
	if !s.sequence(RBracket, true) || s.tok.Kind != RBracket || len(s.sc.Errors) > 0 {
		return 0, false
	}
	after := s.tok.End
	m.Range = Range{start, after}
	m.Sends = len(s.Sends) - first
	s.Methods = append(s.Methods, m)
	return after, true
}

// pattern reads a method pattern as parsePattern does.
func (s *IndexScanner) pattern(m *ScannedMethod) bool {
	switch s.tok.Kind {
	case Identifier:
		m.SelectorRange = s.tok.Range
		m.Selector = s.internBytes(s.text(s.tok.Range))
		s.next()
	case Binary:
		m.SelectorRange = s.tok.Range
		m.Selector = s.internBytes(s.text(s.tok.Range))
		s.next()
		if s.tok.Kind != Identifier {
			return false
		}
		s.next()
	case Keyword:
		m.SelectorRange = s.tok.Range
		s.buf = s.buf[:0]
		for s.tok.Kind == Keyword {
			s.buf = append(s.buf, s.text(s.tok.Range)...)
			s.next()
			if s.tok.Kind != Identifier {
				return false
			}
			s.next()
		}
		m.Selector = s.internBytes(s.buf)
	default:
		return false
	}
	return true
}

// closeInner consumes a ']' that closes a block or byte array inside a
// method body. findBodyEnd ends a method early at such a bracket when it
// stands in the first column before what looks like the next method;
// the scanner gives up there rather than follow it.
func (s *IndexScanner) closeInner() bool {
	t := s.tok
	if (t.Start == 0 || s.src[t.Start-1] == '\n') && followedByMethodStart(s.src, t.End) {
		return false
	}
	s.next()
	return true
}

// sequence reads temporaries and statements up to closer (not consumed),
// as parseSequence does; in a method, pragmas around the temporaries.
func (s *IndexScanner) sequence(closer TokenKind, method bool) bool {
	if method && !s.pragmas() {
		return false
	}
	if _, ok := s.temps(); !ok {
		return false
	}
	if method {
		if !s.pragmas() {
			return false
		}
		n, ok := s.temps()
		if !ok {
			return false
		}
		if n > 0 && !s.pragmas() {
			return false
		}
	}
	return s.statements(closer)
}

// temps reads | a b | if present and returns how many names it holds.
func (s *IndexScanner) temps() (int, bool) {
	if !s.atBar() {
		return 0, true
	}
	s.consumeFirstChar()
	n := 0
	for s.atIdent() {
		n++
		s.next()
	}
	if !s.atBar() {
		return 0, false
	}
	s.consumeFirstChar()
	return n, true
}

// statements reads statements separated by '.' up to closer.
func (s *IndexScanner) statements(closer TokenKind) bool {
	for {
		k := s.tok.Kind
		if k == Period {
			s.next()
			continue
		}
		if k == closer {
			return true
		}
		if k == EOF || isCloser(k) {
			// The construct being read is not closed where the parser
			// would close it: it reports an error there.
			return false
		}
		present, ok := s.statement()
		if !ok || !present {
			return false
		}
		k = s.tok.Kind
		if k != Period && k != EOF && !isCloser(k) {
			return false
		}
	}
}

func (s *IndexScanner) statement() (present, ok bool) {
	if s.tok.Kind == Caret {
		s.next()
		present, ok := s.expression()
		return true, ok && present
	}
	return s.expression()
}

// expression reads an assignment, a cascade or a message expression. It
// reports present false, consuming nothing, when none starts here.
func (s *IndexScanner) expression() (present, ok bool) {
	if s.tok.Kind == Identifier && s.peek().Kind == Assign {
		if s.depth >= scanMaxNesting {
			return true, false
		}
		s.depth++
		s.next()
		s.next()
		present, ok := s.expression()
		s.depth--
		return true, ok && present
	}
	present, ok = s.primary()
	if !present || !ok {
		return present, ok
	}
	sent, ok := s.messages()
	if !ok {
		return true, false
	}
	if s.tok.Kind != Semicolon {
		return true, true
	}
	if !sent {
		return true, false
	}
	for s.tok.Kind == Semicolon {
		s.next()
		sent, ok := s.messages()
		if !ok || !sent {
			return true, false
		}
	}
	return true, true
}

// send records a message whose selector is still to be set when it is a
// keyword message, and returns its index.
func (s *IndexScanner) send(selector string, r Range) int {
	if s.quiet > 0 {
		return -1
	}
	s.Sends = append(s.Sends, ScannedSend{Selector: selector, Range: r, FirstPart: r})
	return len(s.Sends) - 1
}

// messages reads the unary, binary and keyword messages sent to the
// operand just read, and reports whether there were any.
func (s *IndexScanner) messages() (sent, ok bool) {
	sent = s.unaries()
	b, ok := s.binaries()
	if !ok {
		return false, false
	}
	sent = sent || b
	if s.tok.Kind != Keyword {
		return sent, true
	}
	at := s.send("", s.tok.Range)
	base := len(s.parts)
	for s.tok.Kind == Keyword {
		s.parts = append(s.parts, s.tok.Range)
		s.next()
		present, ok := s.primary()
		if !ok || !present {
			return false, false
		}
		s.unaries()
		if _, ok := s.binaries(); !ok {
			return false, false
		}
	}
	if at >= 0 {
		s.buf = s.buf[:0]
		for _, p := range s.parts[base:] {
			s.buf = append(s.buf, s.text(p)...)
		}
		snd := &s.Sends[at]
		snd.Selector = s.internBytes(s.buf)
		snd.Range.End = s.parts[len(s.parts)-1].End
	}
	s.parts = s.parts[:base]
	return true, true
}

func (s *IndexScanner) unaries() bool {
	sent := false
	for s.tok.Kind == Identifier {
		if s.peek().Kind == Assign {
			return sent
		}
		s.send(s.internBytes(s.text(s.tok.Range)), s.tok.Range)
		s.next()
		sent = true
	}
	return sent
}

func (s *IndexScanner) binaries() (sent, ok bool) {
	for s.tok.Kind == Binary {
		s.send(s.internBytes(s.text(s.tok.Range)), s.tok.Range)
		s.next()
		present, ok := s.primary()
		if !ok || !present {
			return false, false
		}
		s.unaries()
		sent = true
	}
	return sent, true
}

// negativeNumber consumes '-' immediately followed by a number.
func (s *IndexScanner) negativeNumber() bool {
	if s.isBinary("-") {
		if n := s.peek(); n.Kind == Number && n.Start == s.tok.End {
			s.next()
			s.next()
			return true
		}
	}
	return false
}

// primary reads a variable, literal, block, parenthesised expression or
// brace array, as parsePrimary does.
func (s *IndexScanner) primary() (present, ok bool) {
	switch s.tok.Kind {
	case Identifier, Number, String, Character, Symbol:
		s.next()
		return true, true
	case LiteralArray, ByteArray, LBracket, LParen, LBrace:
		if s.depth >= scanMaxNesting {
			return true, false
		}
		s.depth++
		defer func() { s.depth-- }()
		switch s.tok.Kind {
		case LiteralArray:
			return true, s.literalArray()
		case ByteArray:
			return true, s.byteArray()
		case LBracket:
			return true, s.block()
		case LParen:
			return true, s.paren()
		}
		return true, s.brace()
	case Binary:
		if s.negativeNumber() {
			return true, true
		}
	case Assign:
		if s.src[s.tok.Start] == '_' {
			s.next()
			return true, true
		}
	}
	return false, true
}

// literalArray reads #( ... ) or, inside one, a nested ( ... ). Its
// elements send nothing, so only where it ends matters.
func (s *IndexScanner) literalArray() bool {
	s.next()
	for {
		switch s.tok.Kind {
		case RParen:
			s.next()
			return true
		case Number, String, Character, Symbol, Keyword, Identifier, Binary,
			Period, Semicolon, Colon, Caret, Assign:
			// A negative number is two tokens read as one element.
			s.next()
		case LiteralArray, LParen:
			if s.depth >= scanMaxNesting {
				return false
			}
			s.depth++
			ok := s.literalArray()
			s.depth--
			if !ok {
				return false
			}
		case ByteArray:
			if !s.byteArray() {
				return false
			}
		default:
			return false
		}
	}
}

// byteArray reads #[ ... ]. The parser's complaint about an element
// above 255 changes nothing it reads, so it is not checked here.
func (s *IndexScanner) byteArray() bool {
	s.next()
	for s.tok.Kind == Number {
		s.next()
	}
	return s.tok.Kind == RBracket && s.closeInner()
}

func (s *IndexScanner) block() bool {
	s.next()
	if s.tok.Kind == Colon {
		for s.tok.Kind == Colon {
			s.next()
			if !s.atIdent() {
				return false
			}
			s.next()
		}
		switch {
		case s.atBar():
			s.consumeFirstChar()
		case s.tok.Kind == RBracket:
		default:
			return false
		}
	}
	if !s.sequence(RBracket, false) || s.tok.Kind != RBracket {
		return false
	}
	return s.closeInner()
}

func (s *IndexScanner) paren() bool {
	s.next()
	present, ok := s.expression()
	if !ok || !present || s.tok.Kind != RParen {
		return false
	}
	s.next()
	return true
}

func (s *IndexScanner) brace() bool {
	s.next()
	if !s.statements(RBrace) || s.tok.Kind != RBrace {
		return false
	}
	s.next()
	return true
}

// pragmas reads any pragmas at the current position, as parsePragmas
// does, recording none of the sends in their arguments.
func (s *IndexScanner) pragmas() bool {
	s.quiet++
	defer func() { s.quiet-- }()
	for s.isBinary("<") {
		s.next()
		switch s.tok.Kind {
		case Identifier:
			s.next()
		case Keyword:
			for s.tok.Kind == Keyword {
				s.next()
				present, ok := s.primary()
				if !ok || !present {
					return false
				}
			}
		case Binary:
			if s.src[s.tok.Start] == '>' {
				return false
			}
			s.next()
			if _, ok := s.primary(); !ok {
				return false
			}
		default:
			return false
		}
		if s.tok.Kind != Binary || s.src[s.tok.Start] != '>' {
			return false
		}
		s.consumeFirstChar()
	}
	return true
}
