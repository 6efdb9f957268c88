package stuitest

import (
	"context"
	"fmt"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// handlers answers every command of stuiproto's table, one entry a command,
// each typed by the table: a handler for the wrong params or result type does
// not compile.
var handlers = handlerMap(
	underLock(stuiproto.PingCommand, (*Backend).ping),
	replying(stuiproto.EvaluateCommand, (*Backend).evaluate),
	concurrent(stuiproto.InspectCommand, (*Backend).inspect),
	underLock(stuiproto.BrowseClassCommand, (*Backend).browseClass),
	underLock(stuiproto.GetMethodCommand, (*Backend).getMethod),
	underLock(stuiproto.ListClassesCommand, (*Backend).listClasses),
	underLock(stuiproto.SystemInfoCommand, (*Backend).systemInfo),
	underLock(stuiproto.ImplementorsCommand, (*Backend).implementors),
	underLock(stuiproto.SendersCommand, (*Backend).senders),
	underLock(stuiproto.CompleteCommand, (*Backend).completions),
	underLock(stuiproto.CompileMethodCommand, (*Backend).compileMethod),
	underLock(stuiproto.DefineClassCommand, (*Backend).defineClass),
	underLock(stuiproto.FormatSourceCommand, (*Backend).formatSource),
	underLock(stuiproto.GetVariableCommand, (*Backend).getVariable),
	underLock(stuiproto.ReleaseObjectsCommand, (*Backend).releaseObjects),
	concurrent(stuiproto.InterruptCommand, (*Backend).stopEvaluations),
	underLock(stuiproto.CreateSessionCommand, (*Backend).createSession),
	underLock(stuiproto.RestoreSessionCommand, (*Backend).restoreSession),
	underLock(stuiproto.UpdateSessionStateCommand, (*Backend).updateSessionState),
	underLock(stuiproto.CloseSessionCommand, (*Backend).closeSession),
	underLock(stuiproto.GetSessionInfoCommand, (*Backend).sessionInfoOf),
	underLock(stuiproto.ListClientSessionsCommand, (*Backend).listClientSessions),
	underLock(stuiproto.GetSessionStatisticsCommand, (*Backend).sessionStatistics),
	underLock(stuiproto.SaveContextCommand, (*Backend).saveContext),
	underLock(stuiproto.LoadContextCommand, (*Backend).loadContext),
	underLock(stuiproto.GetContextSummaryCommand, (*Backend).contextSummary),
	underLock(stuiproto.ClearContextCommand, (*Backend).clearContext),
	concurrent(stuiproto.TranscriptCommand, (*Backend).readTranscript),
	replying(stuiproto.RunTestsCommand, (*Backend).runTests),
	replying(stuiproto.DebugEvaluateCommand, (*Backend).debugEvaluate),
	underLock(stuiproto.DebugStackCommand, (*Backend).debugStack),
	underLock(stuiproto.DebugVariablesCommand, (*Backend).debugVariables),
	concurrent(stuiproto.DebugEvaluateInFrameCommand, (*Backend).debugEvaluateInFrame),
	replying(stuiproto.DebugStepCommand, (*Backend).debugStep),
	replying(stuiproto.DebugResumeCommand, (*Backend).debugResume),
	underLock(stuiproto.DebugTerminateCommand, (*Backend).debugTerminate),
	underLock(stuiproto.DebugListCommand, (*Backend).debugList),
	concurrent(stuiproto.DebugWaitCommand, (*Backend).debugWait),
	underLock(stuiproto.DebugSetBreakpointCommand, (*Backend).debugSetBreakpoint),
	underLock(stuiproto.DebugRemoveBreakpointCommand, (*Backend).debugRemoveBreakpoint),
)

// handler answers one request whose parameters are decoded already, into a
// pointer to the command's params type.
type handler func(b *Backend, ctx context.Context, id string, params any) *stuiproto.Reply

type handlerEntry struct {
	name  string
	serve handler
}

func handlerMap(entries ...handlerEntry) map[string]handler {
	m := make(map[string]handler, len(entries))
	for _, e := range entries {
		if _, dup := m[e.name]; dup {
			panic(fmt.Sprintf("stuitest: two handlers for %s", e.name))
		}
		m[e.name] = e.serve
	}
	return m
}

// underLock is the entry of a command that runs under b.mu, at the time the
// request came: everything but evaluations and what must reach them.
func underLock[P, R any](cmd stuiproto.Command[P, R], run func(*Backend, time.Time, *P) (R, error)) handlerEntry {
	return handlerEntry{cmd.Name, func(b *Backend, _ context.Context, id string, params any) *stuiproto.Reply {
		b.mu.Lock()
		r, err := run(b, b.now(), params.(*P))
		b.mu.Unlock()
		if err != nil {
			return errReply(id, err)
		}
		return Success(id, r)
	}}
}

// concurrent is the entry of a command that takes b.mu itself, as long as it
// needs to, so that it can run beside an evaluation (and interrupt it).
func concurrent[P, R any](cmd stuiproto.Command[P, R], run func(*Backend, context.Context, *P) (R, error)) handlerEntry {
	return handlerEntry{cmd.Name, func(b *Backend, ctx context.Context, id string, params any) *stuiproto.Reply {
		r, err := run(b, ctx, params.(*P))
		if err != nil {
			return errReply(id, err)
		}
		return Success(id, r)
	}}
}

// replying is the entry of a command that makes its reply itself.
func replying[P, R any](cmd stuiproto.Command[P, R], run func(*Backend, context.Context, string, *P) *stuiproto.Reply) handlerEntry {
	return handlerEntry{cmd.Name, func(b *Backend, ctx context.Context, id string, params any) *stuiproto.Reply {
		return run(b, ctx, id, params.(*P))
	}}
}
