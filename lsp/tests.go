package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// SUnit from the editor: "Run test" and "Run tests" lenses and code actions
// over the test methods and classes of Tonel files, stui.runTests to run
// them in the image, and the outcome in place: a diagnostic on each failing
// test method (at the failing line, with the first frame of the stack that
// is in the workspace), a ✓ or ✗ after each test method's name, and a
// one-line summary, shown as a message only when something failed.

const (
	cmdRunTests        = "stui.runTests"
	sourceTest         = "stui test"
	codeActionKindTest = protocol.CodeActionKind("source.stui.test")
	testCaseClass      = "TestCase"
	// testClassLookupWait bounds the image lookups that decide whether a
	// class outside the workspace reaches TestCase, so lenses never wait
	// long on a slow image.
	testClassLookupWait = 2 * time.Second
	// imageSuperclassTTL is how long an image's answer about a superclass
	// is reused.
	imageSuperclassTTL = 30 * time.Second
)

// testState is what the server remembers of test runs.
type testState struct {
	mu sync.Mutex
	// status is the last outcome of each test, by "Class>>selector".
	status map[string]stuiproto.TestOutcome
	// superclass caches the image's answers for classes the workspace
	// does not define.
	superclass map[string]imageSuperclass
}

type imageSuperclass struct {
	name  string
	found bool
	at    time.Time
}

func newTestState() *testState {
	return &testState{status: map[string]stuiproto.TestOutcome{}, superclass: map[string]imageSuperclass{}}
}

func testKey(class, selector string) string { return class + ">>" + selector }

// isTestSelector is SUnit's rule (TestCase class>>testSelectors): a unary
// selector starting with "test".
func isTestSelector(sel string) bool {
	if !strings.HasPrefix(sel, "test") {
		return false
	}
	for _, r := range sel {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// isTestClass reports whether name's superclass chain reaches TestCase: from
// the workspace's definitions, then from the image for the classes the
// workspace does not define.
func (s *server) isTestClass(ctx context.Context, name string) bool {
	ctx, cancel := context.WithTimeout(ctx, testClassLookupWait)
	defer cancel()
	seen := map[string]bool{}
	for name != "" && !seen[name] {
		if name == testCaseClass {
			return true
		}
		seen[name] = true
		next, ok := s.superclassOf(ctx, name)
		if !ok {
			return false
		}
		name = next
	}
	return false
}

func (s *server) superclassOf(ctx context.Context, name string) (string, bool) {
	if f := s.classFacts(ctx, name, false); f.def != nil {
		return f.superclass, true
	}
	s.tests.mu.Lock()
	cached, ok := s.tests.superclass[name]
	s.tests.mu.Unlock()
	if ok && time.Since(cached.at) < imageSuperclassTTL {
		return cached.name, cached.found
	}
	if !s.image.available() {
		return "", false
	}
	info := s.imageClass(ctx, name)
	if info == nil && ctx.Err() != nil {
		return "", false // not an answer: ask again next time
	}
	answer := imageSuperclass{found: info != nil, at: time.Now()}
	if info != nil && info.Superclass != nil {
		answer.name = *info.Superclass
	}
	s.tests.mu.Lock()
	s.tests.superclass[name] = answer
	s.tests.mu.Unlock()
	return answer.name, answer.found
}

// testClassesIn names the classes of a Tonel file that are test classes.
func (s *server) testClassesIn(ctx context.Context, f *smalltalk.File) map[string]bool {
	out := map[string]bool{}
	if !f.Kind.IsTonel() {
		return out
	}
	for _, c := range f.Classes {
		if !out[c.Name] && s.isTestClass(ctx, c.Name) {
			out[c.Name] = true
		}
	}
	return out
}

func isTestMethod(m *smalltalk.Method, classes map[string]bool) bool {
	return classes[m.ClassName] && !m.ClassSide && isTestSelector(m.Selector) && m.SelectorRange.Len() > 0
}

// testLenses puts "Run tests" over each test class and "Run test" over each
// test method of a Tonel document.
func (s *server) testLenses(ctx context.Context, doc *document) []protocol.CodeLens {
	f := doc.file().File
	classes := s.testClassesIn(ctx, f)
	if len(classes) == 0 {
		return nil
	}
	lines := doc.lines()
	var out []protocol.CodeLens
	// A lens sits on the line where its target starts (the class's
	// definition, the method's header) and names the target by its name.
	lens := func(where, name smalltalk.Range, title string) {
		at := lines.rangeOf(name.Start, name.End, s.encoding)
		start := lines.position(where.Start, s.encoding)
		args, _ := json.Marshal(commandArgs{URI: doc.uri, Range: &at})
		out = append(out, protocol.CodeLens{Range: protocol.Range{Start: start, End: start},
			Command: protocol.Command{Title: title, Command: cmdRunTests, Arguments: []protocol.LSPAny{args}}})
	}
	for _, c := range f.Classes {
		if classes[c.Name] && !c.IsExtension && c.NameRange.Len() > 0 {
			where := c.DefRange
			if where.Len() == 0 {
				where = c.NameRange
			}
			lens(where, c.NameRange, "Run tests")
		}
	}
	for _, m := range f.Methods {
		if isTestMethod(m, classes) {
			lens(m.SelectorRange, m.SelectorRange, "Run test")
		}
	}
	return out
}

// testActions offers the same as the lenses for the test method or class
// at the cursor, for editors without lenses.
func (s *server) testActions(ctx context.Context, doc *document, start, end int) []protocol.CommandOrCodeAction {
	f := doc.file().File
	classes := s.testClassesIn(ctx, f)
	if len(classes) == 0 {
		return nil
	}
	lines := doc.lines()
	kind := codeActionKindTest
	var out []protocol.CommandOrCodeAction
	add := func(title string, r smalltalk.Range) {
		at := lines.rangeOf(r.Start, r.End, s.encoding)
		args, _ := json.Marshal(commandArgs{URI: doc.uri, Range: &at})
		out = append(out, &protocol.CodeAction{Title: title, Kind: &kind,
			Command: protocol.Command{Title: title, Command: cmdRunTests, Arguments: []protocol.LSPAny{args}}})
	}
	if m := f.MethodAt(start); m != nil && isTestMethod(m, classes) {
		add("Run test "+m.Selector, m.SelectorRange)
	}
	for _, c := range f.Classes {
		if classes[c.Name] && !c.IsExtension && c.NameRange.Len() > 0 {
			add("Run tests of "+c.Name, c.NameRange)
		}
	}
	return out
}

// testRunReport is stui.runTests's answer, for editor plugins that list the
// outcomes (a quickfix list, a compilation buffer, a test explorer).
type testRunReport struct {
	Summary    string           `json:"summary"`
	Passed     int              `json:"passed"`
	Failed     int              `json:"failed"`
	Errors     int              `json:"errors"`
	Skipped    int              `json:"skipped"`
	DurationMS int              `json:"duration_ms"`
	Results    []testReportItem `json:"results"`
	// TimedOut is set when the run passed its deadline: the results are
	// then the tests that finished, and the one that was running, as an
	// error.
	TimedOut *testRunTimeout `json:"timed_out,omitempty"`
}

// testRunTimeout says where a run that passed its deadline stopped.
type testRunTimeout struct {
	TimeoutMS int `json:"timeout_ms"`
	// Running is the test that was running, Class>>selector; "" when the
	// deadline passed between two tests.
	Running string `json:"running,omitempty"`
	NotRun  int    `json:"not_run"`
}

// testReportItem is one outcome with where to look: the failing line (the
// first frame of the stack in the workspace), else the test method.
type testReportItem struct {
	stuiproto.TestOutcome
	Location *protocol.Location `json:"location,omitempty"`
}

// runTests runs the tests that args name: {className, selectors?}, or
// {uri, range} on a test method (that test) or a test class (all of its).
func (s *server) runTests(ctx context.Context, args commandArgs) (*testRunReport, error) {
	class, selectors, doc, err := s.testTarget(ctx, args)
	if err != nil {
		return nil, err
	}
	if !s.image.available() {
		if _, err := s.image.handshake(ctx); err != nil {
			return nil, errNotConnected
		}
	}
	params := stuiproto.RunTestsParams{ClassName: class, Selectors: selectors, TimeoutMS: stuiproto.RunTestsDefaultTimeoutMS}
	what := class
	if len(selectors) == 1 {
		what = testKey(class, selectors[0])
	}
	// A run is one request: its progress is a begin and an end, out of 100
	// (which is also past startProgress's rule that short work shows none).
	prog := s.startProgress(ctx, "stui: running "+what, 100)
	requestID := newRequestID("lsp-tests-")
	callCtx, cancel := context.WithTimeout(stuiproto.WithRequestID(ctx, requestID), stuiproto.RunTestsCommand.Wait(params))
	defer cancel()
	defer s.interruptIfCancelled(ctx, requestID, "test run")()

	ws := s.sessions.forFolder(s.workspace.folderOf(doc))
	var res stuiproto.RunTestsResult
	err = ws.do(callCtx, func(id string) error {
		p := params
		p.SessionID = id
		return stuiproto.Call(callCtx, s.image, stuiproto.RunTestsCommand, p, &res)
	})
	if run := stuiproto.TimedOutRunOf(err); run != nil {
		report := s.recordTimedOutRun(ctx, what, params.TimeoutMS, run)
		prog.end(ctx, "timed out")
		s.tellUser(ctx, protocol.MessageTypeWarning, report.Summary)
		return report, nil
	}
	if err != nil {
		prog.end(ctx, "failed")
		var remote *stuiproto.RemoteError
		if errors.As(err, &remote) && remote.Type == stuiproto.ErrClassNotFound {
			// The editor knows the class; the image does not have it yet.
			return nil, jsonrpc2.NewError(codeImageError, remote.Type+": "+remote.Message+
				": save the file to compile it into the image, or load its package")
		}
		return nil, s.imageError(err)
	}
	report := s.recordTestRun(ctx, what, &res)
	prog.end(ctx, report.Summary)
	typ := protocol.MessageTypeInfo
	if res.Failed+res.Errors > 0 {
		typ = protocol.MessageTypeWarning
		s.tellUser(ctx, typ, report.Summary)
	} else {
		s.logToClient(ctx, typ, report.Summary)
	}
	return report, nil
}

// testTarget reads the class and selectors a stui.runTests names.
func (s *server) testTarget(ctx context.Context, args commandArgs) (string, []string, *document, error) {
	var doc *document
	if args.URI != "" {
		doc, _ = s.docs.get(args.URI)
	}
	class := args.ClassName
	if class == "" {
		class = args.LegacyClassName
	}
	if class != "" {
		return class, args.Selectors, doc, nil
	}
	if doc == nil || args.Range == nil {
		return "", nil, nil, errInvalidParams(`stui.runTests takes {"uri", "range"} in an open Tonel file or {"className", "selectors"}`)
	}
	f := doc.file().File
	start, _ := doc.lines().span(*args.Range, s.encoding)
	classes := s.testClassesIn(ctx, f)
	if m := f.MethodAt(start); m != nil && isTestMethod(m, classes) {
		return m.ClassName, []string{m.Selector}, doc, nil
	}
	for _, c := range f.Classes {
		if classes[c.Name] {
			return c.Name, nil, doc, nil
		}
	}
	return "", nil, doc, errInvalidParams("no test method or test class here: a test class's superclass chain must reach TestCase")
}

// workspaceMethod is a method of an indexed file.
type workspaceMethod struct {
	key  string
	file *smalltalk.File
	m    *smalltalk.Method
}

// findWorkspaceMethod finds class>>selector (or an inherited one, up the
// workspace's superclass chain) in the workspace. A class-side frame names
// its class "Foo class".
func (s *server) findWorkspaceMethod(ctx context.Context, class, selector string) (workspaceMethod, bool) {
	classSide := strings.HasSuffix(class, " class")
	class = strings.TrimSuffix(class, " class")
	seen := map[string]bool{}
	for class != "" && !seen[class] {
		seen[class] = true
		for _, l := range s.workspace.index.Implementors(selector) {
			if l.Class != class || l.ClassSide != classSide {
				continue
			}
			if f := s.indexedFile(l.URI); f != nil {
				if m := f.MethodAt(l.NameRange.Start); m != nil {
					return workspaceMethod{key: l.URI, file: f, m: m}, true
				}
			}
		}
		f := s.classFacts(ctx, class, false)
		if f.def == nil {
			break
		}
		class = f.superclass
	}
	return workspaceMethod{}, false
}

// lineIn is the span of a 1-based line of a method's source (line 1 is the
// pattern), within the method, trimmed of its indentation.
func (wm workspaceMethod) lineIn(line int) smalltalk.Range {
	if line < 1 {
		return wm.m.SelectorRange
	}
	first, _ := wm.file.LineCol(wm.m.SelectorRange.Start)
	start := wm.file.LineStart(first + line - 1)
	end := wm.file.LineStart(first + line)
	if end > wm.m.Range.End {
		end = wm.m.Range.End
	}
	if start < wm.m.SelectorRange.Start {
		start = wm.m.SelectorRange.Start
	}
	for start < end && (wm.file.Src[start] == ' ' || wm.file.Src[start] == '\t') {
		start++
	}
	for end > start && (wm.file.Src[end-1] == '\n' || wm.file.Src[end-1] == '\r' || wm.file.Src[end-1] == ' ') {
		end--
	}
	if start >= end {
		return wm.m.SelectorRange
	}
	return smalltalk.Range{Start: start, End: end}
}

// recordTestRun keeps each outcome for the hints, puts each failure on its
// test method as a diagnostic and clears those of tests that now pass.
// recordTimedOutRun records the tests that finished before the run's
// deadline like a run of only those, with the test that was running as an
// error at its method (a test past its own time limit is one in SUnit too).
func (s *server) recordTimedOutRun(ctx context.Context, what string, timeoutMS int, run *stuiproto.TimedOutRun) *testRunReport {
	res := run.RunTestsResult
	res.Results = slices.Clone(res.Results)
	timedOut := &testRunTimeout{TimeoutMS: timeoutMS, NotRun: run.NotRun}
	where := ""
	if run.Running != nil {
		timedOut.Running = testKey(run.Running.ClassName, run.Running.Selector)
		where = " in " + timedOut.Running
		res.Errors++
		res.Results = append(res.Results, stuiproto.TestOutcome{ClassName: run.Running.ClassName, Selector: run.Running.Selector,
			Status: stuiproto.TestError, Message: fmt.Sprintf("timed out: still running when the run passed its %d ms", timeoutMS)})
	}
	report := s.recordTestRun(ctx, what, &res)
	report.TimedOut = timedOut
	report.Summary += fmt.Sprintf("; timed out after %d ms%s, %d not run", timeoutMS, where, run.NotRun)
	return report
}

func (s *server) recordTestRun(ctx context.Context, what string, res *stuiproto.RunTestsResult) *testRunReport {
	report := &testRunReport{Passed: res.Passed, Failed: res.Failed, Errors: res.Errors, Skipped: res.Skipped,
		DurationMS: res.DurationMS, Results: []testReportItem{}}
	report.Summary = fmt.Sprintf("%s: %d passed, %d failed, %d errors, %d skipped (%d ms)",
		what, res.Passed, res.Failed, res.Errors, res.Skipped, res.DurationMS)
	touched := map[uri.URI]bool{}
	loc := s.newLocator()
	s.tests.mu.Lock()
	for _, o := range res.Results {
		s.tests.status[testKey(o.ClassName, o.Selector)] = o
	}
	s.tests.mu.Unlock()
	for _, o := range res.Results {
		item := testReportItem{TestOutcome: o}
		test, ok := s.findWorkspaceMethod(ctx, o.ClassName, o.Selector)
		if !ok {
			report.Results = append(report.Results, item)
			continue
		}
		u := editorURI(test.key)
		touched[u] = true
		s.diags.clearLive(u, sourceTest, test.m.Range.Start, test.m.Range.End)
		at := test.m.SelectorRange
		if o.Status == stuiproto.TestFail || o.Status == stuiproto.TestError {
			msg := o.Message
			first, firstIsTest := s.firstWorkspaceFrame(ctx, o)
			if firstIsTest {
				at = test.lineIn(first.line)
			} else if first.found {
				msg += fmt.Sprintf(" (at %s>>%s, line %d of %s)", first.frame.ClassName, first.frame.Selector,
					lineOfFile(first.wm, first.line), shortName(first.wm.key))
				if f := s.testMethodFrame(o); f != nil {
					at = test.lineIn(f.Line)
				}
			}
			severity := protocol.DiagnosticSeverityError
			label := "failed"
			if o.Status == stuiproto.TestError {
				label = "error"
			}
			s.diags.addLive(u, spanDiagnostic{anchored: anchored{at.Start, at.End}, severity: severity,
				source: sourceTest, code: label, message: o.Selector + " " + label + ": " + msg})
		}
		if l, ok := loc.at(test.key, at); ok {
			item.Location = &l
		}
		report.Results = append(report.Results, item)
	}
	for u := range touched {
		s.republish(ctx, u)
	}
	if s.caps.inlayHintRefresh {
		s.refreshInlayHints(ctx)
	}
	return report
}

type frameInWorkspace struct {
	frame stuiproto.TestFrame
	wm    workspaceMethod
	line  int
	found bool
}

// firstWorkspaceFrame is the innermost frame of a failure's stack whose
// method is in the workspace, and whether it is the test method itself.
func (s *server) firstWorkspaceFrame(ctx context.Context, o stuiproto.TestOutcome) (frameInWorkspace, bool) {
	for _, f := range o.Stack {
		wm, ok := s.findWorkspaceMethod(ctx, f.ClassName, f.Selector)
		if !ok {
			continue
		}
		isTest := f.Selector == o.Selector && (f.ClassName == o.ClassName || s.inherits(ctx, o.ClassName, f.ClassName))
		return frameInWorkspace{frame: f, wm: wm, line: f.Line, found: true}, isTest
	}
	return frameInWorkspace{}, false
}

// testMethodFrame is the frame of the test method itself in a stack.
func (s *server) testMethodFrame(o stuiproto.TestOutcome) *stuiproto.TestFrame {
	for i := len(o.Stack) - 1; i >= 0; i-- {
		if o.Stack[i].Selector == o.Selector {
			return &o.Stack[i]
		}
	}
	return nil
}

// inherits reports whether class has ancestor among its workspace superclasses.
func (s *server) inherits(ctx context.Context, class, ancestor string) bool {
	seen := map[string]bool{}
	for class != "" && !seen[class] {
		seen[class] = true
		if class == ancestor {
			return true
		}
		f := s.classFacts(ctx, class, false)
		if f.def == nil {
			return false
		}
		class = f.superclass
	}
	return false
}

func lineOfFile(wm workspaceMethod, line int) int {
	first, _ := wm.file.LineCol(wm.m.SelectorRange.Start)
	if line < 1 {
		return first
	}
	return first + line - 1
}

func shortName(key string) string {
	if i := strings.LastIndexAny(key, `/\`); i >= 0 {
		return key[i+1:]
	}
	return key
}

// testHints are the ✓ and ✗ after the names of the test methods whose last
// outcome is known.
func (s *server) testHints(doc *document, from, to int) []protocol.InlayHint {
	f := doc.file().File
	if !f.Kind.IsTonel() {
		return nil
	}
	lines := doc.lines()
	yes := true
	var out []protocol.InlayHint
	s.tests.mu.Lock()
	defer s.tests.mu.Unlock()
	for _, m := range f.Methods {
		if m.ClassSide || !isTestSelector(m.Selector) || m.SelectorRange.End < from || m.SelectorRange.End > to {
			continue
		}
		o, ok := s.tests.status[testKey(m.ClassName, m.Selector)]
		if !ok {
			continue
		}
		label, tip := "✓", fmt.Sprintf("passed in %d ms", o.DurationMS)
		switch o.Status {
		case stuiproto.TestFail, stuiproto.TestError:
			label, tip = "✗", o.Status+": "+o.Message
		case stuiproto.TestSkip:
			label, tip = "skipped", "skipped: "+o.Message
		}
		out = append(out, protocol.InlayHint{Position: lines.position(m.SelectorRange.End, s.encoding),
			Label: protocol.String(label), Tooltip: protocol.String(tip), PaddingLeft: &yes})
	}
	return out
}

// cmdListTests answers the workspace's test classes and their test methods,
// for a test explorer: those of one file with {uri}, else every file's.
const cmdListTests = "stui.listTests"

type testClassItem struct {
	ClassName string            `json:"class_name"`
	Location  protocol.Location `json:"location"`
	Tests     []testMethodItem  `json:"tests"`
}

type testMethodItem struct {
	Selector string            `json:"selector"`
	Location protocol.Location `json:"location"`
}

// listTests walks the index: each class defined or extended in the
// workspace whose superclass chain reaches TestCase, with the test methods
// of every file that defines or extends it.
func (s *server) listTests(ctx context.Context, args commandArgs) ([]testClassItem, error) {
	only := ""
	if args.URI != "" {
		only = indexKey(args.URI)
	}
	loc := s.newLocator()
	out := []testClassItem{}
	for _, name := range s.workspace.index.Classes() {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		defs := s.workspace.index.ClassDefinition(name)
		if len(defs) == 0 || !s.isTestClass(ctx, name) {
			continue
		}
		var item *testClassItem
		for _, d := range defs {
			if only != "" && d.URI != only {
				continue
			}
			f := s.indexedFile(d.URI)
			if f == nil {
				continue
			}
			if item == nil {
				l, ok := loc.at(d.URI, d.NameRange)
				if !ok {
					continue
				}
				item = &testClassItem{ClassName: name, Location: l, Tests: []testMethodItem{}}
			}
			for _, m := range f.Methods {
				if m.ClassName != name || m.ClassSide || !isTestSelector(m.Selector) {
					continue
				}
				if l, ok := loc.at(d.URI, m.SelectorRange); ok {
					item.Tests = append(item.Tests, testMethodItem{Selector: m.Selector, Location: l})
				}
			}
		}
		if item != nil {
			out = append(out, *item)
		}
	}
	return out, nil
}
