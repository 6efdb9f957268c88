package stuiproto

import "time"

// The debugger commands (1.2). A debug evaluation runs code as evaluate does,
// but an unhandled error, a halt or a breakpoint suspends its process instead
// of ending it: the reply names a debug session, and the commands below look
// at its stack, evaluate in its frames, step it, resume it or end it. The
// image also opens a debug session for an error raised elsewhere (a test
// run under the debugger, a process that halts); debug_wait tells of each.
const (
	CmdDebugEvaluate         = "debug_evaluate"
	CmdDebugStack            = "debug_stack"
	CmdDebugVariables        = "debug_variables"
	CmdDebugEvaluateInFrame  = "debug_evaluate_in_frame"
	CmdDebugStep             = "debug_step"
	CmdDebugResume           = "debug_resume"
	CmdDebugTerminate        = "debug_terminate"
	CmdDebugList             = "debug_list"
	CmdDebugWait             = "debug_wait"
	CmdDebugSetBreakpoint    = "debug_set_breakpoint"
	CmdDebugRemoveBreakpoint = "debug_remove_breakpoint"
)

// Step kinds of debug_step, as Pharo's DebugSession names them.
const (
	StepInto    = "into"
	StepOver    = "over"
	StepThrough = "through"
	StepRestart = "restart"
)

// Debug session states.
const (
	// DebugSuspended: the process waits for a step, a resume or the end.
	DebugSuspended = "suspended"
	// DebugRunning: the process was resumed and has neither ended nor
	// stopped again within the reply's wait; debug_wait tells when it stops.
	DebugRunning = "running"
	// DebugTerminated: the process ended (it returned, or was terminated);
	// the session is gone.
	DebugTerminated = "terminated"
)

// Why a process was suspended.
const (
	ReasonError      = "error"
	ReasonHalt       = "halt"
	ReasonBreakpoint = "breakpoint"
	ReasonStep       = "step"
)

// MaxDebugWait caps debug_wait's and debug_resume's wait_ms.
const MaxDebugWait = 10 * time.Second

// DebugMargin is how much longer than wait_ms a caller waits for the reply.
const DebugMargin = 2 * time.Second

type DebugEvaluateParams struct {
	Code      string `json:"code"`
	SessionID string `json:"session_id,omitempty"`
	// TimeoutMS bounds how long the code may run before it ends or stops
	// (default 30000): a process still running then is suspended, as an
	// interrupt would, with reason "halt".
	TimeoutMS int `json:"timeout_ms,omitempty"`
}

// DebugSessionInfo describes one suspended (or ended) process.
type DebugSessionInfo struct {
	DebugSessionID string `json:"debug_session_id"`
	// Seq grows at every suspension in the image (a new session or a step
	// that stopped again): debug_wait answers those after a seq.
	Seq   int64  `json:"seq"`
	State string `json:"state"`
	// Reason is one of ReasonError, ReasonHalt, ReasonBreakpoint, ReasonStep.
	Reason string `json:"reason"`
	// Error is the signalled exception's messageText (or the halt's), and
	// ErrorClass its class; both empty after a step.
	Error      string `json:"error"`
	ErrorClass string `json:"error_class"`
	// SessionID is the STUI session whose code raised it, "" for none.
	SessionID string `json:"session_id"`
	Created   string `json:"created"`
}

// DebugFrame is one context of a suspended process, the top first.
type DebugFrame struct {
	// FrameID names the frame within its debug session; ids of the frames
	// below the top stay the same across a step.
	FrameID       string `json:"frame_id"`
	Index         int    `json:"index"`
	ReceiverClass string `json:"receiver_class"`
	MethodClass   string `json:"method_class"`
	Selector      string `json:"selector"`
	IsBlock       bool   `json:"is_block"`
	IsClassSide   bool   `json:"is_class_side"`
	// Line and Column (1-based, in characters) are where the frame's pc is
	// in Source; 0 when the image cannot say.
	Line   int `json:"line"`
	Column int `json:"column"`
	// Source is the method's source when asked for (include_source), or for
	// a DoIt, which has no other way to be fetched; else get_method has it.
	Source string `json:"source,omitempty"`
	// IsDoIt marks the frame of the evaluated code itself.
	IsDoIt bool `json:"is_doit"`
}

type DebugEvaluateResult struct {
	// Suspended says which half is set: DebugSession and Stack when the
	// process stopped, Result when it returned.
	Suspended    bool              `json:"suspended"`
	DebugSession *DebugSessionInfo `json:"debug_session,omitempty"`
	Stack        []DebugFrame      `json:"stack,omitempty"`
	Result       *EvaluateResult   `json:"result,omitempty"`
}

type DebugSessionParams struct {
	DebugSessionID string `json:"debug_session_id"`
}

type DebugStackParams struct {
	DebugSessionID string `json:"debug_session_id"`
	IncludeSource  bool   `json:"include_source,omitempty"`
}

type DebugStackResult struct {
	DebugSession DebugSessionInfo `json:"debug_session"`
	Stack        []DebugFrame     `json:"stack"`
}

type DebugFrameParams struct {
	DebugSessionID string `json:"debug_session_id"`
	FrameID        string `json:"frame_id"`
}

// Kinds of a frame's variables.
const (
	VarReceiver = "receiver"
	VarArgument = "argument"
	VarTemp     = "temporary"
	VarInstVar  = "instance_variable"
)

// DebugVariable is one variable of a frame. ObjectID is registered in the
// debug session's STUI session (the scratch registry without one), so that
// inspect drills into it.
type DebugVariable struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	PrintString string  `json:"print_string"`
	ClassName   string  `json:"class_name"`
	ObjectID    *string `json:"object_id"`
	HasSlots    bool    `json:"has_slots"`
}

type DebugVariablesResult struct {
	Variables []DebugVariable `json:"variables"`
}

type DebugEvaluateInFrameParams struct {
	DebugSessionID string `json:"debug_session_id"`
	FrameID        string `json:"frame_id"`
	Code           string `json:"code"`
}

type DebugStepParams struct {
	DebugSessionID string `json:"debug_session_id"`
	// FrameID is the frame to step or restart (default: the top).
	FrameID string `json:"frame_id,omitempty"`
	Kind    string `json:"kind"`
}

// DebugProgressResult is where a step or a resume left the process: still
// suspended (DebugSession and Stack), running, or ended (Result, the value
// the evaluated code returned, when it returned).
type DebugProgressResult struct {
	State        string            `json:"state"`
	DebugSession *DebugSessionInfo `json:"debug_session,omitempty"`
	Stack        []DebugFrame      `json:"stack,omitempty"`
	Result       *EvaluateResult   `json:"result,omitempty"`
}

type DebugResumeParams struct {
	DebugSessionID string `json:"debug_session_id"`
	// WaitMS is how long the reply may wait for the process to end or stop
	// again (default 0: answer "running" at once unless it already has; at
	// most MaxDebugWait).
	WaitMS int `json:"wait_ms,omitempty"`
}

type DebugTerminateResult struct {
	DebugSessionID string `json:"debug_session_id"`
	Terminated     bool   `json:"terminated"`
}

type DebugListParams struct{}

type DebugListResult struct {
	Sessions []DebugSessionInfo `json:"sessions"`
	// MaxSessions is how many suspended processes the image keeps: a
	// process that would be one more is terminated with its error instead.
	MaxSessions int `json:"max_sessions"`
	// Breakpoints are those set, whoever set them.
	Breakpoints []DebugBreakpoint `json:"breakpoints"`
}

type DebugBreakpoint struct {
	BreakpointID  string `json:"breakpoint_id"`
	ClassName     string `json:"class_name"`
	Selector      string `json:"selector"`
	IsClassMethod bool   `json:"is_class_method"`
	Line          int    `json:"line"`
}

type DebugWaitParams struct {
	// After is the last seq the client has seen (0: none).
	After  int64 `json:"after"`
	WaitMS int   `json:"wait_ms"`
}

type DebugWaitResult struct {
	// Sessions are those suspended after After, oldest first.
	Sessions []DebugSessionInfo `json:"sessions"`
	Next     int64              `json:"next"`
}

// DebugSetBreakpointParams asks for a breakpoint at the statement that
// starts at or after Line (1-based, in the method's source) of a method,
// or at the method's first statement when Line is 0. A breakpoint belongs to
// SessionID when given, and goes when that session closes.
type DebugSetBreakpointParams struct {
	ClassName     string `json:"class_name"`
	Selector      string `json:"selector"`
	IsClassMethod bool   `json:"is_class_method,omitempty"`
	Line          int    `json:"line,omitempty"`
	SessionID     string `json:"session_id,omitempty"`
}

type DebugSetBreakpointResult struct {
	BreakpointID string `json:"breakpoint_id"`
	// Line is the line of the statement the breakpoint is on.
	Line int `json:"line"`
}

type DebugRemoveBreakpointParams struct {
	BreakpointID string `json:"breakpoint_id"`
}

type DebugRemoveBreakpointResult struct {
	Removed bool `json:"removed"`
}

func waitWithMargin(ms int) time.Duration {
	return min(time.Duration(max(ms, 0))*time.Millisecond, MaxDebugWait) + DebugMargin
}

func debugEvaluateWait(p DebugEvaluateParams) time.Duration {
	if p.TimeoutMS <= 0 {
		return EvaluationWait(30000)
	}
	return EvaluationWait(p.TimeoutMS)
}

// A step runs code until the next stop, so it is bounded like an evaluation.
func debugStepWait(DebugStepParams) time.Duration { return EvaluationWait(30000) }

// The debugger's commands, in the order of docs/protocol.md.
var (
	DebugEvaluateCommand         = Command[DebugEvaluateParams, DebugEvaluateResult]{Name: CmdDebugEvaluate, MutatesImage: true, wait: debugEvaluateWait}
	DebugStackCommand            = Command[DebugStackParams, DebugStackResult]{Name: CmdDebugStack}
	DebugVariablesCommand        = Command[DebugFrameParams, DebugVariablesResult]{Name: CmdDebugVariables, MutatesImage: true}
	DebugEvaluateInFrameCommand  = Command[DebugEvaluateInFrameParams, EvaluateResult]{Name: CmdDebugEvaluateInFrame, MutatesImage: true}
	DebugStepCommand             = Command[DebugStepParams, DebugProgressResult]{Name: CmdDebugStep, MutatesImage: true, wait: debugStepWait}
	DebugResumeCommand           = Command[DebugResumeParams, DebugProgressResult]{Name: CmdDebugResume, MutatesImage: true, wait: func(p DebugResumeParams) time.Duration { return waitWithMargin(p.WaitMS) }}
	DebugTerminateCommand        = Command[DebugSessionParams, DebugTerminateResult]{Name: CmdDebugTerminate, MutatesImage: true}
	DebugListCommand             = Command[DebugListParams, DebugListResult]{Name: CmdDebugList}
	DebugWaitCommand             = Command[DebugWaitParams, DebugWaitResult]{Name: CmdDebugWait, wait: func(p DebugWaitParams) time.Duration { return waitWithMargin(p.WaitMS) }}
	DebugSetBreakpointCommand    = Command[DebugSetBreakpointParams, DebugSetBreakpointResult]{Name: CmdDebugSetBreakpoint, MutatesImage: true}
	DebugRemoveBreakpointCommand = Command[DebugRemoveBreakpointParams, DebugRemoveBreakpointResult]{Name: CmdDebugRemoveBreakpoint, MutatesImage: true}
)
