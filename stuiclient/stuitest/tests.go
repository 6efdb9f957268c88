package stuitest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// The Backend models SUnit closely enough that every test status comes from
// running a test method's source, not from a table of answers:
//
//   - A test class is a class whose superclass chain reaches TestCase (which
//     NewBackend defines, abstract as in SUnit). Its tests are its unary
//     instance methods whose selector starts with "test", sorted; a class
//     with none of its own, or whose superclass is TestCase, also gets its
//     superclasses' (SUnit's allTestSelectors and shouldInheritSelectors).
//   - A test method's body runs statement by statement in the evaluator of
//     eval.go, with self answering assert:, assert:equals:, deny:, fail,
//     fail:, skip, skip:, error:, halt and timeLimit: (a Duration, such as
//     200 milliSeconds). A failed assertion is a fail, skip a skip, anything
//     the evaluator signals (1 / 0, an unknown message, Error signal: 'x')
//     an error, and a test still running at its time limit (10 s unless it
//     sent timeLimit:) an error TestTookTooMuchTime, as SUnit's watchdog
//     makes it; the next test runs either way.
//   - The run has its deadline (timeout_ms) and answers Timeout past it,
//     with the tests that finished, the one that was running and how many
//     never started in the details (1.3), and Interrupted when an interrupt
//     names its request or session.
//   - Each stack frame names the class and selector and the 1-based line in
//     the method's source: Pharo 13's frames above a failed assertion,
//     the receiver's class above an error, then the test method at the line
//     of the statement that failed.

// testCaseClass is SUnit's root test class.
const testCaseClass = "TestCase"

// defaultTestTimeLimit is TestCase class>>defaultTimeLimit.
const defaultTestTimeLimit = 10 * time.Second

var errTookTooMuchTime = errors.New("TestTookTooMuchTime")

// testFailure is a failed assertion (TestFailure in SUnit).
type testFailure struct {
	msg      string
	selector string // the assertion the test sent
}

func (f *testFailure) Error() string { return f.msg }

// testSkipped is a test that skipped itself (TestSkipped).
type testSkipped struct{ msg string }

func (s *testSkipped) Error() string { return s.msg }

// testCase is one test to run, copied out of the classes under b.mu.
type testCase struct {
	class, selector string
	source          string
	found           bool
}

// isTestClass reports whether name's superclass chain reaches TestCase,
// under b.mu.
func (b *Backend) isTestClass(name string) bool {
	for c, seen := b.classes[name], 0; c != nil && seen < 100; c, seen = b.classes[c.Superclass], seen+1 {
		if c.Name == testCaseClass {
			return true
		}
	}
	return false
}

func ownTestSelectors(c *ClassFixture) []string {
	var sels []string
	for _, m := range c.Methods {
		if !m.ClassSide && strings.HasPrefix(m.Selector, "test") && !strings.ContainsAny(m.Selector, ":") && isUnary(m.Selector) {
			sels = append(sels, m.Selector)
		}
	}
	return sels
}

func isUnary(sel string) bool {
	for _, r := range sel {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// testSelectors is SUnit's allTestSelectors for a test class, under b.mu.
func (b *Backend) testSelectors(c *ClassFixture) []string {
	set := map[string]bool{}
	for _, s := range ownTestSelectors(c) {
		set[s] = true
	}
	if c.Superclass == testCaseClass || len(set) == 0 {
		for p := b.classes[c.Superclass]; p != nil && p.Name != testCaseClass; p = b.classes[p.Superclass] {
			for _, s := range ownTestSelectors(p) {
				set[s] = true
			}
		}
	}
	return sortedKeys(set)
}

// lookupMethod finds a unary instance method by selector in c or its
// superclasses, under b.mu.
func (b *Backend) lookupMethod(c *ClassFixture, sel string) *MethodFixture {
	for seen := 0; c != nil && seen < 100; c, seen = b.classes[c.Superclass], seen+1 {
		if m := c.method(sel, false); m != nil {
			return m
		}
	}
	return nil
}

// testsToRun resolves run_tests's parameters into test cases, under b.mu.
func (b *Backend) testsToRun(p *stuiproto.RunTestsParams) ([]testCase, error) {
	var classes []*ClassFixture
	switch {
	case p.ClassName != "":
		c, ok := b.classes[p.ClassName]
		if !ok {
			return nil, perr(stuiproto.ErrClassNotFound, "No class named %s", p.ClassName)
		}
		if !b.isTestClass(c.Name) {
			return nil, perr(stuiproto.ErrInvalidRequest, "%s is not a TestCase subclass", c.Name)
		}
		classes = append(classes, c)
	case p.Package != "":
		for _, c := range b.classes {
			if c.Package == p.Package && c.Name != testCaseClass && b.isTestClass(c.Name) {
				classes = append(classes, c)
			}
		}
		if len(classes) == 0 {
			return nil, perr(stuiproto.ErrClassNotFound, "No test class in package %s", p.Package)
		}
		sort.Slice(classes, func(i, j int) bool { return classes[i].Name < classes[j].Name })
	default:
		return nil, perr(stuiproto.ErrInvalidRequest, "Missing parameter: class_name or package")
	}
	var cases []testCase
	for _, c := range classes {
		sels := p.Selectors
		if len(sels) == 0 || p.ClassName == "" {
			sels = b.testSelectors(c)
		}
		for _, sel := range sels {
			tc := testCase{class: c.Name, selector: sel}
			if m := b.lookupMethod(c, sel); m != nil {
				tc.source, tc.found = m.Source, true
			}
			cases = append(cases, tc)
		}
	}
	return cases, nil
}

// runTests answers run_tests.
func (b *Backend) runTests(ctx context.Context, id string, p *stuiproto.RunTestsParams) *stuiproto.Reply {
	b.mu.Lock()
	if p.SessionID != "" {
		if _, err := b.session(b.now(), p.SessionID, true); err != nil {
			b.mu.Unlock()
			return errReply(id, err)
		}
	}
	cases, err := b.testsToRun(p)
	if err != nil {
		b.mu.Unlock()
		return errReply(id, err)
	}
	timeoutMS := p.TimeoutMS
	if timeoutMS <= 0 {
		timeoutMS = stuiproto.RunTestsDefaultTimeoutMS
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ctx, cancelT := context.WithTimeoutCause(ctx, time.Duration(timeoutMS)*time.Millisecond, errTimedOut)
	defer cancelT()
	re := &runningEval{requestID: id, sessionID: p.SessionID, cancel: cancel}
	b.running[re] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.running, re)
		b.mu.Unlock()
	}()

	start := time.Now()
	r := stuiproto.RunTestsResult{Results: []stuiproto.TestOutcome{}}
	stoppedAt := func(i int, running *testCase) *stuiproto.Reply {
		if errors.Is(context.Cause(ctx), errInterrupted) {
			return ErrorReply(id, stuiproto.ErrInterrupted, "Tests interrupted")
		}
		if !errors.Is(context.Cause(ctx), errTimedOut) {
			return ErrorReply(id, stuiproto.ErrInterrupted, "Tests stopped: the image is shutting down")
		}
		rep := ErrorReply(id, stuiproto.ErrTimeout, fmt.Sprintf("Tests exceeded %d ms and were stopped", timeoutMS))
		r.DurationMS = int(time.Since(start).Milliseconds())
		run := &stuiproto.TimedOutRun{RunTestsResult: r, NotRun: len(cases) - i}
		if running != nil {
			run.Running = &stuiproto.TestRef{ClassName: running.class, Selector: running.selector}
			run.NotRun--
		}
		rep.Details = &stuiproto.ErrorDetails{TimedOutRun: run}
		return rep
	}
	for i, tc := range cases {
		if ctx.Err() != nil {
			return stoppedAt(i, nil)
		}
		out := runTestCase(ctx, tc)
		if ctx.Err() != nil {
			return stoppedAt(i, &tc)
		}
		switch out.Status {
		case stuiproto.TestPass:
			r.Passed++
		case stuiproto.TestFail:
			r.Failed++
		case stuiproto.TestError:
			r.Errors++
		case stuiproto.TestSkip:
			r.Skipped++
		}
		r.Results = append(r.Results, out)
	}
	r.DurationMS = int(time.Since(start).Milliseconds())
	return Success(id, r)
}

// runTestCase runs one test under its own time limit, inside the run's ctx.
func runTestCase(runCtx context.Context, tc testCase) (out stuiproto.TestOutcome) {
	out = stuiproto.TestOutcome{ClassName: tc.class, Selector: tc.selector}
	start := time.Now()
	defer func() { out.DurationMS = int(time.Since(start).Milliseconds()) }()
	if !tc.found {
		out.Status, out.Message = stuiproto.TestError, fmt.Sprintf("%s>>#%s", tc.class, tc.selector)
		out.Stack = []stuiproto.TestFrame{{ClassName: tc.class, Selector: tc.selector}}
		return out
	}
	ctx, cancel := context.WithCancelCause(runCtx)
	defer cancel(nil)
	limit := time.AfterFunc(defaultTestTimeLimit, func() { cancel(errTookTooMuchTime) })
	defer limit.Stop()

	line, err := runTestBody(ctx, tc, func(sel string, args []value) (value, error) {
		return testAsserter(tc.class, sel, args, limit)
	})
	var f *testFailure
	var s *testSkipped
	var re *runtimeError
	var st *stopped
	here := stuiproto.TestFrame{ClassName: tc.class, Selector: tc.selector, Line: line}
	switch {
	case err == nil:
		out.Status = stuiproto.TestPass
	case errors.As(err, &f):
		out.Status, out.Message = stuiproto.TestFail, f.msg
		out.Stack = append(assertionFrames(f.selector), here)
	case errors.As(err, &s):
		out.Status, out.Message = stuiproto.TestSkip, s.msg
	case errors.As(err, &st) && errors.Is(st.cause, errTookTooMuchTime):
		out.Status, out.Message = stuiproto.TestError, "TestTookTooMuchTime"
		out.Stack = []stuiproto.TestFrame{here}
	case errors.As(err, &re):
		out.Status, out.Message = stuiproto.TestError, re.msg
		if re.class == "MessageNotUnderstood" || re.class == "ZeroDivide" {
			out.Stack = []stuiproto.TestFrame{{ClassName: receiverClassOf(re), Selector: selectorOf(re), Line: 1}, here}
		} else {
			out.Stack = []stuiproto.TestFrame{here}
		}
	default:
		out.Status, out.Message = stuiproto.TestError, err.Error()
		out.Stack = []stuiproto.TestFrame{here}
	}
	return out
}

// assertionFrames are the frames between a test method and the signal of a
// failed assertion, innermost first, with the lines of Pharo 13's
// TestAsserter and Object (src/SUnit-Core/TestAsserter.class.st,
// src/Kernel/Object.class.st): every assertion ends in
// assert:description:resumable:, which signals TestFailure.
func assertionFrames(selector string) []stuiproto.TestFrame {
	signal := []stuiproto.TestFrame{{ClassName: "TestAsserter", Selector: "assert:description:resumable:", Line: 19}}
	viaAssert := append(signal, stuiproto.TestFrame{ClassName: "TestAsserter", Selector: "assert:description:", Line: 6},
		stuiproto.TestFrame{ClassName: "Object", Selector: "assert:", Line: 6})
	switch selector {
	case "assert:equals:":
		return append(signal, stuiproto.TestFrame{ClassName: "TestAsserter", Selector: "assert:description:", Line: 6},
			stuiproto.TestFrame{ClassName: "TestAsserter", Selector: "assert:equals:", Line: 6})
	case "assert:":
		return viaAssert
	case "fail":
		return append(viaAssert, stuiproto.TestFrame{ClassName: "TestAsserter", Selector: "fail", Line: 4})
	case "fail:":
		return append(signal, stuiproto.TestFrame{ClassName: "TestAsserter", Selector: "assert:description:", Line: 6},
			stuiproto.TestFrame{ClassName: "TestAsserter", Selector: "fail:", Line: 4})
	case "deny:":
		return append(signal, stuiproto.TestFrame{ClassName: "TestAsserter", Selector: "deny:description:resumable:", Line: 6},
			stuiproto.TestFrame{ClassName: "TestAsserter", Selector: "deny:description:", Line: 4},
			stuiproto.TestFrame{ClassName: "TestAsserter", Selector: "deny:", Line: 3})
	}
	return signal
}

// receiverClassOf and selectorOf read the innermost frame of a runtime
// error's stack trace, "Class>>selector" or "Class(Owner)>>selector".
func receiverClassOf(re *runtimeError) string {
	if len(re.stack) == 0 {
		return "UndefinedObject"
	}
	cls, _, _ := strings.Cut(re.stack[0], ">>")
	if i := strings.Index(cls, "("); i >= 0 {
		cls = strings.TrimSuffix(cls[i+1:], ")")
	}
	return cls
}

func selectorOf(re *runtimeError) string {
	if len(re.stack) == 0 {
		return "DoIt"
	}
	_, sel, _ := strings.Cut(re.stack[0], ">>")
	return strings.TrimPrefix(sel, "#")
}

// testAsserter answers what a test method sends to self.
func testAsserter(class, sel string, args []value, limit *time.Timer) (value, error) {
	self := value{kind: kSelf, s: class}
	switch {
	case sel == "assert:" && len(args) == 1:
		if args[0].kind == kBool && args[0].b {
			return self, nil
		}
		return value{}, &testFailure{"Assertion failed", sel}
	case sel == "deny:" && len(args) == 1:
		if args[0].kind == kBool && !args[0].b {
			return self, nil
		}
		return value{}, &testFailure{"Denial failed", sel}
	case sel == "assert:equals:" && len(args) == 2:
		if args[0].equal(args[1]) {
			return self, nil
		}
		return value{}, &testFailure{fmt.Sprintf("Got %s instead of %s.", args[0].printString(), args[1].printString()), sel}
	case sel == "fail" && len(args) == 0:
		return value{}, &testFailure{"Assertion failed", sel}
	case sel == "fail:" && len(args) == 1 && args[0].kind == kString:
		return value{}, &testFailure{args[0].s, sel}
	case sel == "skip" && len(args) == 0:
		return value{}, &testSkipped{"TestSkipped"}
	case sel == "skip:" && len(args) == 1 && args[0].kind == kString:
		return value{}, &testSkipped{args[0].s}
	case sel == "error:" && len(args) == 1 && args[0].kind == kString:
		return value{}, &runtimeError{"Error", args[0].s, []string{class + "(Object)>>error:"}}
	case sel == "halt" && len(args) == 0:
		return value{}, &runtimeError{"Halt", "Halt", []string{class + "(Object)>>halt"}}
	case sel == "timeLimit:" && len(args) == 1 && args[0].kind == kDuration:
		limit.Reset(time.Duration(args[0].i) * time.Millisecond)
		return self, nil
	}
	return value{}, &runtimeError{"MessageNotUnderstood", fmt.Sprintf("%s>>#%s", class, sel),
		[]string{class + "(Object)>>doesNotUnderstand: #" + sel}}
}

// runTestBody runs a test method's statements in order and answers the
// line, in the method's source, of the statement that stopped it.
func runTestBody(ctx context.Context, tc testCase, self func(string, []value) (value, error)) (int, error) {
	pm, err := parseMethod(tc.source)
	if err != nil {
		return 1, err
	}
	e := &evaluator{ctx: ctx, file: pm.file, vars: map[string]value{}, self: self}
	for _, stmt := range pm.method.Statements() {
		if _, err := e.eval(stmt); err != nil {
			var ret *returned
			if errors.As(err, &ret) {
				return 1, nil
			}
			line, _ := pm.file.LineCol(stmt.Span().Start)
			return line, err
		}
	}
	return 1, nil
}
