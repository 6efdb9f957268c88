package stuiclient

import (
	"context"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func do[R any](c *Client, ctx context.Context, command string, params any) (*R, error) {
	r := new(R)
	if err := c.Call(ctx, command, params, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Ping asks the image who it is. When the image's protocol major version
// differs from stuiproto.Version, Ping returns the result together with a
// *VersionMismatchError, or, with WithVersionWarning, calls the warning
// function once and returns no error.
func (c *Client) Ping(ctx context.Context) (*stuiproto.PingResult, error) {
	r, err := do[stuiproto.PingResult](c, ctx, stuiproto.CmdPing, stuiproto.PingParams{})
	if err != nil {
		return nil, err
	}
	if stuiproto.MajorVersion(r.ProtocolVersion) != stuiproto.MajorVersion(stuiproto.Version) {
		vm := &VersionMismatchError{Client: stuiproto.Version, Server: r.ProtocolVersion}
		if c.o.versionWarning == nil {
			return r, vm
		}
		if !c.warned.Swap(true) {
			c.o.versionWarning(vm)
		}
	}
	return r, nil
}

// Evaluate runs code in the image. Without a deadline in ctx, the call waits
// for the server's own evaluation timeout (p.TimeoutMS) plus a margin, so the
// image's Timeout reply arrives before the client gives up.
func (c *Client) Evaluate(ctx context.Context, p stuiproto.EvaluateParams) (*stuiproto.EvaluateResult, error) {
	if _, ok := ctx.Deadline(); !ok && p.TimeoutMS > 0 {
		if d := time.Duration(p.TimeoutMS)*time.Millisecond + 2*time.Second; d > c.o.timeout {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
	}
	return do[stuiproto.EvaluateResult](c, ctx, stuiproto.CmdEvaluate, p)
}

// Inspect describes an object of a session's registry, or the value of an
// expression, with its slots paged by p.Offset and p.Limit.
func (c *Client) Inspect(ctx context.Context, p stuiproto.InspectParams) (*stuiproto.InspectResult, error) {
	return do[stuiproto.InspectResult](c, ctx, stuiproto.CmdInspect, p)
}

// BrowseClass describes a class, its methods and variables.
func (c *Client) BrowseClass(ctx context.Context, p stuiproto.BrowseClassParams) (*stuiproto.BrowseClassResult, error) {
	return do[stuiproto.BrowseClassResult](c, ctx, stuiproto.CmdBrowseClass, p)
}

// GetMethod returns one method with its source.
func (c *Client) GetMethod(ctx context.Context, p stuiproto.GetMethodParams) (*stuiproto.GetMethodResult, error) {
	return do[stuiproto.GetMethodResult](c, ctx, stuiproto.CmdGetMethod, p)
}

// ListClasses lists class names matching a pattern.
func (c *Client) ListClasses(ctx context.Context, p stuiproto.ListClassesParams) (*stuiproto.ListClassesResult, error) {
	return do[stuiproto.ListClassesResult](c, ctx, stuiproto.CmdListClasses, p)
}

// SystemInfo describes the image and its VM.
func (c *Client) SystemInfo(ctx context.Context, p stuiproto.SystemInfoParams) (*stuiproto.SystemInfoResult, error) {
	return do[stuiproto.SystemInfoResult](c, ctx, stuiproto.CmdSystemInfo, p)
}

// Implementors lists the methods implementing a selector.
func (c *Client) Implementors(ctx context.Context, p stuiproto.SelectorParams) (*stuiproto.ImplementorsResult, error) {
	return do[stuiproto.ImplementorsResult](c, ctx, stuiproto.CmdImplementors, p)
}

// Senders lists the methods sending a selector.
func (c *Client) Senders(ctx context.Context, p stuiproto.SelectorParams) (*stuiproto.SendersResult, error) {
	return do[stuiproto.SendersResult](c, ctx, stuiproto.CmdSenders, p)
}

// Complete proposes completions for a prefix.
func (c *Client) Complete(ctx context.Context, p stuiproto.CompleteParams) (*stuiproto.CompleteResult, error) {
	return do[stuiproto.CompleteResult](c, ctx, stuiproto.CmdComplete, p)
}

// CompileMethod compiles and installs a method.
func (c *Client) CompileMethod(ctx context.Context, p stuiproto.CompileMethodParams) (*stuiproto.CompileMethodResult, error) {
	return do[stuiproto.CompileMethodResult](c, ctx, stuiproto.CmdCompileMethod, p)
}

// DefineClass creates or redefines a class.
func (c *Client) DefineClass(ctx context.Context, p stuiproto.DefineClassParams) (*stuiproto.DefineClassResult, error) {
	return do[stuiproto.DefineClassResult](c, ctx, stuiproto.CmdDefineClass, p)
}

// FormatSource formats a method or statements with the image's formatter.
func (c *Client) FormatSource(ctx context.Context, p stuiproto.FormatSourceParams) (*stuiproto.FormatSourceResult, error) {
	return do[stuiproto.FormatSourceResult](c, ctx, stuiproto.CmdFormatSource, p)
}

// GetVariable reads a session's workspace variable.
func (c *Client) GetVariable(ctx context.Context, p stuiproto.GetVariableParams) (*stuiproto.GetVariableResult, error) {
	return do[stuiproto.GetVariableResult](c, ctx, stuiproto.CmdGetVariable, p)
}

// ReleaseObjects removes ids from a session's object registry.
func (c *Client) ReleaseObjects(ctx context.Context, p stuiproto.ReleaseObjectsParams) (*stuiproto.ReleaseObjectsResult, error) {
	return do[stuiproto.ReleaseObjectsResult](c, ctx, stuiproto.CmdReleaseObjects, p)
}

// Interrupt stops a running evaluation, by request id or by session.
func (c *Client) Interrupt(ctx context.Context, p stuiproto.InterruptParams) (*stuiproto.InterruptResult, error) {
	return do[stuiproto.InterruptResult](c, ctx, stuiproto.CmdInterrupt, p)
}

// CreateSession opens a session for a client id.
func (c *Client) CreateSession(ctx context.Context, p stuiproto.CreateSessionParams) (*stuiproto.Session, error) {
	return do[stuiproto.Session](c, ctx, stuiproto.CmdCreateSession, p)
}

// RestoreSession returns a session's saved state.
func (c *Client) RestoreSession(ctx context.Context, p stuiproto.SessionIDParams) (*stuiproto.RestoreSessionResult, error) {
	return do[stuiproto.RestoreSessionResult](c, ctx, stuiproto.CmdRestoreSession, p)
}

// UpdateSessionState merges state into a session's state.
func (c *Client) UpdateSessionState(ctx context.Context, p stuiproto.UpdateSessionStateParams) (*stuiproto.UpdateSessionStateResult, error) {
	return do[stuiproto.UpdateSessionStateResult](c, ctx, stuiproto.CmdUpdateSessionState, p)
}

// CloseSession closes a session.
func (c *Client) CloseSession(ctx context.Context, p stuiproto.SessionIDParams) (*stuiproto.CloseSessionResult, error) {
	return do[stuiproto.CloseSessionResult](c, ctx, stuiproto.CmdCloseSession, p)
}

// GetSessionInfo returns a session's bookkeeping and expiry.
func (c *Client) GetSessionInfo(ctx context.Context, p stuiproto.SessionIDParams) (*stuiproto.SessionInfoResult, error) {
	return do[stuiproto.SessionInfoResult](c, ctx, stuiproto.CmdGetSessionInfo, p)
}

// ListClientSessions lists the sessions of a client id.
func (c *Client) ListClientSessions(ctx context.Context, p stuiproto.ClientIDParams) (*stuiproto.ListClientSessionsResult, error) {
	return do[stuiproto.ListClientSessionsResult](c, ctx, stuiproto.CmdListClientSessions, p)
}

// GetSessionStatistics returns the session manager's counters and limits.
func (c *Client) GetSessionStatistics(ctx context.Context) (*stuiproto.SessionStatisticsResult, error) {
	return do[stuiproto.SessionStatisticsResult](c, ctx, stuiproto.CmdGetSessionStatistics, stuiproto.PingParams{})
}

// SaveContext saves a session's evaluation context under a name.
func (c *Client) SaveContext(ctx context.Context, p stuiproto.ContextParams) (*stuiproto.SaveContextResult, error) {
	return do[stuiproto.SaveContextResult](c, ctx, stuiproto.CmdSaveContext, p)
}

// LoadContext loads a saved evaluation context into a session.
func (c *Client) LoadContext(ctx context.Context, p stuiproto.ContextParams) (*stuiproto.LoadContextResult, error) {
	return do[stuiproto.LoadContextResult](c, ctx, stuiproto.CmdLoadContext, p)
}

// GetContextSummary summarises a session's variables, history and registry.
func (c *Client) GetContextSummary(ctx context.Context, p stuiproto.SessionIDParams) (*stuiproto.ContextSummaryResult, error) {
	return do[stuiproto.ContextSummaryResult](c, ctx, stuiproto.CmdGetContextSummary, p)
}

// ClearContext clears a session's variables, history and registry.
func (c *Client) ClearContext(ctx context.Context, p stuiproto.ClearContextParams) (*stuiproto.ClearContextResult, error) {
	return do[stuiproto.ClearContextResult](c, ctx, stuiproto.CmdClearContext, p)
}
