package dap

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-dap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// counterFile is a Tonel file of Counter whose increment is body (its
// statements, one a line, tab-indented); increment's pattern is on line 9.
func counterFile(body ...string) string {
	return "Class {\n\t#name : #Counter,\n\t#superclass : #Object,\n\t#instVars : [ 'count' ],\n\t#category : #Demo\n}\n\n" +
		"{ #category : #operations }\nCounter >> increment [\n\t" + strings.Join(body, "\n\t") + "\n]\n"
}

func counterSource(body ...string) string {
	return "increment\n\t" + strings.Join(body, "\n\t")
}

var (
	incrementV1 = []string{"count := (count ifNil: [ 0 ]) + 1.", "^ count"}
	// V2 has a statement more before the breakpoint's: the breakpoint's
	// statement is the method's fourth line, not its third.
	incrementV2 = []string{"count := count ifNil: [ 0 ].", "count := count + 10.", "^ count"}
)

// compile compiles increment's source in the backend, as the language
// server does when the file is saved; that drops increment's breakpoints.
func compile(t *testing.T, b *stuitest.Backend, source string) {
	t.Helper()
	if err := (backendCaller{b}).Call(context.Background(), stuiproto.CmdCompileMethod,
		stuiproto.CompileMethodParams{ClassName: "Counter", Category: "operations", Source: source}, nil); err != nil {
		t.Fatal(err)
	}
}

func imageBreakpoints(b *stuitest.Backend) []stuiproto.DebugBreakpoint {
	var l stuiproto.DebugListResult
	backendCaller{b}.Call(context.Background(), stuiproto.CmdDebugList, stuiproto.DebugListParams{}, &l)
	return l.Breakpoints
}

func (c *client) breakpointEvent(what string, want func(dap.Breakpoint) bool) dap.Breakpoint {
	c.t.Helper()
	return c.next("breakpoint event: "+what, func(m dap.Message) bool {
		e, ok := m.(*dap.BreakpointEvent)
		return ok && want(e.Body.Breakpoint)
	}).(*dap.BreakpointEvent).Body.Breakpoint
}

func newCounterWorkspace(t *testing.T) (*stuitest.Backend, string, string) {
	b := stuitest.NewBackend()
	b.AddClass(stuitest.ClassFixture{Name: "Counter", Superclass: "Object", Package: "Demo", InstanceVars: []string{"count"},
		Methods: []stuitest.MethodFixture{{Category: "operations", Source: counterSource(incrementV1...)}}})
	dir := t.TempDir()
	file := filepath.Join(dir, "Counter.class.st")
	if err := os.WriteFile(file, []byte(counterFile(incrementV1...)), 0o644); err != nil {
		t.Fatal(err)
	}
	return b, dir, file
}

// expectStopAt runs to the breakpoint and checks where it stopped and what
// count is there.
func (c *client) expectStopAt(file string, line int, count string) {
	c.t.Helper()
	if e := c.event("stopped").(*dap.StoppedEvent); e.Body.Reason != "breakpoint" {
		c.t.Fatalf("stopped %+v", e.Body)
	}
	st := c.ok(c.send("stackTrace", map[string]any{"threadId": 1})).(*dap.StackTraceResponse)
	top := st.Body.StackFrames[0]
	if top.Name != "Counter>>increment" || top.Source == nil || top.Source.Path != file || top.Line != line {
		c.t.Fatalf("top frame %+v source %+v", top, top.Source)
	}
	ev := c.ok(c.send("evaluate", map[string]any{"expression": "count", "frameId": top.Id})).(*dap.EvaluateResponse)
	if ev.Body.Result != count {
		c.t.Fatalf("count = %s at the stop, want %s", ev.Body.Result, count)
	}
}

// The file is saved before its compile reaches the image: the breakpoint
// goes unverified (the image's method is not the file's yet, and saying
// it is would be a lie), then, once the compile has dropped the image's
// breakpoint, it is set again on the new method and verified; the code
// stops there. The edit added a line above the breakpoint's and the editor
// sent nothing: the adapter moves the breakpoint with its line's text, as
// the editor moved its mark.
func TestABreakpointSurvivesASaveWrittenBeforeItsCompile(t *testing.T) {
	b, dir, file := newCounterWorkspace(t)
	c := start(t, b)
	c.ok(c.send("initialize", map[string]any{"adapterID": "stui"}))
	c.ok(c.send("launch", map[string]any{"expression": "c := Counter new.\nc increment.\nc increment", "cwd": dir}))
	set := c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 11}}})).(*dap.SetBreakpointsResponse)
	bp := set.Body.Breakpoints[0]
	if !bp.Verified || bp.Line != 11 {
		t.Fatalf("breakpoint %+v", bp)
	}
	// "^ count", on line 11, moves to line 12.
	if err := os.WriteFile(file, []byte(counterFile(incrementV2...)), 0o644); err != nil {
		t.Fatal(err)
	}
	c.breakpointEvent("unverified after the save", func(b dap.Breakpoint) bool {
		return b.Id == bp.Id && !b.Verified && b.Line == 12 && strings.Contains(b.Message, "Counter>>increment differs from the file: save (compile) the method first")
	})
	if l := imageBreakpoints(b); len(l) != 0 {
		t.Fatalf("a breakpoint left on the image's old method: %+v", l)
	}
	compile(t, b, counterSource(incrementV2...))
	again := c.breakpointEvent("verified after the compile", func(b dap.Breakpoint) bool { return b.Id == bp.Id && b.Verified })
	if again.Line != 12 {
		t.Fatalf("breakpoint after the compile %+v", again)
	}
	if l := imageBreakpoints(b); len(l) != 1 || l[0].Selector != "increment" || l[0].Line != 4 {
		t.Fatalf("image breakpoints %+v", l)
	}
	c.ok(c.send("configurationDone", nil))
	c.expectStopAt(file, 12, "10")
}

// An edit above the method (the method before it gets a line) moves the
// method down; the editor sends nothing, the image's breakpoint stays (the
// method was not compiled), and the adapter tells the new line.
func TestABreakpointMovesWithItsMethodWhenTheEditorSendsNothing(t *testing.T) {
	b, dir, file, head, increment := resetAndIncrement(t)
	c := start(t, b)
	c.ok(c.send("initialize", map[string]any{"adapterID": "stui"}))
	c.ok(c.send("launch", map[string]any{"expression": "Counter new increment", "cwd": dir}))
	set := c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 16}}})).(*dap.SetBreakpointsResponse)
	bp := set.Body.Breakpoints[0]
	before := imageBreakpoints(b)
	os.WriteFile(file, []byte(head+"{ #category : #operations }\nCounter >> reset [\n\tcount := 0.\n\t^ self\n]\n\n"+increment), 0o644)
	compile(t, b, "reset\n\tcount := 0.\n\t^ self")
	moved := c.breakpointEvent("moved with its method", func(b dap.Breakpoint) bool { return b.Id == bp.Id && b.Line == 17 })
	if !moved.Verified {
		t.Fatalf("moved breakpoint %+v", moved)
	}
	if after := imageBreakpoints(b); len(after) != 1 || after[0].BreakpointID != before[0].BreakpointID {
		t.Fatalf("image breakpoints %+v, were %+v: the one in the method not compiled should stay", after, before)
	}
	c.ok(c.send("configurationDone", nil))
	c.expectStopAt(file, 17, "1")
}

// The compile reaches the image before the file is written (or the
// adapter looks after both): the breakpoint the compile dropped is set
// again, the client is told (verified, on the same line), and the code
// stops there.
func TestABreakpointSurvivesACompileThatCameFirst(t *testing.T) {
	b, dir, file := newCounterWorkspace(t)
	c := start(t, b)
	c.ok(c.send("initialize", map[string]any{"adapterID": "stui"}))
	c.ok(c.send("launch", map[string]any{"expression": "c := Counter new.\nc increment.\nc increment", "cwd": dir}))
	c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 10}}}))
	// The method's statements stay on their lines; only a value changes.
	edited := []string{"count := (count ifNil: [ 0 ]) + 5.", "^ count"}
	compile(t, b, counterSource(edited...))
	if l := imageBreakpoints(b); len(l) != 0 {
		t.Fatalf("the compile kept the breakpoint: %+v", l)
	}
	if err := os.WriteFile(file, []byte(counterFile(edited...)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Set again: the client is told, though it sees nothing new.
	c.breakpointEvent("set again", func(b dap.Breakpoint) bool { return b.Verified && b.Line == 10 })
	if l := imageBreakpoints(b); len(l) != 1 || l[0].Line != 2 {
		t.Fatalf("image breakpoints %+v", l)
	}
	c.ok(c.send("configurationDone", nil))
	c.expectStopAt(file, 10, "nil")
	c.ok(c.send("continue", map[string]any{"threadId": 1}))
	c.expectStopAt(file, 10, "5")
}

// VS Code sends setBreakpoints with the moved lines when a save follows an
// edit that moved them, before the compile: the reply says unverified, and
// the compile that follows makes the breakpoint verified on its new line.
func TestMovedBreakpointsSentOnSaveAreVerifiedOnceCompiled(t *testing.T) {
	b, dir, file := newCounterWorkspace(t)
	c := start(t, b)
	c.ok(c.send("initialize", map[string]any{"adapterID": "stui"}))
	c.ok(c.send("launch", map[string]any{"expression": "Counter new increment", "cwd": dir}))
	c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 10}}}))
	if err := os.WriteFile(file, []byte(counterFile(incrementV2...)), 0o644); err != nil {
		t.Fatal(err)
	}
	moved := c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 11}}})).(*dap.SetBreakpointsResponse)
	bp := moved.Body.Breakpoints[0]
	if bp.Verified || !strings.Contains(bp.Message, "differs from the file") {
		t.Fatalf("moved breakpoint before the compile %+v", bp)
	}
	compile(t, b, counterSource(incrementV2...))
	verified := c.breakpointEvent("verified after the compile", func(b dap.Breakpoint) bool { return b.Id == bp.Id && b.Verified })
	if verified.Line != 11 {
		t.Fatalf("breakpoint %+v", verified)
	}
	c.ok(c.send("configurationDone", nil))
	c.expectStopAt(file, 11, "0")
}

// countingCaller counts the debug_list calls, the follower's look at the
// image's breakpoints.
type countingCaller struct {
	backendCaller
	lists *atomic.Int64
}

func (c countingCaller) Call(ctx context.Context, command string, params, result any) error {
	if command == stuiproto.CmdDebugList {
		c.lists.Add(1)
	}
	return c.backendCaller.Call(ctx, command, params, result)
}

// With no breakpoints the adapter asks the image nothing: the follower
// waits without a timer; with one it looks, and it stops again once the
// file's breakpoints are cleared.
func TestNoBreakpointsNoLooking(t *testing.T) {
	b, dir, file := newCounterWorkspace(t)
	lists := &atomic.Int64{}
	c := startWith(t, countingCaller{backendCaller{b}, lists})
	c.launch(map[string]any{"expression": "self halt", "cwd": dir})
	c.event("stopped")
	quiet := func(what string) {
		t.Helper()
		before := lists.Load()
		time.Sleep(4 * followTick)
		if n := lists.Load() - before; n != 0 {
			t.Fatalf("%s: %d debug_list calls", what, n)
		}
	}
	quiet("without breakpoints")
	c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 11}}}))
	before := lists.Load()
	for deadline := time.Now().Add(5 * time.Second); lists.Load() == before; time.Sleep(followTick / 5) {
		if time.Now().After(deadline) {
			t.Fatal("the follower did not look after setBreakpoints")
		}
	}
	c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{}}))
	// A look begun before the clear may still be on its way.
	time.Sleep(4 * followTick)
	quiet("after the breakpoints were cleared")
}

// A save that moves a method down (an edit in the method above it) moves
// its frames too: the frame of a stop in it is at the file's new line,
// not where the method was when the debug session started.
func TestFramesFollowAMethodMovedByASave(t *testing.T) {
	b, dir, file, head, increment := resetAndIncrement(t)
	c := start(t, b)
	c.ok(c.send("initialize", map[string]any{"adapterID": "stui"}))
	c.ok(c.send("launch", map[string]any{"expression": "Counter new increment", "cwd": dir}))
	c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 15}}}))
	// reset gets a line more, and is compiled; increment moves down a line,
	// its breakpoint with it, which the editor sends.
	os.WriteFile(file, []byte(head+"{ #category : #operations }\nCounter >> reset [\n\tcount := 0.\n\t^ self\n]\n\n"+increment), 0o644)
	compile(t, b, "reset\n\tcount := 0.\n\t^ self")
	moved := c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 16}}})).(*dap.SetBreakpointsResponse)
	if bp := moved.Body.Breakpoints[0]; !bp.Verified || bp.Line != 16 {
		t.Fatalf("moved breakpoint %+v", bp)
	}
	c.ok(c.send("configurationDone", nil))
	c.expectStopAt(file, 16, "nil")
}

// A method added to the file after the debug session started, saved and
// compiled, then given a breakpoint: the stop in it shows the file, not
// the image's copy of the source.
func TestAStopInAMethodAddedSinceTheStartShowsTheFile(t *testing.T) {
	b, dir, file := newCounterWorkspace(t)
	c := start(t, b)
	c.ok(c.send("initialize", map[string]any{"adapterID": "stui"}))
	c.ok(c.send("launch", map[string]any{"expression": "Counter new increment; decrement", "cwd": dir}))
	text := counterFile(incrementV1...) + "\n{ #category : #operations }\nCounter >> decrement [\n\tcount := count - 1.\n\t^ count\n]\n"
	os.WriteFile(file, []byte(text), 0o644)
	compile(t, b, "decrement\n\tcount := count - 1.\n\t^ count")
	set := c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 17}}})).(*dap.SetBreakpointsResponse)
	if bp := set.Body.Breakpoints[0]; !bp.Verified || bp.Line != 17 {
		t.Fatalf("breakpoint %+v", bp)
	}
	c.ok(c.send("configurationDone", nil))
	if e := c.event("stopped").(*dap.StoppedEvent); e.Body.Reason != "breakpoint" {
		t.Fatalf("stopped %+v", e.Body)
	}
	st := c.ok(c.send("stackTrace", map[string]any{"threadId": 1})).(*dap.StackTraceResponse)
	if top := st.Body.StackFrames[0]; top.Name != "Counter>>decrement" || top.Source == nil || top.Source.Path != file || top.Line != 17 {
		t.Fatalf("top frame %+v source %+v", top, top.Source)
	}
}

// terminate takes the breakpoints out of the image before it answers (dape
// kills the adapter on that reply, with no disconnect), and so does a
// client that closes the stream without one.
func TestTerminateAndAClosedStreamTakeTheBreakpointsOut(t *testing.T) {
	for _, end := range []string{"terminate", "close"} {
		t.Run(end, func(t *testing.T) {
			b, dir, file := newCounterWorkspace(t)
			c := start(t, b)
			c.launch(map[string]any{"expression": "self halt", "cwd": dir})
			c.event("stopped")
			c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 11}}}))
			if l := imageBreakpoints(b); len(l) != 1 {
				t.Fatalf("image breakpoints %+v", l)
			}
			if end == "terminate" {
				c.ok(c.send("terminate", nil))
			} else {
				c.w.(io.Closer).Close()
				if err := <-c.done; err != nil {
					t.Fatal(err)
				}
			}
			if l := imageBreakpoints(b); len(l) != 0 {
				t.Fatalf("after %s, image breakpoints %+v", end, l)
			}
		})
	}
}

// resetAndIncrement is a backend whose Counter has reset and increment,
// and a workspace file (dir/Counter.class.st) with the same two methods,
// reset first; head and increment are the file's parts before and after
// reset, for a test that rewrites reset.
func resetAndIncrement(t *testing.T) (b *stuitest.Backend, dir, file, head, increment string) {
	t.Helper()
	b = stuitest.NewBackend()
	head = "Class {\n\t#name : #Counter,\n\t#superclass : #Object,\n\t#instVars : [ 'count' ],\n\t#category : #Demo\n}\n\n"
	increment = "{ #category : #operations }\nCounter >> increment [\n\tcount := (count ifNil: [ 0 ]) + 1.\n\t^ count\n]\n"
	b.AddClass(stuitest.ClassFixture{Name: "Counter", Superclass: "Object", Package: "Demo", InstanceVars: []string{"count"},
		Methods: []stuitest.MethodFixture{
			{Category: "operations", Source: "reset\n\tcount := 0"},
			{Category: "operations", Source: "increment\n\tcount := (count ifNil: [ 0 ]) + 1.\n\t^ count"}}})
	dir = t.TempDir()
	file = filepath.Join(dir, "Counter.class.st")
	if err := os.WriteFile(file, []byte(head+"{ #category : #operations }\nCounter >> reset [\n\tcount := 0\n]\n\n"+increment), 0o644); err != nil {
		t.Fatal(err)
	}
	return b, dir, file, head, increment
}
