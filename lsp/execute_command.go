package lsp

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// The commands of workspace/executeCommand.
const (
	cmdEvaluate         = "stui.evaluate"
	cmdPrintIt          = "stui.printIt"
	cmdInspect          = "stui.inspect"
	cmdBrowseClass      = "stui.browseClass"
	cmdSystemInfo       = "stui.systemInfo"
	cmdResetSession     = "stui.resetSession"
	cmdInterrupt        = "stui.interrupt"
	cmdStatus           = "stui.status"
	cmdCompileMethod    = "stui.compileMethod"
	cmdReplaceWithImage = "stui.replaceWithImage"
)

// lspCommand is one command of workspace/executeCommand: a new command is
// one entry in lspCommands and the method that runs it.
type lspCommand struct {
	name string
	run  func(s *server, ctx context.Context, args commandArgs) (any, error)
	// wait bounds the command against a hung image; zero leaves it to the
	// command (evaluations have a deadline of their own).
	wait time.Duration
}

// within sets the command's deadline.
func (c lspCommand) within(d time.Duration) lspCommand {
	c.wait = d
	return c
}

// Deadlines of the commands that do not evaluate: stopping an evaluation or
// starting afresh must be quick to fail, since the image may be hung.
const (
	quickCommandWait   = 2 * time.Second
	browseCommandWait  = 5 * time.Second
	compileCommandWait = 10 * time.Second
)

// command adapts a method returning its own result type to the table.
func command[R any](name string, run func(*server, context.Context, commandArgs) (R, error)) lspCommand {
	return lspCommand{name: name, run: func(s *server, ctx context.Context, args commandArgs) (any, error) {
		return run(s, ctx, args)
	}}
}

var lspCommands = []lspCommand{
	command(cmdEvaluate, func(s *server, ctx context.Context, args commandArgs) (*evaluateResult, error) {
		return s.runEvaluate(ctx, args, stuiproto.ModeDisplay)
	}),
	command(cmdPrintIt, (*server).runPrintIt),
	command(cmdInspect, (*server).runInspect),
	command(cmdBrowseClass, (*server).runBrowseClass).within(browseCommandWait),
	command(cmdSystemInfo, (*server).runSystemInfo).within(browseCommandWait),
	command(cmdResetSession, (*server).runResetSession).within(2 * quickCommandWait),
	command(cmdInterrupt, (*server).runInterrupt).within(quickCommandWait),
	command(cmdStatus, func(s *server, _ context.Context, _ commandArgs) (*statusReport, error) {
		return s.statusReport(), nil
	}),
	command(cmdCompileMethod, (*server).runCompileMethod).within(compileCommandWait),
	command(cmdReplaceWithImage, (*server).runReplaceWithImage).within(compileCommandWait),
	command(cmdSenders, (*server).runSenders).within(browseCommandWait),
	command(cmdImplementors, (*server).runImplementors).within(browseCommandWait),
	// A test run has the deadline of its run_tests request.
	command(cmdRunTests, (*server).runTests),
	command(cmdListTests, (*server).listTests).within(browseCommandWait),
	command(cmdDebugIt, (*server).runDebugIt),
}

// commandNames are the commands announced in initialize, in table order.
var commandNames = func() []string {
	names := make([]string, len(lspCommands))
	for i, c := range lspCommands {
		names[i] = c.name
	}
	return names
}()

func lookupCommand(name string) (lspCommand, bool) {
	for _, c := range lspCommands {
		if c.name == name {
			return c, true
		}
	}
	return lspCommand{}, false
}

// commandArgs is the one object every command takes. The lenses and code
// actions encode it as their arguments, which carry only the fields set: the
// documented shapes ({uri, range}, {uri, range, method}), nothing else.
type commandArgs struct {
	URI       uri.URI         `json:"uri,omitempty"`
	Range     *protocol.Range `json:"range,omitempty"`
	Code      string          `json:"code,omitempty"`
	ObjectID  string          `json:"objectId,omitempty"`
	Offset    int             `json:"offset,omitempty"`
	Limit     int             `json:"limit,omitempty"`
	ClassName string          `json:"className,omitempty"`
	InfoType  string          `json:"infoType,omitempty"`
	// Method identifies a method of a Tonel document for the compile actions.
	Method *methodKey `json:"method,omitempty"`
	// Open asks stui.inspect to show the inspector document (default true).
	Open *bool `json:"open,omitempty"`
	// Selectors, with ClassName, name the tests stui.runTests runs.
	Selectors []string `json:"selectors,omitempty"`
	// LegacyClassName is stui.runTests's first spelling of className, still
	// read so that editor configurations written for it keep working.
	LegacyClassName string `json:"class_name,omitempty"`
}

func (s *server) ExecuteCommand(ctx context.Context, params *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
	var args commandArgs
	// Some clients encode an empty object as an empty array (Lua's {}).
	if len(params.Arguments) > 0 && !isEmptyJSON(params.Arguments[0]) {
		if err := json.Unmarshal(params.Arguments[0], &args); err != nil {
			return nil, errInvalidParams("%s takes one object argument: %v", params.Command, err)
		}
	}
	cmd, ok := lookupCommand(params.Command)
	if !ok {
		return nil, errInvalidParams("unknown command %q; stui-lsp knows %s", params.Command, strings.Join(commandNames, ", "))
	}
	runCtx := ctx
	if cmd.wait > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, cmd.wait)
		defer cancel()
	}
	result, err := cmd.run(s, runCtx, args)
	if err != nil {
		if s.caps.logsCommandErrors && ctx.Err() == nil {
			s.tellUser(ctx, protocol.MessageTypeError, "stui: "+err.Error())
		}
		return nil, err
	}
	data, err := json.Marshal(result)
	if err != nil {
		return nil, err
	}
	return protocol.LSPAny(data), nil
}

// clientLogsCommandErrors names the clients known to write a failed
// workspace/executeCommand only to their log, where the user never looks.
func clientLogsCommandErrors(name string) bool {
	return strings.EqualFold(name, "helix")
}

func isEmptyJSON(raw []byte) bool {
	switch strings.Join(strings.Fields(string(raw)), "") {
	case "", "null", "[]", "{}":
		return true
	}
	return false
}

func (s *server) runBrowseClass(ctx context.Context, args commandArgs) (*stuiproto.BrowseClassResult, error) {
	name := strings.TrimSpace(args.ClassName)
	if name == "" {
		if t, err := s.target(args); err == nil {
			name = strings.TrimSpace(t.code)
		}
	}
	if name == "" {
		return nil, errInvalidParams(`stui.browseClass needs {"className": "..."}`)
	}
	var res stuiproto.BrowseClassResult
	include := true
	err := stuiproto.Call(ctx, s.image, stuiproto.BrowseClassCommand, stuiproto.BrowseClassParams{ClassName: name, IncludeMethods: &include}, &res)
	return &res, s.imageError(err)
}

func (s *server) runSystemInfo(ctx context.Context, args commandArgs) (*stuiproto.SystemInfoResult, error) {
	var res stuiproto.SystemInfoResult
	infoType := args.InfoType
	if infoType == "" {
		infoType = "all"
	}
	err := stuiproto.Call(ctx, s.image, stuiproto.SystemInfoCommand, stuiproto.SystemInfoParams{InfoType: infoType}, &res)
	return &res, s.imageError(err)
}

type resetResult struct {
	SessionID string `json:"session_id"`
}

// sessionOfArgs is the session of the workspace folder holding the command's
// document, or of the first folder when it names none.
func (s *server) sessionOfArgs(args commandArgs) *workspaceSession {
	var doc *document
	if args.URI != "" {
		doc, _ = s.docs.get(args.URI)
	}
	return s.sessions.forFolder(s.workspace.folderOf(doc))
}

func (s *server) runResetSession(ctx context.Context, args commandArgs) (*resetResult, error) {
	ws := s.sessionOfArgs(args)
	id, err := ws.reset(ctx)
	if err != nil {
		return nil, s.imageError(err)
	}
	s.results.clear()
	if s.caps.inlayHintRefresh {
		s.goBackground(ctx, "refresh inlay hints", s.refreshInlayHints)
	}
	s.tellUser(ctx, protocol.MessageTypeInfo, "stui: started a fresh session "+id)
	return &resetResult{SessionID: id}, nil
}

func (s *server) runInterrupt(ctx context.Context, args commandArgs) (*stuiproto.InterruptResult, error) {
	ws := s.sessionOfArgs(args)
	ws.mu.Lock()
	id := ws.id
	ws.mu.Unlock()
	var res stuiproto.InterruptResult
	if id == "" {
		return &res, nil
	}
	err := stuiproto.Call(ctx, s.image, stuiproto.InterruptCommand, stuiproto.InterruptParams{SessionID: id}, &res)
	return &res, s.imageError(err)
}

// statusReport says what the server knows about the image, for status bars.
type statusReport struct {
	State           string `json:"state"`
	Connected       bool   `json:"connected"`
	Endpoint        string `json:"endpoint"`
	Error           string `json:"error,omitempty"`
	ProtocolVersion string `json:"protocol_version,omitempty"`
	Dialect         string `json:"dialect,omitempty"`
	DialectVersion  string `json:"dialect_version,omitempty"`
	ImageName       string `json:"image_name,omitempty"`
}

func (s *server) statusReport() *statusReport {
	st, endpoint, lastErr := s.image.status()
	r := &statusReport{State: st.String(), Connected: st == linkUp, Endpoint: endpoint}
	if lastErr != nil {
		r.Error = lastErr.Error()
	}
	if p := s.image.pingResult(); p != nil {
		r.ProtocolVersion, r.Dialect, r.DialectVersion, r.ImageName = p.ProtocolVersion, p.Dialect, p.DialectVersion, p.ImageName
	}
	return r
}
