package stuitest

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The test evaluator understands a tiny subset of Smalltalk, enough to test
// a client end to end:
//
//   - integer literals (64-bit), string literals ('it''s'), nil, true, false
//   - binary messages evaluated left to right as in Smalltalk, without
//     precedence: + - * / // \\ < > <= >= = ~= and , (string concatenation);
//     a / b answers an integer when exact, else a Fraction such as (7/2)
//   - unary messages printString, size, negated, yourself, wait
//   - blocks [ ... ] with value and whileTrue (which stops when the request
//     is interrupted or times out)
//   - a to: b (an Interval) and asOrderedCollection, for inspecting a
//     collection with named and indexed slots
//   - Delay forSeconds: n and Delay forMilliseconds: n; sending wait to the
//     Delay sleeps, and stops early when the request is interrupted, times
//     out or the server stops
//   - Exception signal, Warning signal: 'text', Error signal: 'text', and
//     Time millisecondClockValue (see eval_classes.go)
//   - Transcript show:, nextPutAll:, crShow: and cr (see transcript.go)
//   - statements separated by '.', the value of the last one is the result
//   - name := expr assigns a workspace variable (kept in the session)
//   - a bare name reads a variable; a name never assigned answers nil, as an
//     undeclared variable does in a Pharo playground
//
// Errors: 1 / 0 is a RuntimeError ZeroDivide with a stack trace, any other
// message the receiver does not understand is a RuntimeError
// MessageNotUnderstood, and code that does not parse (an unclosed parenthesis
// or string, a trailing operator, a stray token) is a SyntaxError whose line
// and column are 1-based and count characters.

type kind int

const (
	kNil kind = iota
	kInt
	kString
	kBool
	kFraction
	kDelay
	kInterval
	kOrderedCollection
	kBlock
	kClass // a class the evaluator knows: see eval_classes.go
	kTranscript
	kSelf     // the receiver of a test method: see tests.go
	kDuration // milliseconds in i, from 200 milliSeconds or 2 seconds
)

type value struct {
	kind kind
	i    int64 // kInt, numerator of kFraction, milliseconds of kDelay
	den  int64
	s    string
	b    bool
	list []int64 // kInterval, kOrderedCollection
}

func (v value) equal(w value) bool {
	return v.kind == w.kind && v.printString() == w.printString()
}

func (v value) className() string {
	switch v.kind {
	case kInt:
		if v.i > 1<<60-1 {
			return "LargePositiveInteger"
		}
		if v.i < -(1 << 60) {
			return "LargeNegativeInteger"
		}
		return "SmallInteger"
	case kString:
		return "ByteString"
	case kBool:
		if v.b {
			return "True"
		}
		return "False"
	case kFraction:
		return "Fraction"
	case kDelay:
		return "Delay"
	case kInterval:
		return "Interval"
	case kOrderedCollection:
		return "OrderedCollection"
	case kBlock:
		return "FullBlockClosure"
	case kClass:
		return v.s + " class"
	case kTranscript:
		return "ThreadSafeTranscript"
	}
	return "UndefinedObject"
}

func (v value) printString() string {
	switch v.kind {
	case kInt:
		return strconv.FormatInt(v.i, 10)
	case kString:
		return "'" + strings.ReplaceAll(v.s, "'", "''") + "'"
	case kBool:
		return strconv.FormatBool(v.b)
	case kFraction:
		return fmt.Sprintf("(%d/%d)", v.i, v.den)
	case kDelay:
		return fmt.Sprintf("a Delay(%d msecs)", v.i)
	case kInterval:
		if len(v.list) == 0 {
			return "(1 to: 0)"
		}
		return fmt.Sprintf("(%d to: %d)", v.list[0], v.list[len(v.list)-1])
	case kOrderedCollection:
		return "an OrderedCollection(" + joinInts(v.list) + ")"
	case kBlock:
		return "[...]"
	case kClass:
		return v.s
	case kTranscript:
		return "a ThreadSafeTranscript"
	case kSelf:
		return "a " + v.s
	case kDuration:
		return fmt.Sprintf("%d milliSeconds", v.i)
	}
	return "nil"
}

// syntaxError is a parse error at a 1-based character position in the code.
type syntaxError struct {
	msg string
	pos int
}

// runtimeError is an error signalled while evaluating.
type runtimeError struct {
	class, msg string
	stack      []string
}

// stopped is returned when the context ends an evaluation.
type stopped struct{ cause error }

type token struct {
	kind byte // 'n' number, 's' string, 'i' identifier, 'k' keyword, 'b' binary, 'a' :=, '(' ')' '.' ';', 'e' end
	text string
	pos  int // 1-based position in characters
}

func tokenize(code string) ([]token, *syntaxError) {
	rs := []rune(code)
	var toks []token
	for i := 0; i < len(rs); {
		r := rs[i]
		start := i + 1
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			if j == len(rs) {
				return nil, &syntaxError{"Unmatched \" in comment", len(rs) + 1}
			}
			i = j + 1
		case r == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(rs) {
					return nil, &syntaxError{"Unmatched ' in string literal", len(rs) + 1}
				}
				if rs[j] == '\'' {
					if j+1 < len(rs) && rs[j+1] == '\'' {
						b.WriteRune('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteRune(rs[j])
				j++
			}
			toks = append(toks, token{'s', b.String(), start})
			i = j + 1
		case unicode.IsDigit(r):
			j := i
			for j < len(rs) && unicode.IsDigit(rs[j]) {
				j++
			}
			toks = append(toks, token{'n', string(rs[i:j]), start})
			i = j
		case unicode.IsLetter(r) || r == '_':
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_') {
				j++
			}
			if j < len(rs) && rs[j] == ':' && (j+1 >= len(rs) || rs[j+1] != '=') {
				toks = append(toks, token{'k', string(rs[i : j+1]), start})
				i = j + 1
			} else {
				toks = append(toks, token{'i', string(rs[i:j]), start})
				i = j
			}
		case r == ':' && i+1 < len(rs) && rs[i+1] == '=':
			toks = append(toks, token{'a', ":=", start})
			i += 2
		case r == '(' || r == ')' || r == '.' || r == '[' || r == ']' || r == ';':
			toks = append(toks, token{byte(r), string(r), start})
			i++
		case strings.ContainsRune("+-*/\\<>=~,", r):
			j := i
			for j < len(rs) && strings.ContainsRune("+-*/\\<>=~,", rs[j]) {
				j++
			}
			toks = append(toks, token{'b', string(rs[i:j]), start})
			i = j
		default:
			return nil, &syntaxError{"Unknown character", start}
		}
	}
	toks = append(toks, token{'e', "", len(rs) + 1})
	return toks, nil
}

// evaluator runs one piece of code against a variable scope.
type evaluator struct {
	ctx  context.Context
	toks []token
	p    int
	vars map[string]value
	// parseOnly checks the syntax without evaluating.
	parseOnly bool
	// cascadeTo is the receiver of the last message sent in the expression
	// being parsed (valid when sent is set): a cascade's ';' sends to it.
	cascadeTo value
	sent      bool
	// self answers the messages sent to self, in a test method; nil
	// elsewhere, where self is nil as in a playground.
	self func(sel string, args []value) (value, error)
}

func (e *evaluator) peek() token { return e.toks[e.p] }
func (e *evaluator) next() token { t := e.toks[e.p]; e.p++; return t }

// evaluate parses and runs code. Assignments go to vars.
func evaluate(ctx context.Context, code string, vars map[string]value) (value, error) {
	toks, serr := tokenize(code)
	if serr != nil {
		return value{}, serr
	}
	// Parse everything first, so a syntax error is reported before any
	// statement runs, as the compiler does.
	check := &evaluator{ctx: ctx, toks: toks, vars: map[string]value{}, parseOnly: true}
	if _, err := check.statements(); err != nil {
		return value{}, err
	}
	e := &evaluator{ctx: ctx, toks: toks, vars: vars}
	return e.statements()
}

func (e *evaluator) statements() (value, error) {
	var last value
	for {
		if e.peek().kind == 'e' {
			return last, nil
		}
		v, err := e.statement()
		if err != nil {
			return value{}, err
		}
		last = v
		switch t := e.peek(); t.kind {
		case '.':
			e.next()
		case 'e':
			return last, nil
		default:
			return value{}, &syntaxError{"Nothing more expected", t.pos}
		}
	}
}

func (e *evaluator) statement() (value, error) {
	if e.peek().kind == 'i' && e.toks[e.p+1].kind == 'a' {
		name := e.next().text
		e.next()
		v, err := e.statement()
		if err != nil {
			return value{}, err
		}
		if isReserved(name) {
			return value{}, &syntaxError{"Cannot store into " + name, e.toks[e.p].pos}
		}
		e.vars[name] = v
		return v, nil
	}
	e.sent = false
	v, err := e.keywordExpr()
	if err != nil || e.peek().kind != ';' {
		return v, err
	}
	return e.cascade(v)
}

// cascade sends each message after a ';' to the receiver of the message
// before the first ';', and answers the last one's result.
func (e *evaluator) cascade(v value) (value, error) {
	if !e.sent {
		return value{}, &syntaxError{"Cascade must follow a message send", e.peek().pos}
	}
	recv := e.cascadeTo
	for e.peek().kind == ';' {
		e.next()
		if k := e.peek().kind; k != 'i' && k != 'b' && k != 'k' {
			return value{}, &syntaxError{"Message expected", e.peek().pos}
		}
		u, err := e.unaryTail(recv)
		if err != nil {
			return value{}, err
		}
		b, err := e.binaryTail(u)
		if err != nil {
			return value{}, err
		}
		if v, err = e.keywordTail(token{}, b); err != nil {
			return value{}, err
		}
	}
	return v, nil
}

// willSend records recv as the receiver of the message about to be sent.
func (e *evaluator) willSend(recv value) {
	e.cascadeTo, e.sent = recv, true
}

func isReserved(name string) bool {
	switch name {
	case "nil", "true", "false", "self", "super", "thisContext":
		return true
	}
	return false
}

func (e *evaluator) keywordExpr() (value, error) {
	recvTok := e.peek()
	recv, err := e.binaryExpr()
	if err != nil {
		return value{}, err
	}
	return e.keywordTail(recvTok, recv)
}

// keywordTail sends the keyword message that follows, if any, to recv.
func (e *evaluator) keywordTail(recvTok token, recv value) (value, error) {
	if e.peek().kind != 'k' {
		return recv, nil
	}
	var sel strings.Builder
	var args []value
	for e.peek().kind == 'k' {
		sel.WriteString(e.next().text)
		a, err := e.binaryExpr()
		if err != nil {
			return value{}, err
		}
		args = append(args, a)
	}
	e.willSend(recv)
	if e.parseOnly {
		return value{}, nil
	}
	if recvTok.kind == 'i' && recvTok.text == "Delay" && len(args) == 1 && args[0].kind == kInt {
		switch sel.String() {
		case "forSeconds:":
			return value{kind: kDelay, i: args[0].i * 1000}, nil
		case "forMilliseconds:":
			return value{kind: kDelay, i: args[0].i}, nil
		}
	}
	if recv.kind == kInt && sel.String() == "to:" && args[0].kind == kInt {
		if args[0].i-recv.i > 1<<20 {
			return value{}, &runtimeError{"Error", "interval too large for the test evaluator", []string{"UndefinedObject>>DoIt"}}
		}
		iv := value{kind: kInterval}
		for n := recv.i; n <= args[0].i; n++ {
			iv.list = append(iv.list, n)
		}
		return iv, nil
	}
	if recv.kind == kClass {
		return classMessage(recv, sel.String(), args)
	}
	if recv.kind == kTranscript {
		return transcriptSend(e.ctx, sel.String(), args)
	}
	if recv.kind == kSelf {
		return e.self(sel.String(), args)
	}
	return value{}, dnu(recv, sel.String())
}

func (e *evaluator) runBlock(b value) (value, error) {
	toks := append(append([]token(nil), e.toks[b.i:b.den]...), token{'e', "", e.toks[b.den].pos})
	sub := &evaluator{ctx: e.ctx, toks: toks, vars: e.vars, self: e.self}
	return sub.statements()
}

func joinInts(xs []int64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(parts, " ")
}

func (e *evaluator) binaryExpr() (value, error) {
	v, err := e.unaryExpr()
	if err != nil {
		return value{}, err
	}
	return e.binaryTail(v)
}

// binaryTail sends the binary messages that follow to v, left to right.
func (e *evaluator) binaryTail(v value) (value, error) {
	for e.peek().kind == 'b' {
		op := e.next()
		arg, err := e.unaryExpr()
		if err != nil {
			return value{}, err
		}
		e.willSend(v)
		if e.parseOnly {
			continue
		}
		if v, err = binary(v, op.text, arg); err != nil {
			return value{}, err
		}
	}
	return v, nil
}

func (e *evaluator) unaryExpr() (value, error) {
	v, err := e.primary()
	if err != nil {
		return value{}, err
	}
	return e.unaryTail(v)
}

// unaryTail sends the unary messages that follow to v.
func (e *evaluator) unaryTail(v value) (value, error) {
	var err error
	for e.peek().kind == 'i' {
		sel := e.next().text
		e.willSend(v)
		if e.parseOnly {
			continue
		}
		if v, err = e.unary(v, sel); err != nil {
			return value{}, err
		}
	}
	return v, nil
}

func (e *evaluator) primary() (value, error) {
	t := e.next()
	switch t.kind {
	case 'n':
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return value{}, &runtimeError{"Error", "integer out of the test evaluator's 64-bit range", []string{"UndefinedObject>>DoIt"}}
		}
		return value{kind: kInt, i: n}, nil
	case 's':
		return value{kind: kString, s: t.text}, nil
	case 'b':
		if t.text == "-" && e.peek().kind == 'n' && e.peek().pos == t.pos+1 {
			v, err := e.primary()
			v.i = -v.i
			return v, err
		}
	case 'i':
		switch t.text {
		case "nil":
			return value{}, nil
		case "true", "false":
			return value{kind: kBool, b: t.text == "true"}, nil
		}
		if c, ok := globalClass(t.text); ok {
			return c, nil
		}
		if t.text == "Transcript" {
			return value{kind: kTranscript}, nil
		}
		if t.text == "self" && e.self != nil {
			return value{kind: kSelf}, nil
		}
		return e.vars[t.text], nil
	case '[':
		start := e.p
		outer := e.parseOnly
		e.parseOnly = true
		for e.peek().kind != ']' {
			if e.peek().kind == 'e' {
				return value{}, &syntaxError{"']' expected", e.peek().pos}
			}
			if _, err := e.statement(); err != nil {
				return value{}, err
			}
			if e.peek().kind == '.' {
				e.next()
			} else if e.peek().kind != ']' {
				return value{}, &syntaxError{"']' expected", e.peek().pos}
			}
		}
		e.parseOnly = outer
		e.sent = false
		end := e.p
		e.next()
		return value{kind: kBlock, i: int64(start), den: int64(end)}, nil
	case '(':
		v, err := e.statement()
		if err != nil {
			return value{}, err
		}
		if c := e.next(); c.kind != ')' {
			return value{}, &syntaxError{"')' expected", c.pos}
		}
		// The sends inside the parentheses are not the outer expression's.
		e.sent = false
		return v, nil
	}
	return value{}, &syntaxError{"Variable or expression expected", t.pos}
}

func dnu(recv value, sel string) error {
	class := recv.className()
	msg := fmt.Sprintf("%s>>#%s", class, sel)
	if recv.kind == kNil {
		msg = fmt.Sprintf("receiver of \"%s\" is nil", sel)
	}
	return &runtimeError{"MessageNotUnderstood", msg, []string{
		fmt.Sprintf("%s(Object)>>doesNotUnderstand: #%s", class, sel), "UndefinedObject>>DoIt", "OpalCompiler>>evaluate"}}
}

func binary(a value, op string, b value) (value, error) {
	if op == "," {
		if a.kind == kString && b.kind == kString {
			return value{kind: kString, s: a.s + b.s}, nil
		}
		return value{}, dnu(a, op)
	}
	if op == "=" || op == "~=" {
		eq := a.equal(b)
		return value{kind: kBool, b: eq == (op == "=")}, nil
	}
	if a.kind != kInt {
		return value{}, dnu(a, op)
	}
	if b.kind != kInt {
		return value{}, &runtimeError{"Error", fmt.Sprintf("%s is not a number", b.printString()),
			[]string{fmt.Sprintf("SmallInteger>>%s", op), "UndefinedObject>>DoIt", "OpalCompiler>>evaluate"}}
	}
	x, y := a.i, b.i
	in := func(r int64) (value, error) { return value{kind: kInt, i: r}, nil }
	bo := func(r bool) (value, error) { return value{kind: kBool, b: r}, nil }
	switch op {
	case "+":
		if (y > 0 && x > math.MaxInt64-y) || (y < 0 && x < math.MinInt64-y) {
			return value{}, overflow(op)
		}
		return in(x + y)
	case "-":
		if (y < 0 && x > math.MaxInt64+y) || (y > 0 && x < math.MinInt64+y) {
			return value{}, overflow(op)
		}
		return in(x - y)
	case "*":
		if x != 0 && (x*y/x != y || (x == -1 && y == math.MinInt64)) {
			return value{}, overflow(op)
		}
		return in(x * y)
	case "/", "//", "\\\\":
		if y == 0 {
			return value{}, &runtimeError{"ZeroDivide", "ZeroDivide",
				[]string{"SmallInteger>>" + op, "UndefinedObject>>DoIt", "OpalCompiler>>evaluate"}}
		}
		switch op {
		case "//":
			q := x / y
			if (x%y != 0) && ((x < 0) != (y < 0)) {
				q--
			}
			return in(q)
		case "\\\\":
			m := x % y
			if m != 0 && ((m < 0) != (y < 0)) {
				m += y
			}
			return in(m)
		}
		if x%y == 0 {
			return in(x / y)
		}
		g := gcd(x, y)
		n, d := x/g, y/g
		if d < 0 {
			n, d = -n, -d
		}
		return value{kind: kFraction, i: n, den: d}, nil
	case "<":
		return bo(x < y)
	case ">":
		return bo(x > y)
	case "<=":
		return bo(x <= y)
	case ">=":
		return bo(x >= y)
	}
	return value{}, dnu(a, op)
}

func overflow(op string) error {
	return &runtimeError{"Error", "integer overflow: the test evaluator has no LargeIntegers",
		[]string{"SmallInteger>>" + op, "UndefinedObject>>DoIt", "OpalCompiler>>evaluate"}}
}

func gcd(a, b int64) int64 {
	if a < 0 {
		a = -a
	}
	if b < 0 {
		b = -b
	}
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func (e *evaluator) unary(v value, sel string) (value, error) {
	switch {
	case sel == "printString":
		return value{kind: kString, s: v.printString()}, nil
	case sel == "size" && v.kind == kString:
		return value{kind: kInt, i: int64(len([]rune(v.s)))}, nil
	case sel == "negated" && v.kind == kInt:
		return value{kind: kInt, i: -v.i}, nil
	case sel == "asOrderedCollection" && (v.kind == kInterval || v.kind == kOrderedCollection):
		return value{kind: kOrderedCollection, list: append([]int64(nil), v.list...)}, nil
	case sel == "size" && (v.kind == kInterval || v.kind == kOrderedCollection):
		return value{kind: kInt, i: int64(len(v.list))}, nil
	case sel == "value" && v.kind == kBlock:
		return e.runBlock(v)
	case sel == "whileTrue" && v.kind == kBlock:
		for {
			if e.ctx.Err() != nil {
				return value{}, &stopped{context.Cause(e.ctx)}
			}
			r, err := e.runBlock(v)
			if err != nil {
				return value{}, err
			}
			if r.kind != kBool || !r.b {
				return value{}, nil
			}
		}
	case sel == "yourself":
		return v, nil
	case sel == "cr" && v.kind == kTranscript:
		return transcriptSend(e.ctx, sel, nil)
	case sel == "milliSeconds" && v.kind == kInt:
		return value{kind: kDuration, i: v.i}, nil
	case sel == "seconds" && v.kind == kInt:
		return value{kind: kDuration, i: v.i * 1000}, nil
	case sel == "wait" && v.kind == kDelay:
		t := time.NewTimer(time.Duration(v.i) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
			return v, nil
		case <-e.ctx.Done():
			return value{}, &stopped{context.Cause(e.ctx)}
		}
	}
	if v.kind == kClass {
		return classMessage(v, sel, nil)
	}
	if v.kind == kSelf {
		return e.self(sel, nil)
	}
	return value{}, dnu(v, sel)
}

func (s *syntaxError) Error() string  { return s.msg }
func (r *runtimeError) Error() string { return r.msg }
func (s *stopped) Error() string      { return "stopped: " + s.cause.Error() }

// lineColumn converts a 1-based character position into a 1-based line and
// column.
func lineColumn(code string, pos int) (line, col int) {
	line, col = 1, 1
	for i, r := range []rune(code) {
		if i+1 >= pos {
			break
		}
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
