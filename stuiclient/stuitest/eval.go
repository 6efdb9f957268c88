package stuitest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// The test evaluator runs smalltalk/'s syntax tree of the code
// (smalltalk.ParseExpression; methods and test methods come from
// smalltalk.ParseMethod) and understands a tiny subset of Smalltalk, enough
// to test a client end to end:
//
//   - integer literals (64-bit), string literals ('it''s'), nil, true, false
//   - binary messages evaluated left to right as in Smalltalk, without
//     precedence: + - * / // \\ < > <= >= = ~= and , (string concatenation);
//     a / b answers an integer when exact, else a Fraction such as (7/2)
//   - unary messages printString, size, negated, yourself, wait
//   - blocks [ ... ] without arguments, with value and whileTrue (which stops
//     when the request is interrupted or times out)
//   - a to: b (an Interval) and asOrderedCollection, for inspecting a
//     collection with named and indexed slots
//   - Delay forSeconds: n and Delay forMilliseconds: n; sending wait to the
//     Delay sleeps, and stops early when the request is interrupted, times
//     out or the server stops
//   - Exception signal, Warning signal: 'text', Error signal: 'text', and
//     Time millisecondClockValue (see eval_classes.go)
//   - Transcript show:, nextPutAll:, crShow: and cr (see transcript.go)
//   - cascades: each message after a ';' goes to the receiver of the first
//   - statements separated by '.', the value of the last one is the result;
//     ^ expr ends the code with the value of expr
//   - the classes of the Backend and their compiled methods, which run in
//     frames of their own, and the conditionals: see methods.go
//   - name := expr assigns a workspace variable (kept in the session)
//   - a bare name reads a variable; a name never assigned answers nil, as an
//     undeclared variable does in a Pharo playground
//
// Errors: 1 / 0 is a RuntimeError ZeroDivide with a stack trace, any other
// message the receiver does not understand is a RuntimeError
// MessageNotUnderstood, a literal or construct outside the subset (a
// symbol, a float, a literal array) is a RuntimeError Error that says so,
// and code that does not parse is a SyntaxError in Pharo's words
// (syntax.go) whose line and column are 1-based and count characters.

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
	kInstance // an instance of a class of the Backend: see methods.go
)

type value struct {
	kind  kind
	i     int64 // kInt, numerator of kFraction, milliseconds of kDelay
	den   int64
	s     string
	b     bool
	list  []int64 // kInterval, kOrderedCollection
	block *smalltalk.Block
	obj   *object // kInstance
}

func (v value) equal(w value) bool {
	if v.kind == kInstance || w.kind == kInstance {
		return v.obj == w.obj
	}
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
	case kInstance:
		return v.obj.class
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
	case kInstance:
		return withArticle(v.obj.class)
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

// evaluator runs the statements of one parse against a variable scope.
type evaluator struct {
	ctx  context.Context
	file *smalltalk.File
	vars map[string]value
	// self answers the messages sent to self, in a test method; nil
	// elsewhere, where self is nil as in a playground.
	self func(sel string, args []value) (value, error)
	// image runs the methods of the Backend's classes (methods.go); nil
	// where code runs without them, as a test method's body does.
	image *Backend
	// frame is the method activation this evaluator runs; nil for
	// evaluated code outside the debugger.
	frame *frame
	// proc is the debugged process (process.go), nil outside the debugger.
	proc  *process
	depth int // how many method activations are below this one
}

// context is what ends the evaluation: the debugged process's current run,
// which a step or a resume replaces, or the request's.
func (e *evaluator) context() context.Context {
	if e.proc != nil {
		return e.proc.context()
	}
	return e.ctx
}

// returned carries a ^'s value up to the code's top level.
type returned struct{ v value }

func (r *returned) Error() string { return "return" }

// evaluate parses and runs code. Assignments go to vars.
func evaluate(ctx context.Context, code string, vars map[string]value) (value, error) {
	return evaluateIn(ctx, code, vars, nil, nil)
}

// evaluateIn is evaluate with the methods of image's classes, and in fr's
// scope when fr is set: assignments go to vars, or to the instance
// variables of fr's receiver.
func evaluateIn(ctx context.Context, code string, vars map[string]value, image *Backend, fr *frame) (value, error) {
	f := smalltalk.ParseExpression([]byte(code))
	// The whole code is checked first, so a syntax error is reported before
	// any statement runs, as the compiler does.
	if err := checkSyntax(f, f.Body); err != nil {
		return value{}, err
	}
	e := &evaluator{ctx: ctx, file: f, vars: vars, image: image, frame: fr}
	return e.topLevel(f.Statements)
}

// checkSyntax answers f's first syntax error worded and placed as Pharo's
// compiler does, else the first assignment in n to a name that cannot be
// stored into; nil when the code compiles.
func checkSyntax(f *smalltalk.File, n smalltalk.Node) error {
	if len(f.Errors) > 0 {
		msg, at, ok := pharoSyntaxError(f)
		if !ok {
			msg, at = f.Errors[0].Message, f.Errors[0].Start
		}
		return &syntaxError{msg, charPos(f.Src, at)}
	}
	var bad error
	if n == nil {
		return nil
	}
	smalltalk.Inspect(n, func(n smalltalk.Node) bool {
		if bad != nil {
			return false
		}
		if a, ok := n.(*smalltalk.Assignment); ok && a.Var != nil && isReserved(a.Var.Name) {
			// Pharo points at what follows the assigned value.
			at := a.End
			for at < len(f.Src) && isSpace(f.Src[at]) {
				at++
			}
			bad = &syntaxError{"Cannot store into " + a.Var.Name, charPos(f.Src, at)}
		}
		return true
	})
	return bad
}

// charPos is the 1-based character position of byte offset off in src.
func charPos(src []byte, off int) int {
	return utf8.RuneCount(src[:off]) + 1
}

// topLevel runs statements as a do-it does: a ^ ends the code with its value.
func (e *evaluator) topLevel(stmts []smalltalk.Node) (value, error) {
	v, err := e.sequence(stmts)
	var r *returned
	if errors.As(err, &r) {
		return r.v, nil
	}
	return v, err
}

// sequence runs statements in order and answers the last one's value.
func (e *evaluator) sequence(stmts []smalltalk.Node) (value, error) {
	var last value
	for _, s := range stmts {
		v, err := e.eval(s)
		if err != nil {
			return value{}, err
		}
		last = v
	}
	return last, nil
}

func isReserved(name string) bool {
	switch name {
	case "nil", "true", "false", "self", "super", "thisContext":
		return true
	}
	return false
}

func (e *evaluator) eval(n smalltalk.Node) (value, error) {
	switch n := n.(type) {
	case *smalltalk.Literal:
		return e.literal(n)
	case *smalltalk.Variable:
		return e.variable(n.Name), nil
	case *smalltalk.Assignment:
		v, err := e.eval(n.Value)
		if err != nil {
			return value{}, err
		}
		e.assign(n.Var.Name, v)
		return v, nil
	case *smalltalk.Paren:
		return e.eval(n.X)
	case *smalltalk.Block:
		return value{kind: kBlock, block: n}, nil
	case *smalltalk.Return:
		v, err := e.eval(n.Value)
		if err != nil {
			return value{}, err
		}
		return value{}, &returned{v}
	case *smalltalk.Message:
		recv, err := e.eval(n.Receiver)
		if err != nil {
			return value{}, err
		}
		return e.send(recv, n)
	case *smalltalk.Cascade:
		// Every message after the first goes to the receiver of the first.
		recv, err := e.eval(n.Receiver)
		if err != nil {
			return value{}, err
		}
		var v value
		for _, m := range n.Messages {
			if v, err = e.send(recv, m); err != nil {
				return value{}, err
			}
		}
		return v, nil
	}
	return value{}, &runtimeError{"Error", "the test evaluator does not evaluate " + e.file.Text(n.Span()),
		[]string{"UndefinedObject>>DoIt"}}
}

func (e *evaluator) literal(l *smalltalk.Literal) (value, error) {
	switch l.Kind {
	case smalltalk.LitNil:
		return value{}, nil
	case smalltalk.LitTrue, smalltalk.LitFalse:
		return value{kind: kBool, b: l.Kind == smalltalk.LitTrue}, nil
	case smalltalk.LitString:
		return value{kind: kString, s: e.file.LiteralValue(l)}, nil
	case smalltalk.LitNumber:
		text := e.file.Text(l.Range)
		n, err := strconv.ParseInt(text, 10, 64)
		if err == nil {
			return value{kind: kInt, i: n}, nil
		}
		if strings.Trim(text, "-0123456789") == "" {
			return value{}, &runtimeError{"Error", "integer out of the test evaluator's 64-bit range", []string{"UndefinedObject>>DoIt"}}
		}
	}
	return value{}, &runtimeError{"Error", "the test evaluator does not evaluate " + e.file.Text(l.Range),
		[]string{"UndefinedObject>>DoIt"}}
}

func (e *evaluator) variable(name string) value {
	if v, ok := e.frameVariable(name); ok {
		return v
	}
	if c, ok := globalClass(name); ok {
		return c
	}
	if e.image != nil && name[0] >= 'A' && name[0] <= 'Z' && e.image.hasClass(name) {
		return value{kind: kClass, s: name}
	}
	switch {
	case name == "Transcript":
		return value{kind: kTranscript}
	case name == "self" && e.self != nil:
		return value{kind: kSelf}
	}
	return e.vars[name]
}

// send evaluates m's arguments and sends m to recv.
func (e *evaluator) send(recv value, m *smalltalk.Message) (value, error) {
	args := make([]value, 0, len(m.Args))
	for _, a := range m.Args {
		v, err := e.eval(a)
		if err != nil {
			return value{}, err
		}
		args = append(args, v)
	}
	if v, ok, err := e.sendToImage(recv, m, args); ok {
		return v, err
	}
	switch m.Kind {
	case smalltalk.Unary:
		return e.unary(recv, m.Selector)
	case smalltalk.BinaryMsg:
		return binary(recv, m.Selector, args[0])
	}
	return e.keyword(recv, m, args)
}

// keyword sends the keyword message m with args to recv.
func (e *evaluator) keyword(recv value, m *smalltalk.Message, args []value) (value, error) {
	sel := m.Selector
	if v, ok := m.Receiver.(*smalltalk.Variable); ok && v.Name == "Delay" && len(args) == 1 && args[0].kind == kInt {
		switch sel {
		case "forSeconds:":
			return value{kind: kDelay, i: args[0].i * 1000}, nil
		case "forMilliseconds:":
			return value{kind: kDelay, i: args[0].i}, nil
		}
	}
	if recv.kind == kInt && sel == "to:" && args[0].kind == kInt {
		if args[0].i-recv.i > 1<<20 {
			return value{}, &runtimeError{"Error", "interval too large for the test evaluator", []string{"UndefinedObject>>DoIt"}}
		}
		iv := value{kind: kInterval}
		for n := recv.i; n <= args[0].i; n++ {
			iv.list = append(iv.list, n)
		}
		return iv, nil
	}
	if v, ok, err := e.control(recv, sel, args); ok {
		return v, err
	}
	switch recv.kind {
	case kClass:
		return classMessage(recv, sel, args)
	case kTranscript:
		return transcriptSend(e.context(), sel, args)
	case kSelf:
		return e.self(sel, args)
	}
	return value{}, dnu(recv, sel)
}

func (e *evaluator) runBlock(b value) (value, error) {
	if len(b.block.Args) > 0 {
		return value{}, &runtimeError{"Error", "the test evaluator does not evaluate a block with arguments",
			[]string{"UndefinedObject>>DoIt"}}
	}
	return e.sequence(b.block.Body.Statements)
}

func joinInts(xs []int64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(parts, " ")
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
	if op == "=" || op == "~=" || op == "==" || op == "~~" {
		eq := a.equal(b)
		return value{kind: kBool, b: eq == (op == "=" || op == "==")}, nil
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
			if ctx := e.context(); ctx.Err() != nil {
				return value{}, &stopped{context.Cause(ctx)}
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
	case sel == "isNil" || sel == "notNil":
		return value{kind: kBool, b: (v.kind == kNil) == (sel == "isNil")}, nil
	case sel == "halt" && e.proc != nil:
		// Under the debugger a halt suspends the process (Halt is an
		// UnhandledException); elsewhere the evaluator has no halt.
		return value{}, errHalt
	case sel == "cr" && v.kind == kTranscript:
		return transcriptSend(e.context(), sel, nil)
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
		case <-e.context().Done():
			return value{}, &stopped{context.Cause(e.context())}
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
