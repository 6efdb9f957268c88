package stuitest

import (
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

const counterIncrement = "increment\n\t\"Add one.\"\n\tcount := (count ifNil: [ 0 ]) + 1.\n\t^ count"

func counterBackend(t *testing.T) (*Backend, string) {
	t.Helper()
	b := NewBackend()
	s, _ := call(t, b, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: "debug"})
	if _, rep := call(t, b, stuiproto.DefineClassCommand, stuiproto.DefineClassParams{Name: "Counter", Superclass: ptr("Object"),
		InstanceVars: []string{"count"}, Package: "Demo"}); rep.Status != stuiproto.StatusSuccess {
		t.Fatalf("define_class: %s", rep.Error)
	}
	for _, src := range []string{counterIncrement,
		"incrementTwice\n\tself increment.\n\t^ self increment",
		"fail\n\t| x |\n\tx := 7.\n\t^ x / 0"} {
		if _, rep := call(t, b, stuiproto.CompileMethodCommand, stuiproto.CompileMethodParams{ClassName: "Counter", Source: src}); rep.Status != stuiproto.StatusSuccess {
			t.Fatalf("compile_method: %s", rep.Error)
		}
	}
	if _, rep := call(t, b, stuiproto.CompileMethodCommand, stuiproto.CompileMethodParams{ClassName: "Counter", IsClassMethod: true,
		Source: "startingAt: n\n\t^ self new setCount: n"}); rep.Status != stuiproto.StatusSuccess {
		t.Fatalf("compile_method: %s", rep.Error)
	}
	call(t, b, stuiproto.CompileMethodCommand, stuiproto.CompileMethodParams{ClassName: "Counter", Source: "setCount: n\n\tcount := n"})
	return b, s.SessionID
}

func selectors(stack []stuiproto.DebugFrame) string {
	var out []string
	for _, f := range stack {
		out = append(out, f.Selector)
	}
	return strings.Join(out, " ")
}

// Compiled methods run when evaluated code sends their selector, to an
// instance or to the class, and an error inside one names its frame.
func TestCompiledMethodsRun(t *testing.T) {
	b, s := counterBackend(t)
	for code, want := range map[string]string{
		"c := Counter new. c increment. c increment": "2",
		"Counter new incrementTwice":                 "2",
		"(Counter startingAt: 40) incrementTwice":    "42",
		"Counter new": "a Counter",
		"(Counter startingAt: 3) setCount: 4; yourself": "a Counter",
	} {
		r, rep := call(t, b, stuiproto.EvaluateCommand, stuiproto.EvaluateParams{Code: code, SessionID: s})
		if rep.Status != stuiproto.StatusSuccess || r.Result != want {
			t.Errorf("%s = %q (%s), want %s", code, r.Result, rep.Error, want)
		}
	}
	_, rep := call(t, b, stuiproto.EvaluateCommand, stuiproto.EvaluateParams{Code: "Counter new fail", SessionID: s})
	if rep.ErrorType != stuiproto.ErrRuntime || !slices.Contains(rep.StackTrace, "Counter>>fail") {
		t.Fatalf("an error in a method: %+v", rep)
	}
	_, rep = call(t, b, stuiproto.EvaluateCommand, stuiproto.EvaluateParams{Code: "Counter new nothing", SessionID: s})
	if rep.ErrorType != stuiproto.ErrRuntime || !strings.Contains(rep.Error, "Counter>>#nothing") {
		t.Fatalf("an unknown message to an instance: %+v", rep)
	}
}

// A breakpoint on a line of a method stops the process there, in the
// method's frame above its sender's and the DoIt's; the frame shows the
// receiver and its instance variables; steps go over, into and out of
// methods; resuming stops at the breakpoint again and then runs to the end.
func TestBreakpointStopsInAMethodAndSteps(t *testing.T) {
	b, s := counterBackend(t)
	bp, rep := call(t, b, stuiproto.DebugSetBreakpointCommand, stuiproto.DebugSetBreakpointParams{ClassName: "Counter",
		Selector: "increment", Line: 4, SessionID: s})
	if rep.Status != stuiproto.StatusSuccess || bp.Line != 4 {
		t.Fatalf("debug_set_breakpoint: %+v %s", bp, rep.Error)
	}
	ev, rep := call(t, b, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: "x := 0.\nCounter new incrementTwice", SessionID: s})
	if !ev.Suspended || ev.DebugSession.Reason != stuiproto.ReasonBreakpoint {
		t.Fatalf("debug_evaluate: %+v %s", ev, rep.Error)
	}
	id := ev.DebugSession.DebugSessionID
	if got := selectors(ev.Stack); got != "increment incrementTwice DoIt" {
		t.Fatalf("stack %s", got)
	}
	top, caller, doit := ev.Stack[0], ev.Stack[1], ev.Stack[2]
	if top.Line != 4 || top.ReceiverClass != "Counter" || top.MethodClass != "Counter" || caller.Line != 2 || doit.Line != 2 {
		t.Fatalf("frames %+v", ev.Stack)
	}
	vars, _ := call(t, b, stuiproto.DebugVariablesCommand, stuiproto.DebugFrameParams{DebugSessionID: id, FrameID: top.FrameID})
	if len(vars.Variables) != 2 || vars.Variables[0].PrintString != "a Counter" || vars.Variables[1].Name != "count" ||
		vars.Variables[1].Kind != stuiproto.VarInstVar || vars.Variables[1].PrintString != "1" {
		t.Fatalf("variables %+v", vars.Variables)
	}
	in, rep := call(t, b, stuiproto.DebugEvaluateInFrameCommand, stuiproto.DebugEvaluateInFrameParams{DebugSessionID: id, FrameID: top.FrameID, Code: "count + 41"})
	if in.Result != "42" {
		t.Fatalf("evaluate in the method's frame: %+v %s", in, rep.Error)
	}
	withSource, _ := call(t, b, stuiproto.DebugStackCommand, stuiproto.DebugStackParams{DebugSessionID: id, IncludeSource: true})
	if withSource.Stack[0].Source != counterIncrement {
		t.Fatalf("the method's source: %q", withSource.Stack[0].Source)
	}

	step := func(kind, frame string) stuiproto.DebugProgressResult {
		t.Helper()
		r, rep := call(t, b, stuiproto.DebugStepCommand, stuiproto.DebugStepParams{DebugSessionID: id, Kind: kind, FrameID: frame})
		if rep.Status != stuiproto.StatusSuccess || r.State != stuiproto.DebugSuspended {
			t.Fatalf("step %s: %+v %s", kind, r, rep.Error)
		}
		return r
	}
	// Over the method's last statement: back in the sender, at its next.
	if r := step(stuiproto.StepOver, ""); selectors(r.Stack) != "incrementTwice DoIt" || r.Stack[0].Line != 3 || r.DebugSession.Reason != stuiproto.ReasonStep {
		t.Fatalf("over: %+v", r)
	}
	// Into the send: the method's first statement.
	r := step(stuiproto.StepInto, "")
	if selectors(r.Stack) != "increment incrementTwice DoIt" || r.Stack[0].Line != 3 {
		t.Fatalf("into: %+v", r)
	}
	// Over in the DoIt's frame runs the rest of its statement, through the
	// breakpoint: it stops there.
	if r := step(stuiproto.StepOver, r.Stack[2].FrameID); r.DebugSession.Reason != stuiproto.ReasonBreakpoint || r.Stack[0].Line != 4 {
		t.Fatalf("over in the DoIt: %+v", r)
	}
	// Restart the method: its first statement again.
	if r := step(stuiproto.StepRestart, ""); selectors(r.Stack) != "increment incrementTwice DoIt" || r.Stack[0].Line != 3 {
		t.Fatalf("restart: %+v", r)
	}
	res, _ := call(t, b, stuiproto.DebugResumeCommand, stuiproto.DebugResumeParams{DebugSessionID: id, WaitMS: 2000})
	if res.State != stuiproto.DebugSuspended || res.DebugSession.Reason != stuiproto.ReasonBreakpoint {
		t.Fatalf("resume to the breakpoint: %+v", res)
	}
	res, _ = call(t, b, stuiproto.DebugResumeCommand, stuiproto.DebugResumeParams{DebugSessionID: id, WaitMS: 2000})
	if res.State != stuiproto.DebugTerminated || res.Result.Result != "3" {
		t.Fatalf("resume to the end: %+v", res)
	}
	if _, rep := call(t, b, stuiproto.DebugRemoveBreakpointCommand, stuiproto.DebugRemoveBreakpointParams{BreakpointID: bp.BreakpointID}); rep.Status != stuiproto.StatusSuccess {
		t.Fatalf("remove: %s", rep.Error)
	}
	if ev, _ := call(t, b, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: "Counter new incrementTwice"}); ev.Suspended {
		t.Fatalf("stopped after the breakpoint went: %+v", ev)
	}

	// Compiling the method anew drops its breakpoints, as Pharo does.
	call(t, b, stuiproto.DebugSetBreakpointCommand, stuiproto.DebugSetBreakpointParams{ClassName: "Counter", Selector: "increment"})
	call(t, b, stuiproto.CompileMethodCommand, stuiproto.CompileMethodParams{ClassName: "Counter", Source: counterIncrement + "\n"})
	if l, _ := call(t, b, stuiproto.DebugListCommand, stuiproto.DebugListParams{}); len(l.Breakpoints) != 0 {
		t.Fatalf("breakpoints of a recompiled method: %+v", l.Breakpoints)
	}
}

// An error in a method stops in its frame, under the frame that signalled;
// a step from a halt that runs into an error reports the error.
func TestErrorsInMethodsAndStepsIntoErrors(t *testing.T) {
	b, s := counterBackend(t)
	ev, _ := call(t, b, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: "Counter new fail", SessionID: s})
	if !ev.Suspended || ev.DebugSession.ErrorClass != "ZeroDivide" || selectors(ev.Stack) != "/ fail DoIt" || ev.Stack[1].Line != 4 {
		t.Fatalf("debug_evaluate: %+v", ev)
	}
	vars, _ := call(t, b, stuiproto.DebugVariablesCommand, stuiproto.DebugFrameParams{DebugSessionID: ev.DebugSession.DebugSessionID, FrameID: ev.Stack[1].FrameID})
	if len(vars.Variables) != 3 || vars.Variables[1].Name != "x" || vars.Variables[1].PrintString != "7" {
		t.Fatalf("the method's variables: %+v", vars.Variables)
	}

	ev, _ = call(t, b, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: "self halt.\nCounter new fail.\n3", SessionID: s})
	id := ev.DebugSession.DebugSessionID
	r, _ := call(t, b, stuiproto.DebugStepCommand, stuiproto.DebugStepParams{DebugSessionID: id, Kind: stuiproto.StepOver})
	if r.DebugSession.Reason != stuiproto.ReasonStep || r.Stack[0].Line != 2 {
		t.Fatalf("over the halt: %+v", r)
	}
	r, _ = call(t, b, stuiproto.DebugStepCommand, stuiproto.DebugStepParams{DebugSessionID: id, Kind: stuiproto.StepOver})
	if r.DebugSession.Reason != stuiproto.ReasonError || r.DebugSession.Error != "ZeroDivide" || selectors(r.Stack) != "/ fail DoIt" {
		t.Fatalf("a step into an error: %+v", r)
	}
}

// Breakpoints set for a session go when it closes or expires.
func TestBreakpointsGoWithTheirSession(t *testing.T) {
	b, s := counterBackend(t)
	other, _ := call(t, b, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: "other"})
	call(t, b, stuiproto.DebugSetBreakpointCommand, stuiproto.DebugSetBreakpointParams{ClassName: "Counter", Selector: "increment", SessionID: s})
	call(t, b, stuiproto.DebugSetBreakpointCommand, stuiproto.DebugSetBreakpointParams{ClassName: "Counter", Selector: "fail", SessionID: other.SessionID})
	call(t, b, stuiproto.DebugSetBreakpointCommand, stuiproto.DebugSetBreakpointParams{ClassName: "Counter", Selector: "fail"})
	call(t, b, stuiproto.CloseSessionCommand, stuiproto.SessionIDParams{SessionID: s})
	l, _ := call(t, b, stuiproto.DebugListCommand, stuiproto.DebugListParams{})
	if len(l.Breakpoints) != 2 {
		t.Fatalf("after close_session: %+v", l.Breakpoints)
	}
	now := time.Now().Add(48 * time.Hour)
	b.SetClock(func() time.Time { return now })
	l, _ = call(t, b, stuiproto.DebugListCommand, stuiproto.DebugListParams{})
	if len(l.Breakpoints) != 1 || l.Breakpoints[0].Selector != "fail" {
		t.Fatalf("after the session expired: %+v", l.Breakpoints)
	}
}

func ptr[T any](v T) *T { return &v }

// While a resumed process runs its methods, the requests that read a debug
// session answer from where it last stopped, and terminate ends it.
func TestRequestsWhileTheProcessRuns(t *testing.T) {
	b, s := counterBackend(t)
	ev, _ := call(t, b, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: "c := Counter new.\nself halt.\n[ c increment < 100000000 ] whileTrue", SessionID: s})
	id := ev.DebugSession.DebugSessionID
	if r, _ := call(t, b, stuiproto.DebugResumeCommand, stuiproto.DebugResumeParams{DebugSessionID: id}); r.State != stuiproto.DebugRunning {
		t.Fatalf("resume: %+v", r)
	}
	for i := 0; i < 50; i++ {
		st, _ := call(t, b, stuiproto.DebugStackCommand, stuiproto.DebugStackParams{DebugSessionID: id, IncludeSource: true})
		if len(st.Stack) != 1 || st.Stack[0].Line != 2 {
			t.Fatalf("the stack while running: %+v", st.Stack)
		}
		call(t, b, stuiproto.DebugVariablesCommand, stuiproto.DebugFrameParams{DebugSessionID: id, FrameID: "1"})
		call(t, b, stuiproto.DebugListCommand, stuiproto.DebugListParams{})
	}
	if _, rep := call(t, b, stuiproto.DebugTerminateCommand, stuiproto.DebugSessionParams{DebugSessionID: id}); rep.Status != stuiproto.StatusSuccess {
		t.Fatalf("terminate: %s", rep.Error)
	}
	w, _ := call(t, b, stuiproto.DebugWaitCommand, stuiproto.DebugWaitParams{})
	if last := w.Sessions[len(w.Sessions)-1]; last.State != stuiproto.DebugTerminated {
		t.Fatalf("after terminate: %+v", last)
	}
}

// A process ends with its debug session, however that ends: terminated,
// its session closed, resumed to its end, or one past the limit.
func TestEndedDebugSessionsLeaveNoProcess(t *testing.T) {
	b, s := counterBackend(t)
	before := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		ev, _ := call(t, b, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: "Counter new fail", SessionID: s})
		call(t, b, stuiproto.DebugTerminateCommand, stuiproto.DebugSessionParams{DebugSessionID: ev.DebugSession.DebugSessionID})
		ev, _ = call(t, b, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: "self halt. 3"})
		call(t, b, stuiproto.DebugResumeCommand, stuiproto.DebugResumeParams{DebugSessionID: ev.DebugSession.DebugSessionID, WaitMS: 2000})
	}
	for i := 0; i <= DebugSessionLimit; i++ {
		call(t, b, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: "self halt", SessionID: s})
	}
	call(t, b, stuiproto.CloseSessionCommand, stuiproto.SessionIDParams{SessionID: s})
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines before, %d after", before, n)
	}
}
