package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// The code most debugger checks suspend: the vectors' halt, with a temporary
// to read and change.
const haltCode = "| x | x := 3. self halt. x + 1"

const (
	noSuchDebugSession = "debug_999999999"
	noSuchBreakpoint   = "breakpoint_999999999"
	countedSource      = "conformanceCounted\n\t| n |\n\tn := 1.\n\tn := n + 1.\n\t^ n"
)

// debugChecks check the debugger's commands (protocol 1.2). Every process a
// check suspends is terminated when the check ends, and every breakpoint it
// sets removed.
func debugChecks() []check {
	bogus := stuiproto.DebugSessionParams{DebugSessionID: noSuchDebugSession}
	return []check{
		{"debug_evaluate", since12(checkDebugEvaluate)},
		{"debug_evaluate.SyntaxError", since12(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdDebugEvaluate, stuiproto.DebugEvaluateParams{Code: "3 +"}, stuiproto.ErrSyntax)
		})},
		{"debug_stack", since12(withHalt(checkDebugStack))},
		{"debug_stack.ObjectNotFound", since12(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdDebugStack, stuiproto.DebugStackParams{DebugSessionID: noSuchDebugSession}, stuiproto.ErrObjectNotFound)
		})},
		{"debug_variables", since12(withHalt(checkDebugVariables))},
		{"debug_variables.ObjectNotFound", since12(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdDebugVariables, stuiproto.DebugFrameParams{DebugSessionID: noSuchDebugSession, FrameID: "1"}, stuiproto.ErrObjectNotFound)
		})},
		{"debug_evaluate_in_frame", since12(withHalt(func(ctx context.Context, r *runner, h *stuiproto.DebugEvaluateResult) (string, error) {
			res, err := call(ctx, r, stuiproto.DebugEvaluateInFrameCommand, stuiproto.DebugEvaluateInFrameParams{
				DebugSessionID: h.DebugSession.DebugSessionID, FrameID: h.Stack[0].FrameID, Code: "x * 10"})
			if err != nil {
				return "", errors.New(describe(err))
			}
			if res.Result != "30" || res.ResultType != "SmallInteger" {
				return "", fmt.Errorf("x * 10 in the frame where x is 3 answered %q (%s), want 30 (SmallInteger)", res.Result, res.ResultType)
			}
			return "x * 10 in the halted frame = 30", nil
		}))},
		{"debug_evaluate_in_frame.ObjectNotFound", since12(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdDebugEvaluateInFrame, stuiproto.DebugEvaluateInFrameParams{DebugSessionID: noSuchDebugSession, FrameID: "1", Code: "3"}, stuiproto.ErrObjectNotFound)
		})},
		{"debug_evaluate_in_frame.SyntaxError", since12(withHalt(func(ctx context.Context, r *runner, h *stuiproto.DebugEvaluateResult) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdDebugEvaluateInFrame, stuiproto.DebugEvaluateInFrameParams{
				DebugSessionID: h.DebugSession.DebugSessionID, FrameID: h.Stack[0].FrameID, Code: "x *"}, stuiproto.ErrSyntax)
		}))},
		{"debug_evaluate_in_frame.RuntimeError", since12(withHalt(checkEvaluateInFrameError))},
		{"debug_step", since12(withHalt(checkDebugStep))},
		{"debug_step.ObjectNotFound", since12(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdDebugStep, stuiproto.DebugStepParams{DebugSessionID: noSuchDebugSession, Kind: "over"}, stuiproto.ErrObjectNotFound)
		})},
		{"debug_step.InvalidRequest", since12(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdDebugStep, stuiproto.DebugStepParams{DebugSessionID: noSuchDebugSession, Kind: "sideways"}, stuiproto.ErrInvalidRequest)
		})},
		{"debug_resume", since12(withHalt(checkDebugResume))},
		{"debug_resume.ObjectNotFound", since12(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdDebugResume, stuiproto.DebugResumeParams{DebugSessionID: noSuchDebugSession}, stuiproto.ErrObjectNotFound)
		})},
		{"debug_terminate", since12(withHalt(checkDebugTerminate))},
		{"debug_terminate.ObjectNotFound", since12(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdDebugTerminate, bogus, stuiproto.ErrObjectNotFound)
		})},
		{"debug_list", since12(withHalt(checkDebugList))},
		{"debug_wait", since12(checkDebugWait)},
		{"debug_set_breakpoint", since12(withFixture(checkSetBreakpoint))},
		{"debug_set_breakpoint.ClassNotFound", since12(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdDebugSetBreakpoint, stuiproto.DebugSetBreakpointParams{ClassName: noSuchClass, Selector: "yourself"}, stuiproto.ErrClassNotFound)
		})},
		{"debug_set_breakpoint.MethodNotFound", since12(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdDebugSetBreakpoint, stuiproto.DebugSetBreakpointParams{ClassName: "Object", Selector: noSuchMethod}, stuiproto.ErrMethodNotFound)
		})},
		{"debug_remove_breakpoint", since12(withFixture(checkRemoveBreakpoint))},
		{"debug_remove_breakpoint.ObjectNotFound", since12(withFixture(checkRemoveDroppedBreakpoint))},
	}
}

// halt suspends haltCode and answers the suspension, checked to have a debug
// session and a stack; the caller terminates it.
func (r *runner) halt(ctx context.Context, session string) (*stuiproto.DebugEvaluateResult, error) {
	res, err := call(ctx, r, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: haltCode, SessionID: session})
	if err != nil {
		return nil, fmt.Errorf("debug_evaluate of %q: %s", haltCode, describe(err))
	}
	if !res.Suspended || res.DebugSession == nil || len(res.Stack) == 0 {
		return nil, fmt.Errorf("debug_evaluate of %q answered suspended %v with %d frames: want a suspended process at the halt", haltCode, res.Suspended, len(res.Stack))
	}
	return res, nil
}

// terminate ends a suspended process the run started, if it is still there.
func (r *runner) terminate(ctx context.Context, id string) {
	_, _ = call(ctx, r, stuiproto.DebugTerminateCommand, stuiproto.DebugSessionParams{DebugSessionID: id})
}

// withHalt runs a check on a process suspended at haltCode, terminated
// afterwards.
func withHalt(f func(ctx context.Context, r *runner, h *stuiproto.DebugEvaluateResult) (string, error)) func(context.Context, *runner) (string, error) {
	return func(ctx context.Context, r *runner) (string, error) {
		h, err := r.halt(ctx, "")
		if err != nil {
			return "", err
		}
		defer r.terminate(ctx, h.DebugSession.DebugSessionID)
		return f(ctx, r, h)
	}
}

func checkDebugEvaluate(ctx context.Context, r *runner) (string, error) {
	s, err := r.newSession(ctx, 0)
	if err != nil {
		return "", err
	}
	defer r.closeSession(ctx, s)
	res, err := call(ctx, r, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: "x := 3. x / 0", SessionID: s})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.DebugSession != nil {
		defer r.terminate(ctx, res.DebugSession.DebugSessionID)
	}
	d := res.DebugSession
	if !res.Suspended || d == nil || d.State != stuiproto.DebugSuspended || d.Reason != stuiproto.ReasonError || d.ErrorClass != "ZeroDivide" {
		return "", fmt.Errorf("x / 0 answered suspended %v, debug_session %+v: want suspended, reason error, error_class ZeroDivide", res.Suspended, d)
	}
	if d.SessionID != s {
		return "", fmt.Errorf("the debug session's session_id is %q, want the session the code ran in, %q", d.SessionID, s)
	}
	if !slices.ContainsFunc(res.Stack, func(f stuiproto.DebugFrame) bool { return f.IsDoIt }) {
		return "", fmt.Errorf("the stack (%d frames) has no frame of the evaluated code", len(res.Stack))
	}
	done, err := call(ctx, r, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: "3 + 4"})
	if err != nil {
		return "", fmt.Errorf("code that runs to its end: %s", describe(err))
	}
	if done.Suspended || done.Result == nil || done.Result.Result != "7" {
		return "", fmt.Errorf("3 + 4 answered suspended %v, result %+v: want not suspended and 7", done.Suspended, done.Result)
	}
	return "an error suspends the process, with the stack; code without one answers its result", nil
}

func checkDebugStack(ctx context.Context, r *runner, h *stuiproto.DebugEvaluateResult) (string, error) {
	res, err := call(ctx, r, stuiproto.DebugStackCommand, stuiproto.DebugStackParams{DebugSessionID: h.DebugSession.DebugSessionID})
	if err != nil {
		return "", errors.New(describe(err))
	}
	d, top := res.DebugSession, stuiproto.DebugFrame{}
	if len(res.Stack) > 0 {
		top = res.Stack[0]
	}
	if d.State != stuiproto.DebugSuspended || d.Reason != stuiproto.ReasonHalt {
		return "", fmt.Errorf("state %q, reason %q: want suspended at a halt", d.State, d.Reason)
	}
	if top.Selector != "DoIt" || !top.IsDoIt || top.Line != 1 || top.Source != haltCode {
		return "", fmt.Errorf("the top frame is %s (is_doit %v) at line %d with source %q: want the DoIt at line 1 with its source", top.Selector, top.IsDoIt, top.Line, clip(top.Source, 40))
	}
	return fmt.Sprintf("suspended at the halt: the DoIt at line %d, column %d, with its source", top.Line, top.Column), nil
}

func checkDebugVariables(ctx context.Context, r *runner, h *stuiproto.DebugEvaluateResult) (string, error) {
	res, err := call(ctx, r, stuiproto.DebugVariablesCommand, stuiproto.DebugFrameParams{DebugSessionID: h.DebugSession.DebugSessionID, FrameID: h.Stack[0].FrameID})
	if err != nil {
		return "", errors.New(describe(err))
	}
	vs := res.Variables
	if len(vs) < 2 || vs[0].Name != "self" || vs[0].Kind != "receiver" {
		return "", fmt.Errorf("variables %+v: want self (receiver) first", vs)
	}
	i := slices.IndexFunc(vs, func(v stuiproto.DebugVariable) bool { return v.Name == "x" })
	if i < 0 || vs[i].Kind != "temporary" || vs[i].PrintString != "3" {
		return "", fmt.Errorf("variables %+v: want the temporary x = 3", vs)
	}
	return "self, then the temporary x = 3", nil
}

func checkEvaluateInFrameError(ctx context.Context, r *runner, h *stuiproto.DebugEvaluateResult) (string, error) {
	id := h.DebugSession.DebugSessionID
	re, err := expectError(ctx, r, stuiproto.CmdDebugEvaluateInFrame, stuiproto.DebugEvaluateInFrameParams{DebugSessionID: id, FrameID: h.Stack[0].FrameID, Code: "x / 0"}, stuiproto.ErrRuntime)
	if err != nil {
		return "", err
	}
	if re.Details == nil || re.Details.ErrorClass != "ZeroDivide" {
		return "", fmt.Errorf("RuntimeError %q without error_class ZeroDivide", re.Message)
	}
	after, err := call(ctx, r, stuiproto.DebugStackCommand, stuiproto.DebugStackParams{DebugSessionID: id})
	if err != nil {
		return "", fmt.Errorf("the debug session after the error: %s", describe(err))
	}
	if after.DebugSession.State != stuiproto.DebugSuspended || after.DebugSession.Reason != stuiproto.ReasonHalt {
		return "", fmt.Errorf("after the error the process is %s (%s): want still suspended at the halt", after.DebugSession.State, after.DebugSession.Reason)
	}
	return "RuntimeError ZeroDivide; the process stays suspended where it was", nil
}

func checkDebugStep(ctx context.Context, r *runner, h *stuiproto.DebugEvaluateResult) (string, error) {
	res, err := call(ctx, r, stuiproto.DebugStepCommand, stuiproto.DebugStepParams{DebugSessionID: h.DebugSession.DebugSessionID, FrameID: h.Stack[0].FrameID, Kind: "over"})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.State != stuiproto.DebugSuspended || res.DebugSession == nil || res.DebugSession.Reason != stuiproto.ReasonStep || len(res.Stack) == 0 {
		return "", fmt.Errorf("a step over answered state %q, debug_session %+v, %d frames: want suspended, reason step", res.State, res.DebugSession, len(res.Stack))
	}
	top, before := res.Stack[0], h.Stack[0]
	if top.Selector != "DoIt" || top.Line < before.Line || top.Line == before.Line && top.Column <= before.Column {
		return "", fmt.Errorf("after a step over the top frame is %s at line %d, column %d; want the DoIt past line %d, column %d", top.Selector, top.Line, top.Column, before.Line, before.Column)
	}
	if res.DebugSession.Seq <= h.DebugSession.Seq {
		return "", fmt.Errorf("seq %d after the step, %d before: want it to grow at every change", res.DebugSession.Seq, h.DebugSession.Seq)
	}
	return fmt.Sprintf("stepped over the halt to column %d", top.Column), nil
}

func checkDebugResume(ctx context.Context, r *runner, h *stuiproto.DebugEvaluateResult) (string, error) {
	res, err := call(ctx, r, stuiproto.DebugResumeCommand, stuiproto.DebugResumeParams{DebugSessionID: h.DebugSession.DebugSessionID, WaitMS: 2000})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.State != stuiproto.DebugTerminated || res.Result == nil || res.Result.Result != "4" {
		return "", fmt.Errorf("resumed, the halt answered state %q, result %+v: want terminated with 4", res.State, res.Result)
	}
	return "resumed to the end: 4", nil
}

func checkDebugTerminate(ctx context.Context, r *runner, h *stuiproto.DebugEvaluateResult) (string, error) {
	id := h.DebugSession.DebugSessionID
	res, err := call(ctx, r, stuiproto.DebugTerminateCommand, stuiproto.DebugSessionParams{DebugSessionID: id})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.DebugSessionID != id || !res.Terminated {
		return "", fmt.Errorf("debug_session_id %q, terminated %v: want %q, true", res.DebugSessionID, res.Terminated, id)
	}
	if _, err := expectError(ctx, r, stuiproto.CmdDebugStack, stuiproto.DebugStackParams{DebugSessionID: id}, stuiproto.ErrObjectNotFound); err != nil {
		return "", fmt.Errorf("debug_stack after terminating: %v", err)
	}
	return "terminated; the debug session is gone", nil
}

func checkDebugList(ctx context.Context, r *runner, h *stuiproto.DebugEvaluateResult) (string, error) {
	res, err := call(ctx, r, stuiproto.DebugListCommand, stuiproto.DebugListParams{})
	if err != nil {
		return "", errors.New(describe(err))
	}
	id := h.DebugSession.DebugSessionID
	i := slices.IndexFunc(res.Sessions, func(d stuiproto.DebugSessionInfo) bool { return d.DebugSessionID == id })
	if i < 0 || res.Sessions[i].Reason != stuiproto.ReasonHalt {
		return "", fmt.Errorf("%d debug sessions listed, without %s at its halt", len(res.Sessions), id)
	}
	if res.MaxSessions <= 0 {
		return "", fmt.Errorf("max_sessions %d", res.MaxSessions)
	}
	return fmt.Sprintf("the halted process among %d, at most %d", len(res.Sessions), res.MaxSessions), nil
}

func checkDebugWait(ctx context.Context, r *runner) (string, error) {
	now, err := call(ctx, r, stuiproto.DebugWaitCommand, stuiproto.DebugWaitParams{})
	if err != nil {
		return "", errors.New(describe(err))
	}
	h, err := r.halt(ctx, "")
	if err != nil {
		return "", err
	}
	id := h.DebugSession.DebugSessionID
	defer r.terminate(ctx, id)
	res, err := call(ctx, r, stuiproto.DebugWaitCommand, stuiproto.DebugWaitParams{After: now.Next, WaitMS: 2000})
	if err != nil {
		return "", fmt.Errorf("waiting after %d: %s", now.Next, describe(err))
	}
	i := slices.IndexFunc(res.Sessions, func(d stuiproto.DebugSessionInfo) bool { return d.DebugSessionID == id })
	if i < 0 || res.Sessions[i].State != stuiproto.DebugSuspended || res.Next <= now.Next {
		return "", fmt.Errorf("after %d, debug_wait answered %d changes and next %d, without %s suspended", now.Next, len(res.Sessions), res.Next, id)
	}
	return "the new suspension, after the last seq seen", nil
}

func (r *runner) setBreakpoint(ctx context.Context) (*stuiproto.DebugSetBreakpointResult, error) {
	if _, err := call(ctx, r, stuiproto.CompileMethodCommand, stuiproto.CompileMethodParams{ClassName: FixtureClass, Category: "stui-conformance", Source: countedSource}); err != nil {
		return nil, fmt.Errorf("compiling conformanceCounted: %s", describe(err))
	}
	res, err := call(ctx, r, stuiproto.DebugSetBreakpointCommand, stuiproto.DebugSetBreakpointParams{ClassName: FixtureClass, Selector: "conformanceCounted", Line: 4})
	if err != nil {
		return nil, errors.New(describe(err))
	}
	return res, nil
}

func (r *runner) removeBreakpoint(ctx context.Context, id string) {
	_, _ = call(ctx, r, stuiproto.DebugRemoveBreakpointCommand, stuiproto.DebugRemoveBreakpointParams{BreakpointID: id})
}

func checkSetBreakpoint(ctx context.Context, r *runner) (string, error) {
	bp, err := r.setBreakpoint(ctx)
	if err != nil {
		return "", err
	}
	defer r.removeBreakpoint(ctx, bp.BreakpointID)
	if bp.BreakpointID == "" || bp.Line != 4 {
		return "", fmt.Errorf("breakpoint_id %q at line %d: want an id at line 4, the statement n := n + 1", bp.BreakpointID, bp.Line)
	}
	list, err := call(ctx, r, stuiproto.DebugListCommand, stuiproto.DebugListParams{})
	if err != nil {
		return "", fmt.Errorf("debug_list: %s", describe(err))
	}
	if !slices.ContainsFunc(list.Breakpoints, func(b stuiproto.DebugBreakpoint) bool {
		return b.BreakpointID == bp.BreakpointID && b.ClassName == FixtureClass && b.Selector == "conformanceCounted"
	}) {
		return "", fmt.Errorf("debug_list's breakpoints %+v lack %s", list.Breakpoints, bp.BreakpointID)
	}
	return "set at line 4 and listed", nil
}

func checkRemoveBreakpoint(ctx context.Context, r *runner) (string, error) {
	bp, err := r.setBreakpoint(ctx)
	if err != nil {
		return "", fmt.Errorf("setting one to remove: %v", err)
	}
	res, err := call(ctx, r, stuiproto.DebugRemoveBreakpointCommand, stuiproto.DebugRemoveBreakpointParams{BreakpointID: bp.BreakpointID})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if !res.Removed {
		return "", errors.New("removed false")
	}
	list, err := call(ctx, r, stuiproto.DebugListCommand, stuiproto.DebugListParams{})
	if err != nil {
		return "", fmt.Errorf("debug_list: %s", describe(err))
	}
	if slices.ContainsFunc(list.Breakpoints, func(b stuiproto.DebugBreakpoint) bool { return b.BreakpointID == bp.BreakpointID }) {
		return "", fmt.Errorf("debug_list still lists %s", bp.BreakpointID)
	}
	return "removed, and no longer listed", nil
}

// checkRemoveDroppedBreakpoint: a breakpoint never set, and one that
// compiling its method anew dropped (as Pharo drops them), are neither
// listed nor removable; a debug adapter relies on that to set its
// breakpoints again after a save.
func checkRemoveDroppedBreakpoint(ctx context.Context, r *runner) (string, error) {
	if _, err := errorCase(ctx, r, stuiproto.CmdDebugRemoveBreakpoint, stuiproto.DebugRemoveBreakpointParams{BreakpointID: noSuchBreakpoint}, stuiproto.ErrObjectNotFound); err != nil {
		return "", fmt.Errorf("one never set: %v", err)
	}
	bp, err := r.setBreakpoint(ctx)
	if err != nil {
		return "", fmt.Errorf("setting one to drop: %v", err)
	}
	defer r.removeBreakpoint(ctx, bp.BreakpointID)
	if _, err := call(ctx, r, stuiproto.CompileMethodCommand, stuiproto.CompileMethodParams{ClassName: FixtureClass, Category: "stui-conformance",
		Source: countedSource + "\n\t\"compiled anew\""}); err != nil {
		return "", fmt.Errorf("compiling conformanceCounted anew: %s", describe(err))
	}
	list, err := call(ctx, r, stuiproto.DebugListCommand, stuiproto.DebugListParams{})
	if err != nil {
		return "", fmt.Errorf("debug_list: %s", describe(err))
	}
	if slices.ContainsFunc(list.Breakpoints, func(b stuiproto.DebugBreakpoint) bool { return b.BreakpointID == bp.BreakpointID }) {
		return "", fmt.Errorf("debug_list still lists %s after conformanceCounted was compiled anew", bp.BreakpointID)
	}
	if _, err := errorCase(ctx, r, stuiproto.CmdDebugRemoveBreakpoint, stuiproto.DebugRemoveBreakpointParams{BreakpointID: bp.BreakpointID}, stuiproto.ErrObjectNotFound); err != nil {
		return "", fmt.Errorf("one its method's compile dropped: %v", err)
	}
	return "ObjectNotFound for one never set, and for one dropped (and no longer listed) when its method was compiled anew", nil
}
