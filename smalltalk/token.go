package smalltalk

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// Range is a half-open byte range [Start, End) into a file's source.
type Range struct {
	Start, End int
}

// Span returns r itself; it lets every node embedding a Range satisfy
// part of the Node interface.
func (r Range) Span() Range { return r }

// Contains reports whether off lies within r. The end offset counts as
// inside, so that a cursor placed just after a word still selects it.
func (r Range) Contains(off int) bool { return r.Start <= off && off <= r.End }

// Len returns the number of bytes in r.
func (r Range) Len() int { return r.End - r.Start }

// TokenKind classifies a lexical token.
type TokenKind uint8

// Token kinds produced by the Scanner.
const (
	EOF          TokenKind = iota
	Identifier             // foo Foo self
	Keyword                // foo: (or foo:bar: when written without spaces)
	Binary                 // + -> ==> ~~ , | !
	Number                 // 42 16r1F -5 is Binary then Number
	Character              // $a
	String                 // 'it''s'
	Symbol                 // #foo #foo:bar: #+ #'x y' ##foo
	Assign                 // := or the old _
	Caret                  // ^
	Colon                  // :
	Period                 // .
	Semicolon              // ;
	LParen                 // (
	RParen                 // )
	LBracket               // [
	RBracket               // ]
	LBrace                 // {
	RBrace                 // }
	LiteralArray           // #(
	ByteArray              // #[
	Illegal                // a character that starts no token
)

var tokenNames = [...]string{
	EOF: "end of input", Identifier: "identifier", Keyword: "keyword",
	Binary: "binary selector", Number: "number", Character: "character",
	String: "string", Symbol: "symbol", Assign: "':='", Caret: "'^'",
	Colon: "':'", Period: "'.'", Semicolon: "';'", LParen: "'('",
	RParen: "')'", LBracket: "'['", RBracket: "']'", LBrace: "'{'",
	RBrace: "'}'", LiteralArray: "'#('", ByteArray: "'#['", Illegal: "illegal character",
}

func (k TokenKind) String() string {
	if int(k) < len(tokenNames) {
		return tokenNames[k]
	}
	return "token"
}

// Token is one lexical token with its byte range.
type Token struct {
	Kind TokenKind
	Range
}

// Error is a syntax error with the byte range it concerns.
type Error struct {
	Range
	Message string
	// Kind is the rule the source broke, for a caller that words errors its
	// own way (stuitest words them as Pharo's compiler does).
	Kind ErrorKind
}

// ErrorKind names the rule a syntax error broke. ErrorOther is every error
// no caller has needed to tell apart yet.
type ErrorKind uint8

const (
	ErrorOther               ErrorKind = iota
	ErrorUnclosedParen                 // a '(' without its ')'
	ErrorUnclosedBlock                 // a '[' without its ']'
	ErrorUnclosedBrace                 // a '{' without its '}'
	ErrorUnclosedTemporaries           // a '|' of temporaries or block arguments without its closing '|'
	ErrorExpressionExpected            // an operand, argument or statement is missing
	ErrorStatementEnd                  // something other than '.' follows a statement
	ErrorCascadeWithoutSend            // a ';' after an expression that sends nothing
	ErrorCascadeMessage                // a ';' not followed by a message
	ErrorUnterminatedString            // a string without its closing quote
	ErrorUnterminatedComment           // a comment without its closing quote
	ErrorIllegalCharacter              // a character no token starts with
	ErrorMissingCharacter              // a '$' at the end of the source
	ErrorArgumentName                  // a method pattern's keyword or binary selector without its argument name
	ErrorMethodPattern                 // a method that does not start with a selector
)

func (e Error) Error() string { return e.Message }

// Scanner splits Smalltalk source into tokens. Comments are skipped and
// their ranges appended to Comments; lexical errors are appended to Errors.
// All offsets are absolute offsets into the source given to NewScanner.
type Scanner struct {
	src      []byte
	pos, end int
	Comments []Range
	Errors   []Error
}

// NewScanner returns a scanner for src[start:end].
func NewScanner(src []byte, start, end int) *Scanner {
	s := &Scanner{}
	s.Reset(src, start, end)
	return s
}

// Reset makes s scan src[start:end], keeping its slices' storage.
func (s *Scanner) Reset(src []byte, start, end int) {
	if end > len(src) {
		end = len(src)
	}
	if start > end {
		start = end
	}
	s.src, s.pos, s.end = src, start, end
	s.Comments = s.Comments[:0]
	s.Errors = s.Errors[:0]
}

// Pos returns the offset of the next byte to scan.
func (s *Scanner) Pos() int { return s.pos }

// SetPos moves the scanner to off (within its bounds).
func (s *Scanner) SetPos(off int) {
	if off > s.end {
		off = s.end
	}
	s.pos = off
}

func (s *Scanner) errorf(start, end int, msg string) {
	s.kindErrorf(ErrorOther, start, end, msg)
}

func (s *Scanner) kindErrorf(kind ErrorKind, start, end int, msg string) {
	s.Errors = append(s.Errors, Error{Range: Range{start, end}, Message: msg, Kind: kind})
}

// Character classes of ASCII bytes, looked up in charClass; bytes from
// 0x80 up have none and are decoded as UTF-8 where a token may hold them.
const (
	classSpace uint8 = 1 << iota
	classDigit
	classLetter // a-z, A-Z and '_'
	classBinary // a character of a binary selector
	classIdent  = classDigit | classLetter
)

var charClass = func() (t [256]uint8) {
	for _, c := range []byte(" \t\n\r\f\v") {
		t[c] = classSpace
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = classDigit
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = classLetter, classLetter
	}
	t['_'] = classLetter
	for _, c := range []byte("!%&*+,-/<=>?@\\~|") {
		t[c] = classBinary
	}
	return t
}()

func isSpace(c byte) bool { return charClass[c]&classSpace != 0 }

func isDigit(c byte) bool { return charClass[c]&classDigit != 0 }

func isLetterByte(c byte) bool { return charClass[c]&classLetter != 0 }

// IsBinaryChar reports whether c can be part of a binary selector.
func IsBinaryChar(c byte) bool { return charClass[c]&classBinary != 0 }

// letterAt reports whether an identifier may start at p and the width of
// that character.
func (s *Scanner) letterAt(p int) (bool, int) {
	if p >= s.end {
		return false, 0
	}
	c := s.src[p]
	if c < utf8.RuneSelf {
		return isLetterByte(c), 1
	}
	r, w := utf8.DecodeRune(s.src[p:s.end])
	return unicode.IsLetter(r), w
}

// identCharAt reports whether an identifier may continue at p.
func (s *Scanner) identCharAt(p int) (bool, int) {
	if p >= s.end {
		return false, 0
	}
	c := s.src[p]
	if c < utf8.RuneSelf {
		return charClass[c]&classIdent != 0, 1
	}
	r, w := utf8.DecodeRune(s.src[p:s.end])
	return unicode.IsLetter(r) || unicode.IsDigit(r), w
}

// skipIdent returns the end of the identifier characters from p: ASCII
// ones from the table, others decoded.
func (s *Scanner) skipIdent(p int) int {
	src := s.src[:s.end]
	for p < len(src) {
		c := src[p]
		if charClass[c]&classIdent != 0 {
			p++
			continue
		}
		if c < utf8.RuneSelf {
			return p
		}
		r, w := utf8.DecodeRune(src[p:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return p
		}
		p += w
	}
	return p
}

// skipSpaceAndComments advances over white space and comments.
func (s *Scanner) skipSpaceAndComments() {
	src := s.src[:s.end]
	p := s.pos
	for p < len(src) {
		c := src[p]
		if charClass[c]&classSpace != 0 {
			p++
			continue
		}
		if c != '"' {
			break
		}
		start := p
		p++
		for {
			i := bytes.IndexByte(src[p:], '"')
			if i < 0 {
				s.kindErrorf(ErrorUnterminatedComment, start, s.end, "unterminated comment")
				p = len(src)
				break
			}
			p += i + 1
			if p < len(src) && src[p] == '"' {
				p++
				continue
			}
			break
		}
		s.Comments = append(s.Comments, Range{start, p})
	}
	s.pos = p
}

// punctuation gives the kind of the one-byte tokens, Illegal for others.
var punctuation = func() (t [256]TokenKind) {
	for i := range t {
		t[i] = Illegal
	}
	t['^'], t['.'], t[';'] = Caret, Period, Semicolon
	t['('], t[')'], t['['], t[']'], t['{'], t['}'] = LParen, RParen, LBracket, RBracket, LBrace, RBrace
	return t
}()

// Next returns the next token. At the end it returns EOF tokens forever.
func (s *Scanner) Next() Token {
	s.skipSpaceAndComments()
	start := s.pos
	if start >= s.end {
		return Token{EOF, Range{s.end, s.end}}
	}
	c := s.src[start]
	switch cl := charClass[c]; {
	case cl&classLetter != 0:
		if c == '_' {
			ok, _ := s.identCharAt(start + 1)
			if !ok && !(start+1 < s.end && s.src[start+1] == ':' && (start+2 >= s.end || s.src[start+2] != '=')) {
				s.pos = start + 1
				return Token{Assign, Range{start, start + 1}}
			}
		}
		return s.scanIdentOrKeyword(start)
	case cl&classDigit != 0:
		s.pos = s.scanNumber(start)
		return Token{Number, Range{start, s.pos}}
	case cl&classBinary != 0:
		s.pos = s.scanBinary(start)
		return Token{Binary, Range{start, s.pos}}
	case c >= utf8.RuneSelf:
		if ok, _ := s.letterAt(start); ok {
			return s.scanIdentOrKeyword(start)
		}
		if s.binaryCharAt(start) > 0 {
			s.pos = s.scanBinary(start)
			return Token{Binary, Range{start, s.pos}}
		}
		_, w := utf8.DecodeRune(s.src[start:s.end])
		s.kindErrorf(ErrorIllegalCharacter, start, start+w, "illegal character")
		s.pos = start + w
		return Token{Illegal, Range{start, s.pos}}
	}
	n := 1
	k := punctuation[c]
	switch c {
	case '\'':
		s.pos = s.scanString(start)
		return Token{String, Range{start, s.pos}}
	case '$':
		k = Character
		if start+1 >= s.end {
			s.kindErrorf(ErrorMissingCharacter, start, start+1, "character literal is missing its character after '$'")
			break
		}
		n++
		if s.src[start+1] >= utf8.RuneSelf {
			_, w := utf8.DecodeRune(s.src[start+1 : s.end])
			n = 1 + w
		}
	case '#':
		return s.scanHash(start)
	case ':':
		k = Colon
		if start+1 < s.end && s.src[start+1] == '=' {
			k, n = Assign, 2
		}
	default:
		if k == Illegal {
			s.kindErrorf(ErrorIllegalCharacter, start, start+1, "illegal character")
		}
	}
	s.pos = start + n
	return Token{k, Range{start, start + n}}
}

// scanBinary returns the end of the binary selector at p. As in Pharo, a
// '-' followed by a digit does not continue a binary selector, so that
// 3+-4 reads as 3 + -4 while x <- y has the selector <-.
func (s *Scanner) scanBinary(p int) int {
	p += s.binaryCharAt(p)
	for p < s.end {
		if s.src[p] == '-' && p+1 < s.end && isDigit(s.src[p+1]) {
			break
		}
		w := s.binaryCharAt(p)
		if w == 0 {
			break
		}
		p += w
	}
	return p
}

// binaryCharAt returns the width of the binary selector character at p,
// or 0. Besides the ASCII ones, Unicode math symbols (such as ±) count.
func (s *Scanner) binaryCharAt(p int) int {
	if p >= s.end {
		return 0
	}
	c := s.src[p]
	if c < utf8.RuneSelf {
		if IsBinaryChar(c) {
			return 1
		}
		return 0
	}
	r, w := utf8.DecodeRune(s.src[p:s.end])
	if unicode.Is(unicode.Sm, r) {
		return w
	}
	return 0
}

// scanIdentOrKeyword scans an identifier, a keyword, or several keywords
// written without spaces (foo:bar:), which only occur in literal arrays.
func (s *Scanner) scanIdentOrKeyword(start int) Token {
	p := s.skipIdent(start)
	if p < s.end && s.src[p] == ':' && (p+1 >= s.end || s.src[p+1] != '=') {
		p++
		for {
			if ok, _ := s.letterAt(p); !ok {
				break
			}
			q := s.skipIdent(p)
			if q < s.end && s.src[q] == ':' && (q+1 >= s.end || s.src[q+1] != '=') {
				p = q + 1
				continue
			}
			break
		}
		s.pos = p
		return Token{Keyword, Range{start, p}}
	}
	s.pos = p
	return Token{Identifier, Range{start, p}}
}

func (s *Scanner) scanString(start int) int {
	src := s.src[:s.end]
	p := start + 1
	for {
		i := bytes.IndexByte(src[p:], '\'')
		if i < 0 {
			s.kindErrorf(ErrorUnterminatedString, start, s.end, "unterminated string")
			return s.end
		}
		p += i + 1
		if p < len(src) && src[p] == '\'' {
			p++
			continue
		}
		return p
	}
}

func (s *Scanner) scanHash(start int) Token {
	p := start + 1
	for p < s.end && s.src[p] == '#' {
		p++
	}
	if p >= s.end {
		s.errorf(start, p, "expected a symbol after '#'")
		s.pos = p
		return Token{Illegal, Range{start, p}}
	}
	c := s.src[p]
	switch {
	case c == '(' && p == start+1:
		s.pos = p + 1
		return Token{LiteralArray, Range{start, p + 1}}
	case c == '[' && p == start+1:
		s.pos = p + 1
		return Token{ByteArray, Range{start, p + 1}}
	case c == '\'':
		s.pos = s.scanString(p)
		return Token{Symbol, Range{start, s.pos}}
	case s.binaryCharAt(p) > 0:
		q := p
		for w := s.binaryCharAt(q); w > 0; w = s.binaryCharAt(q) {
			q += w
		}
		s.pos = q
		return Token{Symbol, Range{start, q}}
	}
	if ok, _ := s.letterAt(p); ok {
		q := s.skipIdent(p)
		for q < s.end && s.src[q] == ':' {
			q++
			if ok, _ := s.letterAt(q); ok {
				q = s.skipIdent(q)
			}
		}
		s.pos = q
		return Token{Symbol, Range{start, q}}
	}
	s.errorf(start, p, "expected a symbol after '#'")
	s.pos = p
	return Token{Illegal, Range{start, p}}
}

func digitValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'Z':
		return int(c-'A') + 10
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 10
	}
	return 99
}

// digits skips digits valid in radix (and single underscores between
// digits) starting at p.
func (s *Scanner) digits(p, radix int) int {
	for p < s.end {
		c := s.src[p]
		if digitValue(c) < radix && (radix > 10 || isDigit(c)) {
			p++
			continue
		}
		if c == '_' && p+1 < s.end && digitValue(s.src[p+1]) < radix && p > 0 && digitValue(s.src[p-1]) < radix {
			p++
			continue
		}
		break
	}
	return p
}

// scanNumber returns the end of the number literal starting at p. It is
// lenient: it accepts radix integers and floats (16r1F, 2r1010, 16r-1F,
// 36rZZ), decimals, exponents (1e10, 2.5e-3), and scaled decimals (1.5s2,
// 3s).
func (s *Scanner) scanNumber(p int) int {
	start := p
	p = s.digits(p, 10)
	radix := 10
	if p < s.end && s.src[p] == 'r' {
		r := 0
		for i := start; i < p && r <= 36; i++ {
			if isDigit(s.src[i]) {
				r = r*10 + int(s.src[i]-'0')
			}
		}
		q := p + 1
		if q < s.end && s.src[q] == '-' {
			q++
		}
		if r >= 2 && r <= 36 && q < s.end && digitValue(s.src[q]) < r {
			radix = r
			p = s.digits(q, radix)
		} else {
			s.errorf(start, q, "invalid radix number")
			return q
		}
	}
	if p+1 < s.end && s.src[p] == '.' && digitValue(s.src[p+1]) < radix && (radix > 10 || isDigit(s.src[p+1])) {
		p = s.digits(p+1, radix)
	}
	if p < s.end && (s.src[p] == 'e' || s.src[p] == 'd' || s.src[p] == 'q') {
		q := p + 1
		if q < s.end && s.src[q] == '-' {
			q++
		}
		if q < s.end && isDigit(s.src[q]) {
			p = s.digits(q, 10)
		}
	}
	if p < s.end && s.src[p] == 's' {
		q := p + 1
		if q < s.end && isDigit(s.src[q]) {
			p = s.digits(q, 10)
		} else if ok, _ := s.identCharAt(q); !ok && (q >= s.end || s.src[q] != ':') {
			p = q
		}
	}
	return p
}
