package stuitest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func call[P, R any](t *testing.T, b *Backend, cmd stuiproto.Command[P, R], p P) (R, *stuiproto.Reply) {
	t.Helper()
	data, _ := json.Marshal(p)
	rep := b.ServeSTUI(context.Background(), &stuiproto.Request{ID: "1", Command: cmd.Name, Parameters: data})
	var r R
	if rep.Status == stuiproto.StatusSuccess {
		if err := json.Unmarshal(rep.Result, &r); err != nil {
			t.Fatal(err)
		}
	}
	return r, rep
}

// A process stopped by an error steps past it, restarts from its first
// statement, stops at a halt, and resumes to its end; its assignments reach
// the session's workspace.
func TestDebugSessionStepsRestartsAndResumes(t *testing.T) {
	b := NewBackend()
	s, _ := call(t, b, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: "debug"})
	code := "a := 1.\nb := a / 0.\nself halt.\na := a + 10"
	ev, rep := call(t, b, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: code, SessionID: s.SessionID})
	if !ev.Suspended || ev.DebugSession.ErrorClass != "ZeroDivide" {
		t.Fatalf("debug_evaluate: %+v %s", ev, rep.Error)
	}
	if top, doit := ev.Stack[0], ev.Stack[len(ev.Stack)-1]; top.Selector != "/" || !doit.IsDoIt || doit.Line != 2 {
		t.Fatalf("stack %+v", ev.Stack)
	}
	id := ev.DebugSession.DebugSessionID

	step := func(kind string) stuiproto.DebugProgressResult {
		r, rep := call(t, b, stuiproto.DebugStepCommand, stuiproto.DebugStepParams{DebugSessionID: id, Kind: kind})
		if rep.Status != stuiproto.StatusSuccess {
			t.Fatalf("step %s: %s", kind, rep.Error)
		}
		return r
	}
	if r := step(stuiproto.StepOver); r.State != stuiproto.DebugSuspended || r.Stack[0].Line != 3 || len(r.Stack) != 1 {
		t.Fatalf("over the error: %+v", r)
	}
	if r := step(stuiproto.StepRestart); r.Stack[0].Line != 1 {
		t.Fatalf("restart: %+v", r)
	}
	if r := step(stuiproto.StepOver); r.Stack[0].Line != 2 {
		t.Fatalf("over a := 1: %+v", r)
	}
	vars, _ := call(t, b, stuiproto.DebugVariablesCommand, stuiproto.DebugFrameParams{DebugSessionID: id, FrameID: "1"})
	if len(vars.Variables) != 2 || vars.Variables[1].Name != "a" || vars.Variables[1].PrintString != "1" {
		t.Fatalf("variables %+v", vars.Variables)
	}
	if r := step(stuiproto.StepOver); r.DebugSession.ErrorClass != "ZeroDivide" {
		t.Fatalf("the error again: %+v", r)
	}
	in, _ := call(t, b, stuiproto.DebugEvaluateInFrameCommand, stuiproto.DebugEvaluateInFrameParams{DebugSessionID: id, FrameID: "1", Code: "a + 41"})
	if in.Result != "42" {
		t.Fatalf("evaluate in frame: %+v", in)
	}
	r, _ := call(t, b, stuiproto.DebugResumeCommand, stuiproto.DebugResumeParams{DebugSessionID: id, WaitMS: 2000})
	if r.State != stuiproto.DebugSuspended || r.DebugSession.Reason != stuiproto.ReasonHalt {
		t.Fatalf("resume to the halt: %+v", r)
	}
	r, _ = call(t, b, stuiproto.DebugResumeCommand, stuiproto.DebugResumeParams{DebugSessionID: id, WaitMS: 2000})
	if r.State != stuiproto.DebugTerminated || r.Result.Result != "11" {
		t.Fatalf("resume to the end: %+v", r)
	}
	if _, rep := call(t, b, stuiproto.DebugStackCommand, stuiproto.DebugStackParams{DebugSessionID: id}); rep.ErrorType != stuiproto.ErrObjectNotFound {
		t.Fatalf("a finished debug session still answers: %+v", rep)
	}
	v, _ := call(t, b, stuiproto.GetVariableCommand, stuiproto.GetVariableParams{SessionID: s.SessionID, Name: "a"})
	if v.PrintString != "11" {
		t.Fatalf("workspace a = %+v", v)
	}
	w, _ := call(t, b, stuiproto.DebugWaitCommand, stuiproto.DebugWaitParams{})
	if last := w.Sessions[len(w.Sessions)-1]; last.State != stuiproto.DebugTerminated || w.Next != last.Seq {
		t.Fatalf("debug_wait: %+v", w)
	}
}

// Suspended processes are bounded, and go with their session.
func TestDebugSessionsAreBoundedAndCloseWithTheirSession(t *testing.T) {
	b := NewBackend()
	s, _ := call(t, b, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: "debug"})
	for i := 0; i < DebugSessionLimit; i++ {
		if ev, _ := call(t, b, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: "self halt", SessionID: s.SessionID}); !ev.Suspended {
			t.Fatalf("evaluation %d not suspended", i)
		}
	}
	if _, rep := call(t, b, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: "1 / 0", SessionID: s.SessionID}); rep.ErrorType != stuiproto.ErrRuntime {
		t.Fatalf("one past the limit: %+v", rep)
	}
	call(t, b, stuiproto.CloseSessionCommand, stuiproto.SessionIDParams{SessionID: s.SessionID})
	if l, _ := call(t, b, stuiproto.DebugListCommand, stuiproto.DebugListParams{}); len(l.Sessions) != 0 {
		t.Fatalf("after close_session: %+v", l.Sessions)
	}
}
