package smalltalk

import (
	"bytes"
	"fmt"
	"strings"
)

// parser is a recursive-descent parser over one range of a file. It is
// reused for every method of a file; comments and errors go to the file.
type parser struct {
	f        *File
	src      []byte
	sc       Scanner
	pre      Scanner // for look-ahead scans such as finding a Tonel body's end
	tok      Token
	ahead    Token
	hasAhead bool
	lastEnd  int
	strs     interner
	buf      []byte
	// rescanBudget is how many bytes truncateUnclosed may still parse a
	// second time in the current range; nlFrom and nlAt cache the last
	// newline search (src[nlFrom:nlAt] holds no newline).
	rescanBudget int
	nlFrom, nlAt int
	// depth counts the blocks, parentheses, arrays and assignments being
	// parsed, to keep the recursion below MaxNesting.
	depth int
	// toBracket is set while parseBodyToBracket parses a Tonel method body
	// up to its closing bracket; layoutEnd records that a bracket closed
	// in it would have ended the method by findBodyEnd's layout rule.
	toBracket, layoutEnd bool
	// Nodes come from slabs, and the lists of a node are collected on
	// scratch stacks, then copied into a slice of the right length.
	lits     slab[Literal]
	names    slab[Variable]
	msgs     slab[Message]
	seqs     slab[Sequence]
	blocks   slab[Block]
	returns  slab[Return]
	assigns  slab[Assignment]
	parens   slab[Paren]
	methods  slab[Method]
	segments slab[segment]
	nodes    stack[Node]
	vars     stack[*Variable]
	ranges   stack[Range]
	// sources holds the Source of every Tonel method of the file, each a
	// slice of the one string it grows into.
	sources strings.Builder
	// work counts the tokens read and the bytes searched for newlines,
	// which the tests compare with the input's size.
	work int
}

func (p *parser) scan() Token {
	p.work++
	return p.sc.Next()
}

// MaxNesting is how deeply blocks, parentheses, brace and literal arrays
// and chained assignments may nest. Deeper input is a syntax error: the
// parser and every walk over its trees recurse once per level, and a
// goroutine's stack overflow cannot be recovered.
const MaxNesting = 512

// nest enters one more level; it reports false, having reported a syntax
// error and skipped the construct at the current token, when that would
// exceed MaxNesting. A true result must be paired with p.depth--.
func (p *parser) nest() bool {
	if p.depth < MaxNesting {
		p.depth++
		return true
	}
	p.errorf(p.tok.Range, "nested more than %d levels deep", MaxNesting)
	return false
}

// skipNested skips the construct opened by the current token up to its
// matching closing bracket (or the end of input), in time linear in its
// length, and returns a Bad node for it.
func (p *parser) skipNested() Node {
	start := p.tok.Start
	for depth := 0; p.tok.Kind != EOF; {
		switch p.tok.Kind {
		case LParen, LBracket, LBrace, LiteralArray, ByteArray:
			depth++
		case RParen, RBracket, RBrace:
			depth--
		}
		p.next()
		if depth <= 0 {
			break
		}
	}
	return &Bad{Range{start, max(start, p.lastEnd)}}
}

// newParser returns a parser for f, from the pool; release gives it back.
func newParser(f *File) *parser {
	p := parsers.Get().(*parser)
	p.f, p.src = f, f.Src
	p.depth, p.work = 0, 0
	p.toBracket, p.layoutEnd = false, false
	return p
}

func (p *parser) newVariable(r Range, name string) *Variable {
	v := p.names.new()
	v.Range, v.Name = r, name
	return v
}

// reset points the parser at src[start:end] and reads the first token.
func (p *parser) reset(start, end int) {
	p.flush()
	p.sc.Reset(p.src, start, end)
	p.hasAhead = false
	p.lastEnd = start
	p.rescanBudget = end - start + rescanAllowance
	p.nlFrom, p.nlAt = -1, -1
	p.tok = p.scan()
}

// rescanAllowance is the part of the rescan budget that does not depend on
// the range's size, so that short ranges recover from a few unclosed arrays.
const rescanAllowance = 1 << 12

// lineEnd returns the offset of the first newline at or after off in the
// current range, or the range's end. Arrays left open on one line ask
// from the innermost outwards, so the cache grows backwards too.
func (p *parser) lineEnd(off int) int {
	if p.nlFrom <= off && off <= p.nlAt {
		return p.nlAt
	}
	to := p.sc.end
	if off < p.nlFrom {
		to = p.nlFrom
	}
	p.work += to - off
	switch i := bytes.IndexByte(p.src[off:to], '\n'); {
	case i >= 0:
		p.nlFrom, p.nlAt = off, off+i
	case to == p.nlFrom:
		p.nlFrom = off
	default:
		p.nlFrom, p.nlAt = off, to
	}
	return p.nlAt
}

// flush moves comments and lexical errors collected so far to the file.
func (p *parser) flush() {
	p.f.Comments = append(p.f.Comments, p.sc.Comments...)
	p.f.Errors = append(p.f.Errors, p.sc.Errors...)
	p.sc.Comments = p.sc.Comments[:0]
	p.sc.Errors = p.sc.Errors[:0]
}

func (p *parser) next() {
	p.lastEnd = p.tok.End
	if p.hasAhead {
		p.tok = p.ahead
		p.hasAhead = false
		return
	}
	p.tok = p.scan()
}

func (p *parser) peek() Token {
	if !p.hasAhead {
		p.ahead = p.scan()
		p.hasAhead = true
	}
	return p.ahead
}

// consumeFirstChar consumes only the first byte of the current token and
// rescans from the next byte; it splits "||" or "|<" into "|" and the rest.
func (p *parser) consumeFirstChar() {
	if p.tok.Len() <= 1 {
		p.next()
		return
	}
	p.lastEnd = p.tok.Start + 1
	p.hasAhead = false
	p.sc.SetPos(p.tok.Start + 1)
	p.tok = p.scan()
}

func (p *parser) text(r Range) []byte { return p.src[r.Start:r.End] }

// intern returns b as a string, sharing storage between equal names.
func (p *parser) intern(b []byte) string { return p.strs.intern(b) }

func (p *parser) name(r Range) string { return p.intern(p.text(r)) }

func (p *parser) errorf(r Range, format string, args ...any) {
	p.kindErrorf(ErrorOther, r, format, args...)
}

func (p *parser) kindErrorf(kind ErrorKind, r Range, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	p.f.Errors = append(p.f.Errors, Error{Range: r, Message: msg, Kind: kind})
}

// pos formats an offset as line:column for error messages.
func (p *parser) pos(off int) string {
	l, c := p.f.LineCol(off)
	return fmt.Sprintf("%d:%d", l, c)
}

// describe names the current token for error messages.
func (p *parser) describe() string {
	switch p.tok.Kind {
	case EOF:
		return "end of input"
	case Identifier, Keyword, Binary, Number:
		t := p.text(p.tok.Range)
		if len(t) > 30 {
			t = t[:30]
		}
		return fmt.Sprintf("%s '%s'", p.tok.Kind, t)
	}
	return p.tok.Kind.String()
}

func (p *parser) isBinary(s string) bool {
	return p.tok.Kind == Binary && string(p.text(p.tok.Range)) == s
}

// atBar reports whether the current token starts with '|'.
func (p *parser) atBar() bool {
	return p.tok.Kind == Binary && p.src[p.tok.Start] == '|'
}

// atIdent reports whether the current token can name a variable; a lone
// '_' (otherwise the old assignment) is a valid name.
func (p *parser) atIdent() bool {
	return p.tok.Kind == Identifier || p.tok.Kind == Assign && p.src[p.tok.Start] == '_'
}

func isCloser(k TokenKind) bool { return k == RParen || k == RBracket || k == RBrace }

func closerText(k TokenKind) string {
	switch k {
	case RParen:
		return "')'"
	case RBracket:
		return "']'"
	case RBrace:
		return "'}'"
	}
	return "end of input"
}

// sync skips tokens up to the next '.' or unmatched closing bracket.
func (p *parser) sync() {
	depth := 0
	for {
		switch p.tok.Kind {
		case EOF:
			return
		case Period:
			if depth == 0 {
				return
			}
		case LParen, LBracket, LBrace, LiteralArray, ByteArray:
			depth++
		case RParen, RBracket, RBrace:
			if depth == 0 {
				return
			}
			depth--
		}
		p.next()
	}
}

// parseTemps parses | a b | if present.
func (p *parser) parseTemps() []*Variable {
	if !p.atBar() {
		return nil
	}
	open := p.tok.Start
	p.consumeFirstChar()
	mark := p.vars.mark()
	for p.atIdent() {
		p.vars.push(p.newVariable(p.tok.Range, p.name(p.tok.Range)))
		p.next()
	}
	temps := p.vars.pop(mark)
	if p.atBar() {
		p.consumeFirstChar()
	} else {
		p.kindErrorf(ErrorUnclosedTemporaries, p.tok.Range, "expected '|' to close temporaries opened at %s, found %s", p.pos(open), p.describe())
	}
	return temps
}

// parseSequence parses temporaries and statements up to closer (not
// consumed). With m set, pragmas are accepted around the temporaries.
func (p *parser) parseSequence(closer TokenKind, m *Method) *Sequence {
	seq := p.seqs.new()
	seq.Start = p.tok.Start
	if m != nil {
		p.parsePragmas(m)
	}
	seq.Temps = p.parseTemps()
	if m != nil {
		p.parsePragmas(m)
		if t := p.parseTemps(); t != nil {
			seq.Temps = append(seq.Temps, t...)
			p.parsePragmas(m)
		}
	}
	seq.Statements = p.parseStatements(closer)
	seq.End = max(seq.Start, p.lastEnd)
	return seq
}

// parseStatements parses statements separated by '.' up to closer.
func (p *parser) parseStatements(closer TokenKind) []Node {
	mark := p.nodes.mark()
	for {
		k := p.tok.Kind
		if k == Period {
			p.next()
			continue
		}
		if k == closer || k == EOF {
			return p.nodes.pop(mark)
		}
		if isCloser(k) {
			if closer == EOF {
				p.kindErrorf(ErrorStatementEnd, p.tok.Range, "unexpected %s", k)
				p.next()
				continue
			}
			return p.nodes.pop(mark)
		}
		stmt := p.parseStatement()
		if stmt == nil {
			p.kindErrorf(ErrorExpressionExpected, p.tok.Range, "expected expression, found %s", p.describe())
			p.sync()
			continue
		}
		p.nodes.push(stmt)
		k = p.tok.Kind
		if k == Period || k == EOF || isCloser(k) {
			continue
		}
		p.kindErrorf(ErrorStatementEnd, p.tok.Range, "expected '.' or %s after statement, found %s", closerText(closer), p.describe())
		p.sync()
	}
}

func (p *parser) parseStatement() Node {
	if p.tok.Kind == Caret {
		start := p.tok.Start
		p.next()
		v := p.parseExpression()
		if v == nil {
			p.kindErrorf(ErrorExpressionExpected, p.tok.Range, "expected expression after '^', found %s", p.describe())
			v = &Bad{Range{p.tok.Start, p.tok.Start}}
		}
		r := p.returns.new()
		r.Range, r.Value = Range{start, v.Span().End}, v
		return r
	}
	return p.parseExpression()
}

// parseExpression parses an assignment, a cascade or a message
// expression. It returns nil, consuming nothing, when no expression starts
// at the current token.
func (p *parser) parseExpression() Node {
	if p.tok.Kind == Identifier && p.peek().Kind == Assign {
		if !p.nest() {
			start := p.tok.Start
			p.sync()
			return &Bad{Range{start, max(start, p.lastEnd)}}
		}
		v := p.newVariable(p.tok.Range, p.name(p.tok.Range))
		p.next()
		p.next()
		val := p.parseExpression()
		if val == nil {
			p.kindErrorf(ErrorExpressionExpected, p.tok.Range, "expected expression after ':=', found %s", p.describe())
			val = &Bad{Range{p.tok.Start, p.tok.Start}}
		}
		p.depth--
		a := p.assigns.new()
		a.Range, a.Var, a.Value = Range{v.Start, val.Span().End}, v, val
		return a
	}
	recv := p.parsePrimary()
	if recv == nil {
		return nil
	}
	e := p.parseMessages(recv, recv.Span().Start)
	if p.tok.Kind != Semicolon {
		return e
	}
	first, ok := e.(*Message)
	if !ok {
		p.kindErrorf(ErrorCascadeWithoutSend, p.tok.Range, "cascade ';' must follow a message send")
		for p.tok.Kind == Semicolon {
			p.next()
			e = p.parseMessages(e, e.Span().Start)
		}
		return e
	}
	c := &Cascade{Receiver: first.Receiver}
	c.Start = first.Receiver.Span().Start
	first.Start = first.Parts[0].Start
	c.Messages = append(c.Messages, first)
	for p.tok.Kind == Semicolon {
		semi := p.tok
		p.next()
		start := p.tok.Start
		part := p.parseMessages(c.Receiver, start)
		m, ok := part.(*Message)
		if !ok || part == c.Receiver {
			p.kindErrorf(ErrorCascadeMessage, semi.Range, "expected a message after ';', found %s", p.describe())
			continue
		}
		c.Messages = append(c.Messages, m)
	}
	c.End = c.Messages[len(c.Messages)-1].End
	return c
}

// parseMessages parses the unary, binary and keyword messages sent to
// recv. Every message built gets start as its start offset.
func (p *parser) parseMessages(recv Node, start int) Node {
	e := p.parseUnaries(recv, start)
	e = p.parseBinaries(e, start)
	if p.tok.Kind != Keyword {
		return e
	}
	m := p.msgs.new()
	m.Kind, m.Receiver = KeywordMsg, e
	m.Start = start
	parts, args := p.ranges.mark(), p.nodes.mark()
	for p.tok.Kind == Keyword {
		kw := p.tok
		p.ranges.push(kw.Range)
		p.next()
		arg := p.parsePrimary()
		if arg == nil {
			p.kindErrorf(ErrorExpressionExpected, p.tok.Range, "expected argument after '%s', found %s", p.text(kw.Range), p.describe())
			arg = &Bad{Range{kw.End, kw.End}}
		} else {
			arg = p.parseUnaries(arg, arg.Span().Start)
			arg = p.parseBinaries(arg, arg.Span().Start)
		}
		p.nodes.push(arg)
	}
	m.Parts, m.Args = p.ranges.pop(parts), p.nodes.pop(args)
	// The selector is assembled only now: an argument (a block) may hold
	// keyword messages of its own, which use the shared buffer too.
	p.buf = p.buf[:0]
	for _, part := range m.Parts {
		p.buf = append(p.buf, p.text(part)...)
	}
	m.Selector = p.intern(p.buf)
	m.End = p.lastEnd
	return m
}

func (p *parser) parseUnaries(e Node, start int) Node {
	for p.tok.Kind == Identifier {
		if p.peek().Kind == Assign {
			return e
		}
		m := p.msgs.new()
		m.Range, m.Kind, m.Receiver, m.Selector = Range{start, p.tok.End}, Unary, e, p.name(p.tok.Range)
		m.Parts = p.ranges.slab.slice(1)
		m.Parts[0] = p.tok.Range
		p.next()
		e = m
	}
	return e
}

func (p *parser) parseBinaries(e Node, start int) Node {
	for p.tok.Kind == Binary {
		op := p.tok
		p.next()
		arg := p.parsePrimary()
		if arg == nil {
			p.kindErrorf(ErrorExpressionExpected, p.tok.Range, "expected argument after '%s', found %s", p.text(op.Range), p.describe())
			arg = &Bad{Range{op.End, op.End}}
		} else {
			arg = p.parseUnaries(arg, arg.Span().Start)
		}
		m := p.msgs.new()
		m.Range, m.Kind, m.Receiver, m.Selector = Range{start, max(op.End, arg.Span().End)}, BinaryMsg, e, p.name(op.Range)
		m.Parts, m.Args = p.ranges.slab.slice(1), p.nodes.slab.slice(1)
		m.Parts[0], m.Args[0] = op.Range, arg
		e = m
	}
	return e
}

func (p *parser) literal(k LiteralKind) *Literal {
	l := p.lits.new()
	l.Range, l.Kind = p.tok.Range, k
	p.next()
	return l
}

// identLiteral returns the literal kind of true, false and nil.
func (p *parser) identLiteral() (LiteralKind, bool) {
	switch string(p.text(p.tok.Range)) {
	case "true":
		return LitTrue, true
	case "false":
		return LitFalse, true
	case "nil":
		return LitNil, true
	}
	return 0, false
}

// negativeNumber parses '-' immediately followed by a number, if present.
func (p *parser) negativeNumber() *Literal {
	if p.isBinary("-") {
		if n := p.peek(); n.Kind == Number && n.Start == p.tok.End {
			start := p.tok.Start
			p.next()
			l := p.lits.new()
			l.Range, l.Kind = Range{start, p.tok.End}, LitNumber
			p.next()
			return l
		}
	}
	return nil
}

// parsePrimary parses a variable, literal, block, parenthesised
// expression or brace array. It returns nil, consuming nothing, if none
// starts here.
func (p *parser) parsePrimary() Node {
	switch p.tok.Kind {
	case Identifier:
		if k, ok := p.identLiteral(); ok {
			return p.literal(k)
		}
		v := p.newVariable(p.tok.Range, p.name(p.tok.Range))
		p.next()
		return v
	case Number:
		return p.literal(LitNumber)
	case String:
		return p.literal(LitString)
	case Character:
		return p.literal(LitCharacter)
	case Symbol:
		return p.literal(LitSymbol)
	case LiteralArray, ByteArray, LBracket, LParen, LBrace:
		if !p.nest() {
			return p.skipNested()
		}
		var n Node
		switch p.tok.Kind {
		case LiteralArray:
			n = p.parseLiteralArray()
		case ByteArray:
			n = p.parseByteArray()
		case LBracket:
			n = p.parseBlock()
		case LParen:
			n = p.parseParen()
		default:
			n = p.parseBrace()
		}
		p.depth--
		return n
	case Binary:
		if l := p.negativeNumber(); l != nil {
			return l
		}
	case Assign:
		if p.src[p.tok.Start] == '_' {
			v := p.newVariable(p.tok.Range, "_")
			p.next()
			return v
		}
	}
	return nil
}

// parseLiteralArray parses #( ... ) or, inside one, a nested ( ... ).
func (p *parser) parseLiteralArray() Node {
	open := p.tok
	a := &ArrayLiteral{}
	a.Start = open.Start
	nerrs := len(p.f.Errors)
	mark := p.nodes.mark()
	p.next()
	for {
		switch p.tok.Kind {
		case RParen:
			a.End = p.tok.End
			p.next()
			a.Elements = p.nodes.pop(mark)
			return a
		case EOF, RBracket, RBrace:
			p.errorf(p.tok.Range, "expected ')' to close literal array opened at %s, found %s", p.pos(open.Start), p.describe())
			a.End = p.lastEnd
			if p.tok.Kind == EOF {
				elems := p.nodes.items[mark:]
				had := len(elems) > 0
				p.truncateUnclosed(&elems, &a.End, open, nerrs)
				clear(p.nodes.items[mark+len(elems):])
				p.nodes.items = p.nodes.items[:mark+len(elems)]
				if had && len(elems) == 0 {
					// An array whose elements were all dropped is empty,
					// not absent, as it always was.
					p.nodes.items = p.nodes.items[:mark]
					a.Elements = []Node{}
					return a
				}
			}
			a.Elements = p.nodes.pop(mark)
			return a
		case Number:
			p.nodes.push(p.literal(LitNumber))
		case String:
			p.nodes.push(p.literal(LitString))
		case Character:
			p.nodes.push(p.literal(LitCharacter))
		case Symbol, Keyword:
			p.nodes.push(p.literal(LitSymbol))
		case Identifier:
			k, ok := p.identLiteral()
			if !ok {
				k = LitSymbol
			}
			p.nodes.push(p.literal(k))
		case Binary:
			if l := p.negativeNumber(); l != nil {
				p.nodes.push(l)
			} else {
				p.nodes.push(p.literal(LitSymbol))
			}
		case LiteralArray, LParen:
			if !p.nest() {
				p.nodes.push(p.skipNested())
				continue
			}
			p.nodes.push(p.parseLiteralArray())
			p.depth--
		case ByteArray:
			p.nodes.push(p.parseByteArray())
		case Period, Semicolon, Colon, Caret, Assign:
			p.nodes.push(p.literal(LitSymbol))
		case LBrace:
			p.errorf(p.tok.Range, "brace arrays '{' are not allowed inside a literal array")
			p.next()
		default:
			p.errorf(p.tok.Range, "unexpected %s inside literal array", p.describe())
			p.next()
		}
	}
}

// truncateUnclosed limits a literal array left open at the end of input
// to the line it was opened on and resumes parsing after that line, so
// that the statements below it are not swallowed. Errors reported after
// that line while reading the array are dropped; they will be reported
// again if still relevant.
//
// Resuming parses the rest of the range again. So that input made of
// unclosed arrays stays linear, the bytes parsed again are counted against
// rescanBudget; once it is spent, an unclosed array extends to the end.
func (p *parser) truncateUnclosed(elems *[]Node, end *int, open Token, nerrs int) {
	eol := p.lineEnd(open.End)
	if eol >= p.sc.end || p.sc.end-eol > p.rescanBudget {
		return
	}
	p.rescanBudget -= p.sc.end - eol
	keep := (*elems)[:0]
	for _, e := range *elems {
		if e.Span().End <= eol {
			keep = append(keep, e)
		}
	}
	resume := eol
	for n := len(keep); n > 0 && p.src[keep[n-1].Span().Start] == '.' && keep[n-1].Span().Len() == 1; n-- {
		resume = keep[n-1].Span().Start
		keep = keep[:n-1]
	}
	*elems = keep
	*end = open.End
	if len(keep) > 0 {
		*end = keep[len(keep)-1].Span().End
	}
	errs := p.f.Errors[:nerrs]
	for _, e := range p.f.Errors[nerrs:] {
		if e.Start < eol {
			errs = append(errs, e)
		}
	}
	errs = append(errs, Error{Range: Range{open.Start, open.End}, Message: fmt.Sprintf("literal array opened at %s is not closed", p.pos(open.Start))})
	p.f.Errors = errs
	p.sc.Comments = trimAfter(p.sc.Comments, eol)
	p.sc.Errors = trimErrorsAfter(p.sc.Errors, eol)
	p.sc.SetPos(resume)
	p.hasAhead = false
	p.lastEnd = *end
	p.tok = p.scan()
}

func trimAfter(rs []Range, off int) []Range {
	for len(rs) > 0 && rs[len(rs)-1].Start >= off {
		rs = rs[:len(rs)-1]
	}
	return rs
}

// trimErrorsAfter drops the lexical errors at or after off; the scanner
// reports them in source order, so they are at the end.
func trimErrorsAfter(es []Error, off int) []Error {
	for len(es) > 0 && es[len(es)-1].Start >= off {
		es = es[:len(es)-1]
	}
	return es
}

func (p *parser) parseByteArray() Node {
	open := p.tok
	a := &ArrayLiteral{Bytes: true}
	a.Start = open.Start
	mark := p.nodes.mark()
	p.next()
	for {
		switch p.tok.Kind {
		case RBracket:
			a.End = p.tok.End
			p.closeBracket()
			a.Elements = p.nodes.pop(mark)
			return a
		case EOF, RParen, RBrace:
			p.errorf(p.tok.Range, "expected ']' to close byte array opened at %s, found %s", p.pos(open.Start), p.describe())
			a.End = p.lastEnd
			a.Elements = p.nodes.pop(mark)
			return a
		case Number:
			if t := p.text(p.tok.Range); !isByteElement(t) {
				p.errorf(p.tok.Range, "byte array element %s is not between 0 and 255", t)
			}
			p.nodes.push(p.literal(LitNumber))
		default:
			p.errorf(p.tok.Range, "byte arrays may only contain integers between 0 and 255, found %s", p.describe())
			p.next()
		}
	}
}

// isByteElement reports whether a number token may stand in a byte
// array: a decimal integer is checked to be at most 255, and other
// numbers (16rFF, 1e2) are taken as they are.
func isByteElement(t []byte) bool {
	v := 0
	for _, c := range t {
		if !isDigit(c) {
			return true
		}
		if v <= 255 {
			v = v*10 + int(c-'0')
		}
	}
	return v <= 255
}

func (p *parser) parseBlock() Node {
	open := p.tok
	b := p.blocks.new()
	b.Start = open.Start
	p.next()
	if p.tok.Kind == Colon {
		args := p.vars.mark()
		for p.tok.Kind == Colon {
			colon := p.tok
			p.next()
			if !p.atIdent() {
				p.errorf(colon.Range, "expected block argument name after ':', found %s", p.describe())
				break
			}
			p.vars.push(p.newVariable(p.tok.Range, p.name(p.tok.Range)))
			p.next()
		}
		b.Args = p.vars.pop(args)
		switch {
		case p.atBar():
			p.consumeFirstChar()
		case p.tok.Kind == RBracket:
		default:
			p.kindErrorf(ErrorUnclosedTemporaries, p.tok.Range, "expected '|' after block arguments, found %s", p.describe())
		}
	}
	b.Body = p.parseSequence(RBracket, nil)
	b.Temps = b.Body.Temps
	if p.tok.Kind == RBracket {
		b.End = p.tok.End
		p.closeBracket()
	} else {
		p.kindErrorf(ErrorUnclosedBlock, Range{p.tok.Start, p.tok.End}, "expected ']' to close block opened at %s, found %s", p.pos(open.Start), p.describe())
		b.End = max(p.lastEnd, open.End)
	}
	return b
}

// closeBracket consumes the ']' closing a block or a byte array, noting
// for parseBodyToBracket whether findBodyEnd would have ended a method
// there: a ']' in the first column followed by the next method.
func (p *parser) closeBracket() {
	if p.toBracket && endsMethodByLayout(p.src, p.tok) {
		p.layoutEnd = true
	}
	p.next()
}

func (p *parser) parseParen() Node {
	open := p.tok
	par := p.parens.new()
	par.Start = open.Start
	p.next()
	par.X = p.parseExpression()
	if par.X == nil {
		p.kindErrorf(ErrorExpressionExpected, p.tok.Range, "expected expression after '(', found %s", p.describe())
		p.sync()
	}
	if p.tok.Kind == RParen {
		par.End = p.tok.End
		p.next()
	} else {
		p.kindErrorf(ErrorUnclosedParen, p.tok.Range, "expected ')' to close parenthesis opened at %s, found %s", p.pos(open.Start), p.describe())
		par.End = max(p.lastEnd, open.End)
	}
	return par
}

func (p *parser) parseBrace() Node {
	open := p.tok
	br := &Brace{}
	br.Start = open.Start
	p.next()
	br.Elements = p.parseStatements(RBrace)
	if p.tok.Kind == RBrace {
		br.End = p.tok.End
		p.next()
	} else {
		p.kindErrorf(ErrorUnclosedBrace, p.tok.Range, "expected '}' to close brace array opened at %s, found %s", p.pos(open.Start), p.describe())
		br.End = max(p.lastEnd, open.End)
	}
	return br
}

// parsePragmas parses any pragmas at the current position into m.
func (p *parser) parsePragmas(m *Method) {
	for p.isBinary("<") {
		open := p.tok
		pr := &Pragma{}
		pr.Start = open.Start
		p.next()
		switch p.tok.Kind {
		case Identifier:
			pr.Parts = []Range{p.tok.Range}
			pr.Selector = p.name(p.tok.Range)
			p.next()
		case Keyword:
			for p.tok.Kind == Keyword {
				kw := p.tok
				pr.Parts = append(pr.Parts, kw.Range)
				p.next()
				arg := p.parsePrimary()
				if arg == nil {
					p.errorf(p.tok.Range, "expected pragma argument after '%s', found %s", p.text(kw.Range), p.describe())
					arg = &Bad{Range{kw.End, kw.End}}
				}
				pr.Args = append(pr.Args, arg)
			}
			p.buf = p.buf[:0]
			for _, part := range pr.Parts {
				p.buf = append(p.buf, p.text(part)...)
			}
			pr.Selector = p.intern(p.buf)
		case Binary:
			if p.src[p.tok.Start] != '>' {
				pr.Parts = []Range{p.tok.Range}
				pr.Selector = p.name(p.tok.Range)
				p.next()
				if arg := p.parsePrimary(); arg != nil {
					pr.Args = append(pr.Args, arg)
				}
			}
		}
		if pr.Selector == "" {
			p.errorf(p.tok.Range, "expected pragma selector after '<', found %s", p.describe())
		}
		if p.tok.Kind == Binary && p.src[p.tok.Start] == '>' {
			pr.End = p.tok.Start + 1
			p.consumeFirstChar()
		} else {
			p.errorf(p.tok.Range, "expected '>' to close pragma opened at %s, found %s", p.pos(open.Start), p.describe())
			pr.End = max(p.lastEnd, open.End)
			p.sync()
		}
		m.Pragmas = append(m.Pragmas, pr)
	}
}

// parsePattern parses a method pattern (unary, binary or keyword) into m.
// It reports whether a pattern was found.
func (p *parser) parsePattern(m *Method) bool {
	start := p.tok.Start
	switch p.tok.Kind {
	case Identifier:
		m.SelectorParts = p.ranges.slab.slice(1)
		m.SelectorParts[0] = p.tok.Range
		m.Selector = p.name(p.tok.Range)
		p.next()
	case Binary:
		m.SelectorParts = p.ranges.slab.slice(1)
		m.SelectorParts[0] = p.tok.Range
		m.Selector = p.name(p.tok.Range)
		p.next()
		if p.tok.Kind != Identifier {
			p.kindErrorf(ErrorArgumentName, p.tok.Range, "expected argument name after binary selector '%s', found %s", m.Selector, p.describe())
		} else {
			m.Args = p.vars.slab.slice(1)
			m.Args[0] = p.newVariable(p.tok.Range, p.name(p.tok.Range))
			p.next()
		}
	case Keyword:
		p.buf = p.buf[:0]
		parts, args := p.ranges.mark(), p.vars.mark()
		for p.tok.Kind == Keyword {
			kw := p.tok
			p.ranges.push(kw.Range)
			p.buf = append(p.buf, p.text(kw.Range)...)
			p.next()
			if p.tok.Kind != Identifier {
				p.kindErrorf(ErrorArgumentName, p.tok.Range, "expected argument name after '%s', found %s", p.text(kw.Range), p.describe())
				break
			}
			p.vars.push(p.newVariable(p.tok.Range, p.name(p.tok.Range)))
			p.next()
		}
		m.SelectorParts, m.Args = p.ranges.pop(parts), p.vars.pop(args)
		m.Selector = p.intern(p.buf)
	default:
		p.kindErrorf(ErrorMethodPattern, p.tok.Range, "expected method selector, found %s", p.describe())
		return false
	}
	m.SelectorRange = m.SelectorParts[0]
	m.PatternRange = Range{start, p.lastEnd}
	return true
}

// parseMethodRange parses a whole method (pattern and body) in
// src[start:end], as found in a chunk file.
func (p *parser) parseMethodRange(m *Method, start, end int) {
	p.reset(start, end)
	if !p.parsePattern(m) {
		m.PatternRange = Range{start, start}
	}
	m.BodyRange = Range{p.tok.Start, end}
	if m.BodyRange.Start > end {
		m.BodyRange.Start = end
	}
	m.Body = p.parseSequence(EOF, m)
	p.flush()
}

// parseBody parses the statements of a method whose pattern has already
// been parsed, in src[start:end].
func (p *parser) parseBody(m *Method, start, end int) {
	p.reset(start, end)
	m.Body = p.parseSequence(EOF, m)
	p.flush()
}
