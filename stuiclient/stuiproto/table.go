package stuiproto

import (
	"context"
	"fmt"
	"time"
)

// Command is one command of the protocol with its parameter type P and result
// type R. The table below has one for every command; everything that goes by
// command (the client, the server's calls, the vectors, the test backend's
// dispatch, the docs' list) derives from it, so a new command is one entry
// here plus its handler, and a params or result of another command does not
// compile at a call through Call.
type Command[P, R any] struct {
	Name string
	// MutatesImage: the command changes the image or a session in it, so a
	// request lost with its connection must not be sent again; one that
	// changes nothing may be, once.
	MutatesImage bool
	// wait is the command's deadline rule when it has one of its own: how
	// long a caller with no deadline of its own waits for the reply to p.
	wait func(p P) time.Duration
}

// Wait is how long a caller that has no deadline of its own should wait for
// the reply to p: zero means the caller's usual timeout.
func (c Command[P, R]) Wait(p P) time.Duration {
	if c.wait == nil {
		return 0
	}
	return c.wait(p)
}

// EvaluateMargin is how much longer than an evaluation's own timeout_ms a
// caller waits, so that the image's Timeout reply arrives before the caller
// gives up on it.
const EvaluateMargin = 2 * time.Second

// EvaluationWait is how long to wait for the reply to an evaluation the image
// bounds at timeoutMS.
func EvaluationWait(timeoutMS int) time.Duration {
	return time.Duration(timeoutMS)*time.Millisecond + EvaluateMargin
}

func runTestsWait(p RunTestsParams) time.Duration {
	if p.TimeoutMS <= 0 {
		return EvaluationWait(RunTestsDefaultTimeoutMS)
	}
	return EvaluationWait(p.TimeoutMS)
}

func evaluationWait(p EvaluateParams) time.Duration {
	if p.TimeoutMS <= 0 {
		return 0
	}
	return EvaluationWait(p.TimeoutMS)
}

// The commands, in the order of docs/protocol.md.
var (
	PingCommand                 = Command[PingParams, PingResult]{Name: CmdPing}
	EvaluateCommand             = Command[EvaluateParams, EvaluateResult]{Name: CmdEvaluate, MutatesImage: true, wait: evaluationWait}
	InspectCommand              = Command[InspectParams, InspectResult]{Name: CmdInspect, MutatesImage: true}
	BrowseClassCommand          = Command[BrowseClassParams, BrowseClassResult]{Name: CmdBrowseClass}
	GetMethodCommand            = Command[GetMethodParams, GetMethodResult]{Name: CmdGetMethod}
	ListClassesCommand          = Command[ListClassesParams, ListClassesResult]{Name: CmdListClasses}
	SystemInfoCommand           = Command[SystemInfoParams, SystemInfoResult]{Name: CmdSystemInfo}
	ImplementorsCommand         = Command[SelectorParams, ImplementorsResult]{Name: CmdImplementors}
	SendersCommand              = Command[SelectorParams, SendersResult]{Name: CmdSenders}
	CompleteCommand             = Command[CompleteParams, CompleteResult]{Name: CmdComplete}
	CompileMethodCommand        = Command[CompileMethodParams, CompileMethodResult]{Name: CmdCompileMethod, MutatesImage: true}
	DefineClassCommand          = Command[DefineClassParams, DefineClassResult]{Name: CmdDefineClass, MutatesImage: true}
	FormatSourceCommand         = Command[FormatSourceParams, FormatSourceResult]{Name: CmdFormatSource}
	GetVariableCommand          = Command[GetVariableParams, GetVariableResult]{Name: CmdGetVariable, MutatesImage: true}
	ReleaseObjectsCommand       = Command[ReleaseObjectsParams, ReleaseObjectsResult]{Name: CmdReleaseObjects, MutatesImage: true}
	InterruptCommand            = Command[InterruptParams, InterruptResult]{Name: CmdInterrupt, MutatesImage: true}
	CreateSessionCommand        = Command[CreateSessionParams, Session]{Name: CmdCreateSession, MutatesImage: true}
	RestoreSessionCommand       = Command[SessionIDParams, RestoreSessionResult]{Name: CmdRestoreSession, MutatesImage: true}
	UpdateSessionStateCommand   = Command[UpdateSessionStateParams, UpdateSessionStateResult]{Name: CmdUpdateSessionState, MutatesImage: true}
	CloseSessionCommand         = Command[SessionIDParams, CloseSessionResult]{Name: CmdCloseSession, MutatesImage: true}
	GetSessionInfoCommand       = Command[SessionIDParams, SessionInfoResult]{Name: CmdGetSessionInfo}
	ListClientSessionsCommand   = Command[ClientIDParams, ListClientSessionsResult]{Name: CmdListClientSessions}
	GetSessionStatisticsCommand = Command[NoParams, SessionStatisticsResult]{Name: CmdGetSessionStatistics}
	SaveContextCommand          = Command[ContextParams, SaveContextResult]{Name: CmdSaveContext, MutatesImage: true}
	LoadContextCommand          = Command[ContextParams, LoadContextResult]{Name: CmdLoadContext, MutatesImage: true}
	GetContextSummaryCommand    = Command[SessionIDParams, ContextSummaryResult]{Name: CmdGetContextSummary}
	ClearContextCommand         = Command[ClearContextParams, ClearContextResult]{Name: CmdClearContext, MutatesImage: true}
	RunTestsCommand             = Command[RunTestsParams, RunTestsResult]{Name: CmdRunTests, MutatesImage: true, wait: runTestsWait}
)

// Table is every command seen without its types, in the order of
// docs/protocol.md, for code that goes by a command's name.
var Table = []Spec{
	PingCommand.Spec(),
	EvaluateCommand.Spec(),
	InspectCommand.Spec(),
	BrowseClassCommand.Spec(),
	GetMethodCommand.Spec(),
	ListClassesCommand.Spec(),
	SystemInfoCommand.Spec(),
	ImplementorsCommand.Spec(),
	SendersCommand.Spec(),
	CompleteCommand.Spec(),
	CompileMethodCommand.Spec(),
	DefineClassCommand.Spec(),
	FormatSourceCommand.Spec(),
	GetVariableCommand.Spec(),
	ReleaseObjectsCommand.Spec(),
	InterruptCommand.Spec(),
	CreateSessionCommand.Spec(),
	RestoreSessionCommand.Spec(),
	UpdateSessionStateCommand.Spec(),
	CloseSessionCommand.Spec(),
	GetSessionInfoCommand.Spec(),
	ListClientSessionsCommand.Spec(),
	GetSessionStatisticsCommand.Spec(),
	SaveContextCommand.Spec(),
	LoadContextCommand.Spec(),
	GetContextSummaryCommand.Spec(),
	ClearContextCommand.Spec(),
	TranscriptCommand.Spec(),
	RunTestsCommand.Spec(),
	DebugEvaluateCommand.Spec(),
	DebugStackCommand.Spec(),
	DebugVariablesCommand.Spec(),
	DebugEvaluateInFrameCommand.Spec(),
	DebugStepCommand.Spec(),
	DebugResumeCommand.Spec(),
	DebugTerminateCommand.Spec(),
	DebugListCommand.Spec(),
	DebugWaitCommand.Spec(),
	DebugSetBreakpointCommand.Spec(),
	DebugRemoveBreakpointCommand.Spec(),
}

// Spec is a Command seen without its types.
type Spec struct {
	Name         string
	MutatesImage bool
	// NewParams and NewResult return a pointer to a new zero value of the
	// command's parameter and result types.
	NewParams, NewResult func() any
	// Wait is Command.Wait for params of the command's type (a value or a
	// pointer); zero for anything else.
	Wait func(params any) time.Duration
}

// Spec returns the command's untyped entry.
func (c Command[P, R]) Spec() Spec {
	return Spec{
		Name:         c.Name,
		MutatesImage: c.MutatesImage,
		NewParams:    func() any { return new(P) },
		NewResult:    func() any { return new(R) },
		Wait: func(params any) time.Duration {
			switch p := params.(type) {
			case P:
				return c.Wait(p)
			case *P:
				if p != nil {
					return c.Wait(*p)
				}
			}
			return 0
		},
	}
}

var byName = func() map[string]Spec {
	m := make(map[string]Spec, len(Table))
	for _, s := range Table {
		if _, dup := m[s.Name]; dup {
			panic(fmt.Sprintf("stuiproto: command %q is in the table twice", s.Name))
		}
		m[s.Name] = s
	}
	return m
}()

// Lookup returns the table entry of a command by name.
func Lookup(name string) (Spec, bool) {
	s, ok := byName[name]
	return s, ok
}

// Caller sends one command by name: the STUI client, or anything standing in
// for it.
type Caller interface {
	Call(ctx context.Context, command string, params, result any) error
}

// Call sends cmd with params through c and decodes the reply's result into
// result (nil to ignore it). Its types come from the table: a params or
// result value of another command does not compile.
func Call[P, R any](ctx context.Context, c Caller, cmd Command[P, R], params P, result *R) error {
	if result == nil {
		return c.Call(ctx, cmd.Name, params, nil)
	}
	return c.Call(ctx, cmd.Name, params, result)
}

// VersionMismatchError reports that the image speaks another major version of
// the protocol.
type VersionMismatchError struct {
	Client string // Version
	Server string // the image's protocol_version
}

func (e *VersionMismatchError) Error() string {
	return fmt.Sprintf("stui: the image speaks protocol %s, this client %s: some commands may not work", e.Server, e.Client)
}

// CheckVersion compares the protocol version an image reports in its ping
// with Version: a different major version is a *VersionMismatchError, nil
// otherwise.
func CheckVersion(imageVersion string) *VersionMismatchError {
	if MajorVersion(imageVersion) == MajorVersion(Version) {
		return nil
	}
	return &VersionMismatchError{Client: Version, Server: imageVersion}
}
