package lsp

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

const shopTestSource = `"Tests of the shop"
⟦def⟧Class {
	#name : #⟦cls⟧ShopTest,
	#superclass : #ShopBaseTest,
	#category : #'Shop-Tests'
}

{ #category : #tests }
ShopTest >> ⟦total⟧testTotal [
	self assert: 3 + 4 equals: 7
]

{ #category : #tests }
ShopTest >> ⟦fails⟧testFails [
	| cart |
	⟦failLine⟧self assert: 3 + 4 equals: 8
]

{ #category : #helpers }
ShopTest >> ⟦helper⟧helper [
	^ 1
]
`

const shopBaseTestSource = `Class {
	#name : #ShopBaseTest,
	#superclass : #TestCase,
	#category : #'Shop-Tests'
}
`

const shopSource = `Class {
	#name : #Shop,
	#superclass : #Object,
	#category : #'Shop'
}

{ #category : #accessing }
Shop >> testLike [
	^ 1
]
`

// testImage answers run_tests with the outcomes a test sets, and records
// the parameters.
type testImage struct {
	*fakeImage
	mu       sync.Mutex
	outcomes map[string]stuiproto.TestOutcome
}

func newTestImage() *testImage {
	ti := &testImage{fakeImage: newFakeImage(), outcomes: map[string]stuiproto.TestOutcome{}}
	ti.on(stuiproto.CmdRunTests, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.RunTestsParams
		json.Unmarshal(raw, &p)
		ti.mu.Lock()
		defer ti.mu.Unlock()
		r := stuiproto.RunTestsResult{Results: []stuiproto.TestOutcome{}}
		for _, sel := range p.Selectors {
			o := ti.outcomes[sel]
			r.Results = append(r.Results, o)
			switch o.Status {
			case stuiproto.TestPass:
				r.Passed++
			case stuiproto.TestFail:
				r.Failed++
			}
		}
		return r, nil
	})
	return ti
}

func (ti *testImage) set(o stuiproto.TestOutcome) {
	ti.mu.Lock()
	ti.outcomes[o.Selector] = o
	ti.mu.Unlock()
}

func failing(sel string, line int) stuiproto.TestOutcome {
	return stuiproto.TestOutcome{ClassName: "ShopTest", Selector: sel, Status: stuiproto.TestFail, Message: "Got 7 instead of 8.",
		Stack: []stuiproto.TestFrame{{ClassName: "TestAsserter", Selector: "assert:equals:", Line: 5}, {ClassName: "ShopTest", Selector: sel, Line: line}}}
}

func (e *editor) hints(u uri.URI) []protocol.InlayHint {
	e.t.Helper()
	var hints []protocol.InlayHint
	r := protocol.Range{Start: protocol.Position{}, End: protocol.Position{Line: 1000}}
	if err := e.call("textDocument/inlayHint", &protocol.InlayHintParams{TextDocument: td(u), Range: r}, &hints); err != nil {
		e.t.Fatal(err)
	}
	return hints
}

func TestRunTestFromItsLensShowsTheFailureAtItsLineThenClearsIt(t *testing.T) {
	src, at := markers(shopTestSource)
	folder := writeFolder(t, map[string]string{"ShopTest.class.st": src, "ShopBaseTest.class.st": shopBaseTestSource, "Shop.class.st": shopSource})
	u := uri.File(filepath.Join(folder, "ShopTest.class.st"))
	img := newTestImage()
	e := startEditor(t, editorOptions{folder: folder, image: img})
	e.waitIndexed(3)
	e.openURI(u, src)

	lenses := e.codeLenses(u)
	byLine := map[uint32]string{}
	var failLens protocol.CodeLens
	for _, l := range lenses {
		if l.Command.Command == cmdRunTests {
			byLine[l.Range.Start.Line] = l.Command.Title
			if l.Range.Start.Line == at["fails"].Line {
				failLens = l
			}
		}
	}
	want := map[uint32]string{at["def"].Line: "Run tests", at["total"].Line: "Run test", at["fails"].Line: "Run test"}
	if len(byLine) != len(want) {
		t.Fatalf("test lenses by line %v, want %v (none on helper, whose selector is no test's)", byLine, want)
	}
	for line, title := range want {
		if byLine[line] != title {
			t.Errorf("line %d: lens %q, want %q", line, byLine[line], title)
		}
	}

	img.set(failing("testFails", 3))
	var report testRunReport
	if err := e.executeCommand(cmdRunTests, json.RawMessage(failLens.Command.Arguments[0]), &report); err != nil {
		t.Fatal(err)
	}
	if report.Failed != 1 || len(report.Results) != 1 || report.Results[0].Location == nil ||
		report.Results[0].Location.Range.Start != at["failLine"] {
		t.Fatalf("report %+v, want one failure located at %v", report, at["failLine"])
	}
	diags := e.latestDiagnostics(u, func(d []protocol.Diagnostic) bool {
		if len(d) != 1 {
			return false
		}
		src, _ := d[0].Source.Get()
		return src == sourceTest
	})
	if diags[0].Range.Start != at["failLine"] || !strings.Contains(string(diags[0].Message.(protocol.String)), "Got 7 instead of 8.") {
		t.Errorf("diagnostic %+v, want the assertion's message on its line %v", diags[0], at["failLine"])
	}
	e.waitFor(protocol.MethodWindowShowMessage, func(raw json.RawMessage) bool {
		return strings.Contains(string(raw), "ShopTest>>testFails: 0 passed, 1 failed")
	})
	if h := e.hints(u); len(h) != 1 || h[0].Label.(protocol.String) != "✗" || h[0].Position.Line != at["fails"].Line {
		t.Errorf("hints %+v, want one ✗ after testFails", h)
	}

	img.set(stuiproto.TestOutcome{ClassName: "ShopTest", Selector: "testFails", Status: stuiproto.TestPass})
	shown := len(e.pushedOf(protocol.MethodWindowShowMessage))
	if err := e.executeCommand(cmdRunTests, map[string]any{"className": "ShopTest", "selectors": []string{"testFails"}}, &report); err != nil {
		t.Fatal(err)
	}
	e.latestDiagnostics(u, func(d []protocol.Diagnostic) bool { return len(d) == 0 })
	if h := e.hints(u); len(h) != 1 || h[0].Label.(protocol.String) != "✓" {
		t.Errorf("hints %+v, want ✓ after testFails once it passes", h)
	}
	if n := len(e.pushedOf(protocol.MethodWindowShowMessage)); n != shown {
		t.Errorf("a run where everything passed showed a message")
	}
	calls := img.callsOf(stuiproto.CmdRunTests)
	var last stuiproto.RunTestsParams
	json.Unmarshal(calls[len(calls)-1], &last)
	if last.ClassName != "ShopTest" || len(last.Selectors) != 1 || last.Selectors[0] != "testFails" || last.SessionID == "" {
		t.Errorf("run_tests sent %+v, want ShopTest>>testFails in the workspace session", last)
	}
}

func TestListTestsNamesTheWorkspacesTestClassesAndMethods(t *testing.T) {
	src, at := markers(shopTestSource)
	folder := writeFolder(t, map[string]string{"ShopTest.class.st": src, "ShopBaseTest.class.st": shopBaseTestSource, "Shop.class.st": shopSource})
	e := startEditor(t, editorOptions{folder: folder, image: newTestImage()})
	e.waitIndexed(3)
	var items []testClassItem
	if err := e.executeCommand(cmdListTests, map[string]any{}, &items); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range items {
		for _, m := range c.Tests {
			got = append(got, c.ClassName+">>"+m.Selector)
			if m.Selector == "testFails" && m.Location.Range.Start != at["fails"] {
				t.Errorf("testFails at %v, want %v", m.Location.Range.Start, at["fails"])
			}
		}
		if c.ClassName != "ShopTest" && c.ClassName != "ShopBaseTest" {
			t.Errorf("%s listed as a test class", c.ClassName)
		}
	}
	if strings.Join(got, " ") != "ShopTest>>testTotal ShopTest>>testFails" {
		t.Errorf("tests %v, want ShopTest's two (not Shop>>testLike, not the helper)", got)
	}
}

func TestCodeActionsOfferTheTestsAtTheCursor(t *testing.T) {
	src, at := markers(shopTestSource)
	folder := writeFolder(t, map[string]string{"ShopTest.class.st": src, "ShopBaseTest.class.st": shopBaseTestSource, "Shop.class.st": shopSource})
	u := uri.File(filepath.Join(folder, "ShopTest.class.st"))
	e := startEditor(t, editorOptions{folder: folder, image: newTestImage()})
	e.waitIndexed(3)
	e.openURI(u, src)
	var actions []protocol.CodeAction
	p := &protocol.CodeActionParams{TextDocument: td(u), Range: protocol.Range{Start: at["failLine"], End: at["failLine"]}}
	if err := e.call("textDocument/codeAction", p, &actions); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, a := range actions {
		if a.Command.Command == cmdRunTests {
			titles = append(titles, a.Title)
		}
	}
	if strings.Join(titles, "|") != "Run test testFails|Run tests of ShopTest" {
		t.Errorf("test actions %q", titles)
	}

	shop := uri.File(filepath.Join(folder, "Shop.class.st"))
	e.openURI(shop, shopSource)
	if lenses := e.codeLenses(shop); len(lenses) > 0 {
		for _, l := range lenses {
			if l.Command.Command == cmdRunTests {
				t.Errorf("a class that is not a TestCase got a test lens: %+v", l)
			}
		}
	}
}

func TestATestClassWhoseChainLeavesTheWorkspaceIsFoundThroughTheImage(t *testing.T) {
	const src = `Class {
	#name : #KioskTest,
	#superclass : #ShopImageTestCase,
	#category : #'Kiosk-Tests'
}

{ #category : #tests }
KioskTest >> testOpens [
	self assert: true
]
`
	folder := writeFolder(t, map[string]string{"KioskTest.class.st": src})
	u := uri.File(filepath.Join(folder, "KioskTest.class.st"))
	img := newTestImage()
	img.on(stuiproto.CmdBrowseClass, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.BrowseClassParams
		json.Unmarshal(raw, &p)
		super := map[string]string{"ShopImageTestCase": "TestCase"}[p.ClassName]
		if super == "" {
			return nil, &stuiproto.RemoteError{Command: stuiproto.CmdBrowseClass, Type: stuiproto.ErrClassNotFound, Message: "No class named " + p.ClassName}
		}
		return stuiproto.BrowseClassResult{ClassInfo: stuiproto.ClassInfo{Name: p.ClassName, Superclass: &super}}, nil
	})
	img.set(stuiproto.TestOutcome{ClassName: "KioskTest", Selector: "testOpens", Status: stuiproto.TestPass, DurationMS: 3})
	e := startEditor(t, editorOptions{folder: folder, image: img, initialize: func(p *protocol.InitializeParams) {
		yes := true
		p.Capabilities.Window.WorkDoneProgress = &yes
	}})
	e.waitIndexed(1)
	e.openURI(u, src)
	var lens *protocol.CodeLens
	for _, l := range e.codeLenses(u) {
		if l.Command.Title == "Run test" {
			lens = &l
		}
	}
	if lens == nil {
		t.Fatal("no Run test lens: the image says ShopImageTestCase's superclass is TestCase")
	}
	var report testRunReport
	if err := e.executeCommand(cmdRunTests, json.RawMessage(lens.Command.Arguments[0]), &report); err != nil {
		t.Fatal(err)
	}
	e.waitFor(protocol.MethodProgress, func(raw json.RawMessage) bool {
		return strings.Contains(string(raw), `"begin"`) && strings.Contains(string(raw), "running KioskTest>>testOpens")
	})
	e.waitFor(protocol.MethodProgress, func(raw json.RawMessage) bool {
		return strings.Contains(string(raw), `"end"`) && strings.Contains(string(raw), "1 passed, 0 failed")
	})
	e.waitFor(protocol.MethodWindowLogMessage, func(raw json.RawMessage) bool {
		return strings.Contains(string(raw), "KioskTest>>testOpens: 1 passed")
	})
}

func TestAFailureInAWorkspaceHelperNamesItsLine(t *testing.T) {
	src, at := markers(shopTestSource)
	const shop = `Class {
	#name : #Shop,
	#superclass : #Object,
	#category : #'Shop'
}

{ #category : #accessing }
Shop >> total [
	^ 1 / 0
]
`
	folder := writeFolder(t, map[string]string{"ShopTest.class.st": src, "ShopBaseTest.class.st": shopBaseTestSource, "Shop.class.st": shop})
	u := uri.File(filepath.Join(folder, "ShopTest.class.st"))
	img := newTestImage()
	img.set(stuiproto.TestOutcome{ClassName: "ShopTest", Selector: "testTotal", Status: stuiproto.TestError, Message: "ZeroDivide",
		Stack: []stuiproto.TestFrame{{ClassName: "SmallInteger", Selector: "/", Line: 3}, {ClassName: "Shop", Selector: "total", Line: 2},
			{ClassName: "ShopTest", Selector: "testTotal", Line: 2}}})
	e := startEditor(t, editorOptions{folder: folder, image: img})
	e.waitIndexed(3)
	e.openURI(u, src)
	if err := e.executeCommand(cmdRunTests, map[string]any{"className": "ShopTest", "selectors": []string{"testTotal"}}, nil); err != nil {
		t.Fatal(err)
	}
	diags := e.latestDiagnostics(u, func(d []protocol.Diagnostic) bool { return len(d) == 1 })
	msg := string(diags[0].Message.(protocol.String))
	if !strings.Contains(msg, "ZeroDivide") || !strings.Contains(msg, "Shop>>total, line 9 of Shop.class.st") {
		t.Errorf("message %q, want the error and the helper's line in the workspace", msg)
	}
	if want := (protocol.Position{Line: at["total"].Line + 1, Character: 1}); diags[0].Range.Start != want {
		t.Errorf("diagnostic at %v, want on the test's failing line %v", diags[0].Range.Start, want)
	}
}

func TestRunTestsTakesClassNameAndItsFirstSpelling(t *testing.T) {
	img := newTestImage()
	img.set(stuiproto.TestOutcome{ClassName: "ShopTest", Selector: "testTotal", Status: stuiproto.TestPass})
	img.set(stuiproto.TestOutcome{ClassName: "LegacyTest", Selector: "testOld", Status: stuiproto.TestPass})
	e := startEditor(t, editorOptions{image: img})
	for _, tc := range []struct{ key, class, selector string }{{"className", "ShopTest", "testTotal"}, {"class_name", "LegacyTest", "testOld"}} {
		var report testRunReport
		if err := e.executeCommand(cmdRunTests, map[string]any{tc.key: tc.class, "selectors": []string{tc.selector}}, &report); err != nil {
			t.Fatalf("{%q: %q}: %v", tc.key, tc.class, err)
		}
		calls := img.callsOf(stuiproto.CmdRunTests)
		var sent stuiproto.RunTestsParams
		json.Unmarshal(calls[len(calls)-1], &sent)
		if sent.ClassName != tc.class || report.Passed != 1 {
			t.Errorf("{%q: %q} ran %q and passed %d, want %s's one test", tc.key, tc.class, sent.ClassName, report.Passed, tc.class)
		}
	}
	err := e.executeCommand(cmdRunTests, map[string]any{}, nil)
	if err == nil || !strings.Contains(err.Error(), `"className"`) {
		t.Errorf("stui.runTests without a class = %v, want an error that names className", err)
	}
}

func TestARunPastItsDeadlineKeepsTheTestsThatFinished(t *testing.T) {
	src, at := markers(shopTestSource)
	folder := writeFolder(t, map[string]string{"ShopTest.class.st": src, "ShopBaseTest.class.st": shopBaseTestSource})
	u := uri.File(filepath.Join(folder, "ShopTest.class.st"))
	img := newTestImage()
	img.on(stuiproto.CmdRunTests, func(context.Context, json.RawMessage) (any, error) {
		return nil, &stuiproto.RemoteError{Command: stuiproto.CmdRunTests, Type: stuiproto.ErrTimeout, Message: "Tests exceeded 60000 ms and were stopped",
			Details: &stuiproto.ErrorDetails{TimedOutRun: &stuiproto.TimedOutRun{
				RunTestsResult: stuiproto.RunTestsResult{Passed: 1, DurationMS: 60004, Results: []stuiproto.TestOutcome{
					{ClassName: "ShopTest", Selector: "testTotal", Status: stuiproto.TestPass}}},
				Running: &stuiproto.TestRef{ClassName: "ShopTest", Selector: "testFails"},
				NotRun:  2,
			}}}
	})
	e := startEditor(t, editorOptions{folder: folder, image: img})
	e.waitIndexed(2)
	e.openURI(u, src)
	var report testRunReport
	if err := e.executeCommand(cmdRunTests, map[string]any{"className": "ShopTest"}, &report); err != nil {
		t.Fatalf("a run that timed out with results answered %v, want its report", err)
	}
	if report.TimedOut == nil || report.TimedOut.Running != "ShopTest>>testFails" || report.TimedOut.NotRun != 2 || report.TimedOut.TimeoutMS != stuiproto.RunTestsDefaultTimeoutMS {
		t.Errorf("timed_out %+v, want ShopTest>>testFails running and 2 not run", report.TimedOut)
	}
	if report.Passed != 1 || report.Errors != 1 || len(report.Results) != 2 || report.Results[1].Status != stuiproto.TestError {
		t.Errorf("report %+v, want the finished test passed and the running one an error", report)
	}
	if !strings.Contains(report.Summary, "timed out after 60000 ms in ShopTest>>testFails, 2 not run") {
		t.Errorf("summary %q, want where the run stopped", report.Summary)
	}
	diags := e.latestDiagnostics(u, func(d []protocol.Diagnostic) bool { return len(d) == 1 })
	if diags[0].Range.Start.Line != at["fails"].Line || !strings.Contains(string(diags[0].Message.(protocol.String)), "timed out") {
		t.Errorf("diagnostic %+v, want the timeout at testFails", diags[0])
	}
	if h := e.hints(u); len(h) != 2 || h[0].Label.(protocol.String) != "✓" || h[1].Label.(protocol.String) != "✗" {
		t.Errorf("hints %+v, want ✓ after testTotal and ✗ after testFails", h)
	}
	e.waitFor(protocol.MethodWindowShowMessage, func(raw json.RawMessage) bool { return strings.Contains(string(raw), "timed out") })
}

func TestRunningAClassTheImageLacksSaysHowToGetItThere(t *testing.T) {
	img := newTestImage()
	img.on(stuiproto.CmdRunTests, func(context.Context, json.RawMessage) (any, error) {
		return nil, &stuiproto.RemoteError{Command: stuiproto.CmdRunTests, Type: stuiproto.ErrClassNotFound, Message: "No class named ShopTest"}
	})
	e := startEditor(t, editorOptions{image: img})
	err := e.executeCommand(cmdRunTests, map[string]any{"className": "ShopTest"}, nil)
	if err == nil || !strings.Contains(err.Error(), "No class named ShopTest") || !strings.Contains(err.Error(), "save the file") {
		t.Errorf("error %v, want ClassNotFound and what to do", err)
	}
}

func TestCancellingARunInterruptsItInTheImage(t *testing.T) {
	img := newTestImage()
	started := make(chan struct{})
	img.on(stuiproto.CmdRunTests, func(ctx context.Context, _ json.RawMessage) (any, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	img.on(stuiproto.CmdInterrupt, func(context.Context, json.RawMessage) (any, error) {
		return stuiproto.InterruptResult{Interrupted: 1}, nil
	})
	e := startEditor(t, editorOptions{image: img})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.conn.Call(ctx, "workspace/executeCommand", &protocol.ExecuteCommandParams{
			Command: cmdRunTests, Arguments: []protocol.LSPAny{protocol.LSPAny(`{"class_name":"SlowTest"}`)}}, nil)
		done <- err
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the run never reached the image")
	}
	cancel()
	if err := e.conn.Notify(context.Background(), "$/cancelRequest", map[string]any{"id": 2}); err != nil {
		t.Fatal(err)
	}
	<-done
	deadline := time.Now().Add(5 * time.Second)
	for len(img.callsOf(stuiproto.CmdInterrupt)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	calls := img.callsOf(stuiproto.CmdInterrupt)
	if len(calls) != 1 || !strings.Contains(string(calls[0]), `"request_id":"lsp-tests-`) {
		t.Errorf("interrupts sent %s, want one for the run's request id", calls)
	}
}
