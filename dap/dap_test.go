package dap

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
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

// backendCaller calls a stuitest.Backend in process: the wire is not what
// these tests are about (e2e/dap_test.go runs the real binary over ZeroMQ).
type backendCaller struct{ b *stuitest.Backend }

func (c backendCaller) Call(ctx context.Context, command string, params, result any) error {
	data, err := json.Marshal(params)
	if err != nil {
		return err
	}
	rep := c.b.ServeSTUI(ctx, &stuiproto.Request{ID: "1", Command: command, Parameters: data})
	if err := rep.Err(command); err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(rep.Result, result)
}

// client drives the adapter over pipes and collects what it sends.
type client struct {
	t    *testing.T
	w    io.Writer
	msgs chan dap.Message
	seq  int
	done chan error
}

func start(t *testing.T, b *stuitest.Backend) *client {
	t.Helper()
	return startWith(t, backendCaller{b})
}

func startWith(t *testing.T, image stuiproto.Caller) *client {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &client{t: t, w: inW, msgs: make(chan dap.Message, 100), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		c.done <- Serve(ctx, inR, outW, Options{Image: image, Folder: t.TempDir(), CacheDir: t.TempDir(), CallTimeout: 2 * time.Second})
		outW.Close()
	}()
	go func() {
		r := bufio.NewReader(outR)
		for {
			m, err := dap.ReadProtocolMessage(r)
			if err != nil {
				close(c.msgs)
				return
			}
			c.msgs <- m
		}
	}()
	t.Cleanup(func() { cancel(); inW.Close() })
	return c
}

func (c *client) send(command string, args any) int {
	c.seq++
	m := map[string]any{"seq": c.seq, "type": "request", "command": command}
	if args != nil {
		m["arguments"] = args
	}
	data, _ := json.Marshal(m)
	c.raw(string(data))
	return c.seq
}

func (c *client) raw(body string) {
	fmt.Fprintf(c.w, "Content-Length: %d\r\n\r\n%s", len(body), body)
}

// next waits for a message that want accepts, skipping others.
func (c *client) next(what string, want func(dap.Message) bool) dap.Message {
	c.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatalf("the adapter stopped while waiting for %s", what)
			}
			if os.Getenv("DAP_TRACE") != "" {
				c.t.Logf("got %T %+v", m, m)
			}
			if want(m) {
				return m
			}
		case <-timeout:
			c.t.Fatalf("no %s", what)
		}
	}
}

func (c *client) response(seq int) dap.ResponseMessage {
	c.t.Helper()
	m := c.next(fmt.Sprintf("response to %d", seq), func(m dap.Message) bool {
		r, ok := m.(dap.ResponseMessage)
		return ok && r.GetResponse().RequestSeq == seq
	})
	return m.(dap.ResponseMessage)
}

func (c *client) ok(seq int) dap.ResponseMessage {
	c.t.Helper()
	r := c.response(seq)
	if !r.GetResponse().Success {
		c.t.Fatalf("request %d failed: %s", seq, r.GetResponse().Message)
	}
	return r
}

func (c *client) event(name string) dap.EventMessage {
	c.t.Helper()
	return c.next("event "+name, func(m dap.Message) bool {
		e, ok := m.(dap.EventMessage)
		return ok && e.GetEvent().Event == name
	}).(dap.EventMessage)
}

func (c *client) launch(args map[string]any) {
	c.t.Helper()
	c.ok(c.send("initialize", map[string]any{"adapterID": "stui"}))
	c.event("initialized")
	c.ok(c.send("launch", args))
	c.ok(c.send("configurationDone", nil))
}

// The scenario of the issue: an error stops the launched code, the user
// looks at the stack and a frame's variables, evaluates in the frame,
// steps, restarts the frame and continues to the end.
func TestLaunchStopsOnErrorStepsRestartsAndContinues(t *testing.T) {
	c := start(t, stuitest.NewBackend())
	c.launch(map[string]any{"expression": "| x | x := 6.\nx := x * 7.\nx / 0.\nx + 1"})
	stopped := c.event("stopped").(*dap.StoppedEvent)
	if stopped.Body.Reason != "exception" || !strings.Contains(stopped.Body.Text, "ZeroDivide") {
		t.Fatalf("stopped %+v", stopped.Body)
	}
	st := c.ok(c.send("stackTrace", map[string]any{"threadId": 1})).(*dap.StackTraceResponse)
	frames := st.Body.StackFrames
	doit := frames[len(frames)-1]
	if frames[0].Name != "SmallInteger>>/" || doit.Line != 3 || doit.Source == nil || doit.Source.SourceReference == 0 {
		t.Fatalf("frames %+v", frames)
	}
	src := c.ok(c.send("source", map[string]any{"sourceReference": doit.Source.SourceReference})).(*dap.SourceResponse)
	if !strings.HasPrefix(src.Body.Content, "| x |") {
		t.Fatalf("DoIt source %q", src.Body.Content)
	}
	sc := c.ok(c.send("scopes", map[string]any{"frameId": doit.Id})).(*dap.ScopesResponse)
	vars := c.ok(c.send("variables", map[string]any{"variablesReference": sc.Body.Scopes[0].VariablesReference})).(*dap.VariablesResponse)
	if len(vars.Body.Variables) != 2 || vars.Body.Variables[1].Name != "x" || vars.Body.Variables[1].Value != "42" {
		t.Fatalf("variables %+v", vars.Body.Variables)
	}
	ev := c.ok(c.send("evaluate", map[string]any{"expression": "x - 2", "frameId": doit.Id})).(*dap.EvaluateResponse)
	if ev.Body.Result != "40" {
		t.Fatalf("evaluate in frame: %+v", ev.Body)
	}
	c.ok(c.send("next", map[string]any{"threadId": 1}))
	if e := c.event("stopped").(*dap.StoppedEvent); e.Body.Reason != "step" {
		t.Fatalf("after next: %+v", e.Body)
	}
	st = c.ok(c.send("stackTrace", map[string]any{"threadId": 1})).(*dap.StackTraceResponse)
	if len(st.Body.StackFrames) != 1 || st.Body.StackFrames[0].Line != 4 {
		t.Fatalf("after next, frames %+v", st.Body.StackFrames)
	}
	c.ok(c.send("restartFrame", map[string]any{"frameId": st.Body.StackFrames[0].Id}))
	c.event("stopped")
	st = c.ok(c.send("stackTrace", map[string]any{"threadId": 1})).(*dap.StackTraceResponse)
	if st.Body.StackFrames[0].Line != 1 {
		t.Fatalf("after restartFrame, frames %+v", st.Body.StackFrames)
	}
	c.ok(c.send("continue", map[string]any{"threadId": 1}))
	if e := c.event("stopped").(*dap.StoppedEvent); e.Body.Reason != "exception" {
		t.Fatalf("continue to the error again: %+v", e.Body)
	}
	c.ok(c.send("continue", map[string]any{"threadId": 1}))
	out := c.event("output").(*dap.OutputEvent)
	if strings.TrimSpace(out.Body.Output) != "43" {
		t.Fatalf("output %q", out.Body.Output)
	}
	c.event("terminated")
	c.ok(c.send("disconnect", nil))
	if err := <-c.done; err != nil {
		t.Fatal(err)
	}
}

// Malformed input gets an error reply, and the adapter goes on.
func TestMalformedInputGetsAnErrorAndTheAdapterGoesOn(t *testing.T) {
	c := start(t, stuitest.NewBackend())
	c.raw(`{"seq":1,"type":"request","command":"frobnicate"}`)
	if r := c.response(1); r.GetResponse().Success || !strings.Contains(r.GetResponse().Message, "frobnicate") {
		t.Fatalf("unknown request answered %+v", r.GetResponse())
	}
	c.raw(`{"seq":2,"type":"request","command":"launch","arguments":"not an object"}`)
	if r := c.response(2); r.GetResponse().Success {
		t.Fatal("ill-typed launch accepted")
	}
	c.raw(`this is not json`)
	c.event("output")
	c.seq = 2
	c.ok(c.send("initialize", map[string]any{"adapterID": "stui"}))
	if r := c.response(c.send("stackTrace", map[string]any{"threadId": 1})); r.GetResponse().Success {
		t.Fatal("stackTrace with nothing suspended succeeded")
	}
}

// Breakpoints set in a Tonel file become image breakpoints on the method
// that holds the line, and come out at disconnect.
func TestBreakpointsGoIntoTheImageAndComeOutAtDisconnect(t *testing.T) {
	b := stuitest.NewBackend()
	b.AddClass(stuitest.ClassFixture{Name: "Counter", Superclass: "Object", Package: "Demo", Methods: []stuitest.MethodFixture{
		{Category: "operations", Source: "increment\n\tcount := count + 1.\n\t^ count"}}})
	dir := t.TempDir()
	file := filepath.Join(dir, "Counter.class.st")
	os.WriteFile(file, []byte("Class {\n\t#name : #Counter,\n\t#superclass : #Object,\n\t#category : #Demo\n}\n\n{ #category : #operations }\nCounter >> increment [\n\tcount := count + 1.\n\t^ count\n]\n"), 0o644)
	c := start(t, b)
	c.ok(c.send("initialize", map[string]any{"adapterID": "stui"}))
	pending := c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 10}}})).(*dap.SetBreakpointsResponse)
	if pending.Body.Breakpoints[0].Verified {
		t.Fatal("verified before the image was reached")
	}
	c.ok(c.send("launch", map[string]any{"expression": "self halt", "cwd": dir}))
	changed := c.event("breakpoint").(*dap.BreakpointEvent)
	if !changed.Body.Breakpoint.Verified || changed.Body.Breakpoint.Line != 10 {
		t.Fatalf("breakpoint event %+v", changed.Body.Breakpoint)
	}
	list := func() []stuiproto.DebugBreakpoint {
		var l stuiproto.DebugListResult
		backendCaller{b}.Call(context.Background(), stuiproto.CmdDebugList, stuiproto.DebugListParams{}, &l)
		return l.Breakpoints
	}
	if bps := list(); len(bps) != 1 || bps[0].Selector != "increment" || bps[0].Line != 3 {
		t.Fatalf("image breakpoints %+v", bps)
	}
	c.ok(c.send("disconnect", nil))
	<-c.done
	if bps := list(); len(bps) != 0 {
		t.Fatalf("after disconnect, image breakpoints %+v", bps)
	}
}

// launch with program and line runs the statement at that line, and the
// launched code's frame points at the file by its full path, also when
// program is relative to cwd (not to the adapter's working directory); a
// line given as a string, as editors substitute ${lineNumber}, is read too.
func TestLaunchProgramLineShowsTheFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "scripts", "play.st")
	os.Mkdir(filepath.Dir(file), 0o755)
	os.WriteFile(file, []byte("3 + 4.\n\n| n | n := 5.\nn / 0\n"), 0o644)
	for _, program := range []string{file, filepath.Join("scripts", "play.st")} {
		t.Run(program, func(t *testing.T) {
			c := start(t, stuitest.NewBackend())
			c.launch(map[string]any{"program": program, "line": "4", "cwd": dir})
			if e := c.event("stopped").(*dap.StoppedEvent); e.Body.Reason != "exception" {
				t.Fatalf("stopped %+v", e.Body)
			}
			st := c.ok(c.send("stackTrace", map[string]any{"threadId": 1})).(*dap.StackTraceResponse)
			doit := st.Body.StackFrames[len(st.Body.StackFrames)-1]
			if doit.Source == nil || doit.Source.Path != file || doit.Line != 4 {
				t.Fatalf("DoIt frame %+v source %+v", doit, doit.Source)
			}
		})
	}
}

// A breakpoint in a workspace Tonel file stops the launched code in the
// method, whose frame points at that file and line; continuing stops there
// again at the next send, then runs to the end.
func TestABreakpointStopsTheMethodAtItsFileAndLine(t *testing.T) {
	b := stuitest.NewBackend()
	b.AddClass(stuitest.ClassFixture{Name: "Counter", Superclass: "Object", Package: "Demo", InstanceVars: []string{"count"},
		Methods: []stuitest.MethodFixture{{Category: "operations", Source: "increment\n\tcount := (count ifNil: [ 0 ]) + 1.\n\t^ count"}}})
	dir := t.TempDir()
	file := filepath.Join(dir, "Counter.class.st")
	os.WriteFile(file, []byte("Class {\n\t#name : #Counter,\n\t#superclass : #Object,\n\t#instVars : [ 'count' ],\n\t#category : #Demo\n}\n\n{ #category : #operations }\nCounter >> increment [\n\tcount := (count ifNil: [ 0 ]) + 1.\n\t^ count\n]\n"), 0o644)
	c := start(t, b)
	c.ok(c.send("initialize", map[string]any{"adapterID": "stui"}))
	c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 11}}}))
	c.ok(c.send("launch", map[string]any{"expression": "c := Counter new.\nc increment.\nc increment", "cwd": dir}))
	c.ok(c.send("configurationDone", nil))
	for i, want := range []string{"1", "2"} {
		if e := c.event("stopped").(*dap.StoppedEvent); e.Body.Reason != "breakpoint" {
			t.Fatalf("stop %d: %+v", i, e.Body)
		}
		st := c.ok(c.send("stackTrace", map[string]any{"threadId": 1})).(*dap.StackTraceResponse)
		top := st.Body.StackFrames[0]
		if top.Name != "Counter>>increment" || top.Source == nil || top.Source.Path != file || top.Line != 11 || len(st.Body.StackFrames) != 2 {
			t.Fatalf("stop %d: top frame %+v source %+v", i, top, top.Source)
		}
		ev := c.ok(c.send("evaluate", map[string]any{"expression": "count", "frameId": top.Id})).(*dap.EvaluateResponse)
		if ev.Body.Result != want {
			t.Fatalf("stop %d: count = %s", i, ev.Body.Result)
		}
		c.ok(c.send("continue", map[string]any{"threadId": 1}))
	}
	if out := c.event("output").(*dap.OutputEvent); out.Body.Output != "2\n" {
		t.Fatalf("output %q", out.Body.Output)
	}
	c.event("terminated")
}

// A breakpoint is verified only in a method whose image copy is the file's:
// the line sent to the image is counted from the method's first line, so in
// a method the image has in another version it would stop elsewhere or
// never. The one in the identical method is verified and fires; the one in
// the edited method and the one in a method the image lacks are not, and
// say to save the method first.
func TestABreakpointInAMethodTheImageHasOtherwiseIsNotVerified(t *testing.T) {
	b := stuitest.NewBackend()
	b.AddClass(stuitest.ClassFixture{Name: "Counter", Superclass: "Object", Package: "Demo", InstanceVars: []string{"count"},
		Methods: []stuitest.MethodFixture{
			{Category: "operations", Source: "increment\n\tcount := (count ifNil: [ 0 ]) + 1.\n\t^ count"},
			{Category: "operations", Source: "reset\n\tcount := 0.\n\t^ self"}}})
	dir := t.TempDir()
	file := filepath.Join(dir, "Counter.class.st")
	os.WriteFile(file, []byte("Class {\n\t#name : #Counter,\n\t#superclass : #Object,\n\t#instVars : [ 'count' ],\n\t#category : #Demo\n}\n\n"+
		"{ #category : #operations }\nCounter >> increment [\n\tcount := (count ifNil: [ 0 ]) + 1.\n\t^ count\n]\n\n"+
		"{ #category : #operations }\nCounter >> reset [\n\tTranscript show: 'reset'.\n\tcount := 0\n]\n\n"+
		"{ #category : #operations }\nCounter >> decrement [\n\tcount := count - 1\n]\n"), 0o644)
	c := start(t, b)
	c.ok(c.send("initialize", map[string]any{"adapterID": "stui"}))
	c.ok(c.send("launch", map[string]any{"expression": "c := Counter new.\nc increment.\nc reset.\nc increment", "cwd": dir}))
	set := c.ok(c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file},
		"breakpoints": []map[string]any{{"line": 11}, {"line": 17}, {"line": 22}}})).(*dap.SetBreakpointsResponse)
	bps := set.Body.Breakpoints
	if len(bps) != 3 || !bps[0].Verified || bps[0].Line != 11 {
		t.Fatalf("breakpoints %+v", bps)
	}
	if bps[1].Verified || !strings.Contains(bps[1].Message, "Counter>>reset differs from the file") || !strings.Contains(bps[1].Message, "save") {
		t.Fatalf("breakpoint in the edited method %+v", bps[1])
	}
	if bps[2].Verified || !strings.Contains(bps[2].Message, "has no Counter>>decrement") {
		t.Fatalf("breakpoint in the method the image lacks %+v", bps[2])
	}
	var l stuiproto.DebugListResult
	backendCaller{b}.Call(context.Background(), stuiproto.CmdDebugList, stuiproto.DebugListParams{}, &l)
	if len(l.Breakpoints) != 1 || l.Breakpoints[0].Selector != "increment" {
		t.Fatalf("image breakpoints %+v", l.Breakpoints)
	}
	c.ok(c.send("configurationDone", nil))
	for i := range 2 {
		if e := c.event("stopped").(*dap.StoppedEvent); e.Body.Reason != "breakpoint" {
			t.Fatalf("stop %d: %+v", i, e.Body)
		}
		st := c.ok(c.send("stackTrace", map[string]any{"threadId": 1})).(*dap.StackTraceResponse)
		if top := st.Body.StackFrames[0]; top.Name != "Counter>>increment" || top.Line != 11 {
			t.Fatalf("stop %d: top frame %+v", i, top)
		}
		c.ok(c.send("continue", map[string]any{"threadId": 1}))
	}
	c.event("terminated")
}

// unreachable answers as the image does until gone is set, then as a
// client whose image does not answer.
type unreachable struct {
	backendCaller
	gone *atomic.Bool
}

func (u unreachable) Call(ctx context.Context, command string, params, result any) error {
	if u.gone.Load() {
		return fmt.Errorf("%s: %w", command, stuiproto.ErrUnavailable)
	}
	return u.backendCaller.Call(ctx, command, params, result)
}

// A stop in 1 / 0 shows SmallInteger>>/ on top, whose source the test image
// cannot give: the source request answers content that says so, not an
// error (an editor shows each error as a message, at every stop). When the
// image is gone, the same request is an error.
func TestAFrameWithoutSourceSaysSoAndAGoneImageIsAnError(t *testing.T) {
	gone := &atomic.Bool{}
	c := startWith(t, unreachable{backendCaller{stuitest.NewBackend()}, gone})
	c.launch(map[string]any{"expression": "1 / 0"})
	c.event("stopped")
	st := c.ok(c.send("stackTrace", map[string]any{"threadId": 1})).(*dap.StackTraceResponse)
	top := st.Body.StackFrames[0]
	if top.Name != "SmallInteger>>/" || top.Source == nil || top.Source.SourceReference == 0 {
		t.Fatalf("top frame %+v", top)
	}
	src := c.ok(c.send("source", map[string]any{"sourceReference": top.Source.SourceReference})).(*dap.SourceResponse)
	if !strings.HasPrefix(src.Body.Content, `"The source of SmallInteger>>/ is not available`) {
		t.Fatalf("source %q", src.Body.Content)
	}
	gone.Store(true)
	if r := c.response(c.send("source", map[string]any{"sourceReference": top.Source.SourceReference})); r.GetResponse().Success ||
		!strings.Contains(r.GetResponse().Message, "does not answer") {
		t.Fatalf("source with the image gone %+v", r.GetResponse())
	}
}
