package dap

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-dap"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/smalltalk/index"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// LaunchArguments are launch's arguments: Expression, or Program and Line.
type LaunchArguments struct {
	// Expression is the code to run.
	Expression string `json:"expression"`
	// Program is a file; the statement at Line (1-based) runs.
	Program string  `json:"program"`
	Line    lineArg `json:"line"`
	// Endpoint is the image's (default: the adapter's --endpoint).
	Endpoint string `json:"endpoint"`
	// Cwd is the workspace folder whose image session the code runs in.
	Cwd string `json:"cwd"`
}

// lineArg is a line number given as a number or, as editors substitute
// ${lineNumber}, as a string of digits.
type lineArg int

func (l *lineArg) UnmarshalJSON(data []byte) error {
	var n int
	if err := json.Unmarshal(data, &n); err == nil {
		*l = lineArg(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("line: want a number, got %s", data)
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("line: want a number, got %q", s)
	}
	*l = lineArg(n)
	return nil
}

// AttachArguments are attach's arguments: a debug session of the image, or
// the next one that opens.
type AttachArguments struct {
	DebugSessionID string `json:"debugSessionId"`
	WaitForError   bool   `json:"waitForError"`
	Endpoint       string `json:"endpoint"`
	Cwd            string `json:"cwd"`
}

// dispatch answers one request; it reports whether the connection ends.
// Requests that call the image run in the background, so that a pause can
// reach a step that takes long.
func (s *server) dispatch(req dap.RequestMessage) (done bool) {
	r := req.GetRequest()
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("request panicked", zap.String("command", r.Command), zap.Any("panic", p))
			s.sendError(*r, 2, fmt.Sprintf("internal error in %s: %v", r.Command, p))
		}
	}()
	switch m := req.(type) {
	case *dap.InitializeRequest:
		s.send(&dap.InitializeResponse{Response: response(m.Request), Body: dap.Capabilities{
			SupportsConfigurationDoneRequest: true, SupportsRestartFrame: true, SupportsTerminateRequest: true,
			SupportsEvaluateForHovers: true, SupportTerminateDebuggee: true}})
		s.sendEvent(&dap.InitializedEvent{Event: s.event("initialized")})
	case *dap.DisconnectRequest:
		s.disconnect(m)
		return true
	case *dap.ThreadsRequest:
		s.send(&dap.ThreadsResponse{Response: response(m.Request), Body: dap.ThreadsResponseBody{
			Threads: []dap.Thread{{Id: threadID, Name: "Pharo process"}}}})
	case *dap.SetExceptionBreakpointsRequest:
		s.send(&dap.SetExceptionBreakpointsResponse{Response: response(m.Request)})
	default:
		s.goBackground(r.Command, func() { s.answer(req) })
	}
	return false
}

func (s *server) answer(req dap.RequestMessage) {
	r := req.GetRequest()
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("request panicked", zap.String("command", r.Command), zap.Any("panic", p))
			s.sendError(*r, 2, fmt.Sprintf("internal error in %s: %v", r.Command, p))
		}
	}()
	var err error
	switch m := req.(type) {
	case *dap.LaunchRequest:
		err = s.launch(m)
	case *dap.AttachRequest:
		err = s.attach(m)
	case *dap.ConfigurationDoneRequest:
		s.send(&dap.ConfigurationDoneResponse{Response: response(m.Request)})
		s.st.mu.Lock()
		s.st.configured = true
		s.st.mu.Unlock()
		s.startWhenReady()
	case *dap.SetBreakpointsRequest:
		err = s.setBreakpoints(m)
	case *dap.StackTraceRequest:
		err = s.stackTrace(m)
	case *dap.ScopesRequest:
		err = s.scopes(m)
	case *dap.VariablesRequest:
		err = s.variables(m)
	case *dap.EvaluateRequest:
		err = s.evaluate(m)
	case *dap.SourceRequest:
		err = s.source(m)
	case *dap.NextRequest:
		err = s.step(m.Request, stuiproto.StepOver, 0, "step", func() dap.Message { return &dap.NextResponse{Response: response(m.Request)} })
	case *dap.StepInRequest:
		err = s.step(m.Request, stuiproto.StepInto, 0, "step", func() dap.Message { return &dap.StepInResponse{Response: response(m.Request)} })
	case *dap.StepOutRequest:
		err = s.step(m.Request, stuiproto.StepOver, -1, "step", func() dap.Message { return &dap.StepOutResponse{Response: response(m.Request)} })
	case *dap.RestartFrameRequest:
		err = s.step(m.Request, stuiproto.StepRestart, m.Arguments.FrameId, "restart", func() dap.Message { return &dap.RestartFrameResponse{Response: response(m.Request)} })
	case *dap.ContinueRequest:
		err = s.continueRequest(m)
	case *dap.PauseRequest:
		err = s.pause(m)
	case *dap.TerminateRequest:
		err = s.terminate(m)
	default:
		err = fmt.Errorf("unsupported request %q", r.Command)
	}
	if err != nil {
		s.sendError(*r, 3, err.Error())
	}
}

// connect dials the image and finds the workspace's session, once.
func (s *server) connect(endpoint, cwd string) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if s.st.launched {
		return errors.New("launch or attach was already asked")
	}
	if s.img == nil || endpoint != "" {
		if s.opts.Dial == nil {
			return errors.New("no image to connect to")
		}
		img, err := s.opts.Dial(endpoint)
		if err != nil {
			return fmt.Errorf("cannot connect to the image: %w", err)
		}
		s.img = img
		if endpoint != "" {
			s.opts.Endpoint = endpoint
		}
	}
	cwd = s.folderOf(cwd)
	s.st.folder = cwd
	id, err := s.workspaceSession(cwd)
	if err != nil {
		return fmt.Errorf("no image session for %s: %s", cwd, imageError(err))
	}
	s.st.sessionID = id
	s.st.launched = true
	s.following.Do(func() { s.goBackground("follow breakpoints", s.followBreakpoints) })
	s.index = index.New()
	s.indexed = map[string]fileStamp{}
	if _, err := s.index.LoadDir(s.ctx, cwd); err != nil {
		s.log.Info("some workspace files were not indexed", zap.Error(err))
	}
	return nil
}

// folderOf is the workspace folder of a launch's or attach's cwd: cwd
// made absolute, else the adapter's folder, else its working directory.
func (s *server) folderOf(cwd string) string {
	if cwd == "" {
		cwd = s.opts.Folder
	}
	if cwd == "" {
		cwd, _ = os.Getwd()
	}
	if abs, err := filepath.Abs(cwd); err == nil {
		cwd = abs
	}
	return cwd
}

func (s *server) launch(m *dap.LaunchRequest) error {
	var args LaunchArguments
	if err := decodeArguments(m.Arguments, &args); err != nil {
		return fmt.Errorf("launch arguments: %w", err)
	}
	code := args.Expression
	if code == "" {
		if args.Program == "" {
			return errors.New("launch needs expression, or program and line")
		}
		// A relative program is the workspace's, as editors give it
		// (dape's is relative to the project root), not the adapter's
		// working directory's; the frames then show the file by its full
		// path, as the breakpoints and the editor's buffers have it.
		program := args.Program
		if !filepath.IsAbs(program) {
			program = filepath.Join(s.folderOf(args.Cwd), program)
		}
		stmt, line, err := statementAt(program, int(args.Line))
		if err != nil {
			return err
		}
		code = stmt
		s.st.mu.Lock()
		s.st.program, s.st.programLine = program, line
		s.st.mu.Unlock()
	}
	if err := s.connect(args.Endpoint, args.Cwd); err != nil {
		return err
	}
	s.primeWatch()
	s.send(&dap.LaunchResponse{Response: response(m.Request)})
	// The code runs once the breakpoints asked for before are in the image.
	s.installPendingBreakpoints()
	s.st.mu.Lock()
	s.st.code = code
	s.st.mu.Unlock()
	s.startWhenReady()
	return nil
}

// decodeArguments reads launch's or attach's arguments; none is {}.
func decodeArguments(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// statementAt reads the statement of a file that contains line (or starts
// after it, on a blank line) and the line it starts at.
func statementAt(path string, line int) (string, int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", 0, err
	}
	f := smalltalk.Parse(path, data)
	if !f.Kind.IsTonel() {
		f = smalltalk.ParseExpression(data)
	}
	if line < 1 {
		line = 1
	}
	for off := f.LineStart(line); off < len(data); off++ {
		if data[off] == ' ' || data[off] == '\t' || data[off] == '\n' || data[off] == '\r' {
			continue
		}
		if n, _ := f.StatementAt(off); n != nil {
			l, _ := f.LineCol(n.Span().Start)
			return f.Text(n.Span()), l, nil
		}
		break
	}
	return "", 0, fmt.Errorf("no statement at line %d of %s", line, path)
}

func (s *server) attach(m *dap.AttachRequest) error {
	var args AttachArguments
	if err := decodeArguments(m.Arguments, &args); err != nil {
		return fmt.Errorf("attach arguments: %w", err)
	}
	if args.DebugSessionID == "" && !args.WaitForError {
		return errors.New("attach needs debugSessionId, or waitForError: true")
	}
	if err := s.connect(args.Endpoint, args.Cwd); err != nil {
		return err
	}
	s.st.mu.Lock()
	s.st.attached = true
	s.st.mu.Unlock()
	if args.DebugSessionID != "" {
		stack, err := call(s, stuiproto.DebugStackCommand, stuiproto.DebugStackParams{DebugSessionID: args.DebugSessionID})
		if err != nil {
			s.st.mu.Lock()
			s.st.launched = false
			s.st.mu.Unlock()
			return fmt.Errorf("debug session %s: %s", args.DebugSessionID, imageError(err))
		}
		s.primeWatch()
		s.send(&dap.AttachResponse{Response: response(m.Request)})
		s.installPendingBreakpoints()
		s.st.mu.Lock()
		s.st.debugID = args.DebugSessionID
		s.st.mu.Unlock()
		s.stopped(stack.DebugSession, true)
	} else {
		s.primeWatch()
		s.st.mu.Lock()
		s.st.waitForError = true
		s.st.mu.Unlock()
		s.send(&dap.AttachResponse{Response: response(m.Request)})
		s.installPendingBreakpoints()
	}
	s.goBackground("watch", s.watch)
	return nil
}

// startWhenReady runs the launched code once both launch and
// configurationDone have come.
func (s *server) startWhenReady() {
	s.st.mu.Lock()
	ready := s.st.launched && s.st.configured && s.st.code != "" && !s.st.started
	if ready {
		s.st.started = true
	}
	code, session := s.st.code, s.st.sessionID
	s.st.mu.Unlock()
	if !ready {
		return
	}
	s.goBackground("watch", s.watch)
	res, err := call(s, stuiproto.DebugEvaluateCommand, stuiproto.DebugEvaluateParams{Code: code, SessionID: session,
		TimeoutMS: int(s.opts.EvaluateTimeout / time.Millisecond)})
	if err != nil {
		s.output("stderr", imageError(err)+"\n")
		s.finish()
		return
	}
	if !res.Suspended {
		if res.Result != nil {
			s.output("console", res.Result.Result+"\n")
		}
		s.finish()
		return
	}
	s.st.mu.Lock()
	s.st.debugID = res.DebugSession.DebugSessionID
	s.st.mu.Unlock()
	s.stopped(*res.DebugSession, false)
}

func (s *server) output(category, text string) {
	s.sendEvent(&dap.OutputEvent{Event: s.event("output"), Body: dap.OutputEventBody{Category: category, Output: text}})
}

// stopped reports a stop of the process, once per seq.
func (s *server) stopped(info stuiproto.DebugSessionInfo, force bool) {
	s.st.mu.Lock()
	if !force && info.Seq != 0 && info.Seq <= s.st.lastSeq {
		s.st.mu.Unlock()
		return
	}
	s.st.lastSeq = max(s.st.lastSeq, info.Seq)
	s.st.movedLocked()
	s.st.mu.Unlock()
	reason := "step"
	switch info.Reason {
	case stuiproto.ReasonError:
		reason = "exception"
	case stuiproto.ReasonBreakpoint:
		reason = "breakpoint"
	case stuiproto.ReasonHalt:
		reason = "pause"
		if info.ErrorClass == "Halt" {
			reason = "breakpoint"
		}
	}
	body := dap.StoppedEventBody{Reason: reason, ThreadId: threadID, AllThreadsStopped: true}
	if info.Error != "" {
		body.Description = info.Error
		body.Text = info.Error
		if info.ErrorClass != "" && info.ErrorClass != info.Error {
			body.Text = info.ErrorClass + ": " + info.Error
		}
	}
	s.sendEvent(&dap.StoppedEvent{Event: s.event("stopped"), Body: body})
}

// finish says the process ended, once.
func (s *server) finish() {
	s.st.mu.Lock()
	if s.st.ended {
		s.st.mu.Unlock()
		return
	}
	s.st.ended = true
	s.st.debugID = ""
	s.st.movedLocked()
	s.st.mu.Unlock()
	s.sendEvent(&dap.TerminatedEvent{Event: s.event("terminated")})
}

// primeWatch makes the watch start after the image's current seq, so that
// stops from before the adapter came are not reported.
func (s *server) primeWatch() {
	res, err := call(s, stuiproto.DebugWaitCommand, stuiproto.DebugWaitParams{After: 1 << 62})
	if err != nil {
		return
	}
	for _, c := range res.Sessions {
		res.Next = max(res.Next, c.Seq)
	}
	s.st.mu.Lock()
	s.st.lastSeq, s.st.watchSeq = res.Next, res.Next
	s.st.mu.Unlock()
}

// watch keeps one debug_wait waiting, and reports the stops and the end of
// the process it debugs (or, attached with waitForError, of the next one
// that stops). Two failed calls in a row mean the image is gone.
func (s *server) watch() {
	failures := 0
	for s.ctx.Err() == nil {
		s.st.mu.Lock()
		after, ended := s.st.watchSeq, s.st.ended
		s.st.mu.Unlock()
		if ended {
			return
		}
		res, err := call(s, stuiproto.DebugWaitCommand, stuiproto.DebugWaitParams{After: after, WaitMS: 2000})
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			failures++
			s.log.Warn("debug_wait failed", zap.Error(err))
			if failures >= 2 && stuiproto.IsConnectionError(err) {
				s.output("stderr", "stui-lsp dap: "+imageError(err)+"; the debug session ends\n")
				s.finish()
				return
			}
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		failures = 0
		for _, info := range res.Sessions {
			s.observe(info)
		}
		s.st.mu.Lock()
		s.st.watchSeq = max(s.st.watchSeq, res.Next)
		s.st.mu.Unlock()
	}
}

// observe handles one state change the watch saw.
func (s *server) observe(info stuiproto.DebugSessionInfo) {
	s.st.mu.Lock()
	s.st.watchSeq = max(s.st.watchSeq, info.Seq)
	if s.st.waitForError && s.st.debugID == "" && info.State == stuiproto.DebugSuspended {
		s.st.debugID = info.DebugSessionID
		s.st.waitForError = false
	}
	ours := info.DebugSessionID == s.st.debugID && s.st.debugID != ""
	if ours && s.st.stepping {
		// The step's reply reports this; kept in case it says "running".
		s.st.deferred = append(s.st.deferred, info)
		s.st.mu.Unlock()
		return
	}
	if !ours {
		// Not this process's (or not yet known to be: the launch's reply
		// reports its first stop).
		s.st.mu.Unlock()
		return
	}
	s.st.mu.Unlock()
	switch info.State {
	case stuiproto.DebugSuspended:
		s.stopped(info, false)
	case stuiproto.DebugTerminated:
		s.st.mu.Lock()
		s.st.lastSeq = max(s.st.lastSeq, info.Seq)
		s.st.mu.Unlock()
		s.finish()
	}
}

// current is the debug session the process is suspended in.
func (s *server) current() (string, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if s.st.debugID == "" {
		return "", errors.New("the process is not suspended")
	}
	return s.st.debugID, nil
}

func frameName(f stuiproto.DebugFrame) string {
	class := f.ReceiverClass
	if f.MethodClass != "" && f.MethodClass != f.ReceiverClass {
		class += "(" + f.MethodClass + ")"
	}
	name := class + ">>" + f.Selector
	if f.IsBlock {
		name = "[] in " + name
	}
	return name
}

func (s *server) stackTrace(m *dap.StackTraceRequest) error {
	id, err := s.current()
	if err != nil {
		return err
	}
	res, err := call(s, stuiproto.DebugStackCommand, stuiproto.DebugStackParams{DebugSessionID: id})
	if err != nil {
		return errors.New(imageError(err))
	}
	frames := make([]dap.StackFrame, 0, len(res.Stack))
	s.st.mu.Lock()
	s.st.movedLocked()
	for _, f := range res.Stack {
		sf := dap.StackFrame{Id: s.st.addFrameLocked(f), Name: frameName(f), Line: f.Line, Column: f.Column, CanRestart: true}
		sf.Source, sf.Line, sf.Column = s.sourceOfLocked(f)
		frames = append(frames, sf)
	}
	s.st.mu.Unlock()
	start := min(max(m.Arguments.StartFrame, 0), len(frames))
	end := len(frames)
	if m.Arguments.Levels > 0 {
		end = min(end, start+m.Arguments.Levels)
	}
	s.send(&dap.StackTraceResponse{Response: response(m.Request), Body: dap.StackTraceResponseBody{StackFrames: frames[start:end], TotalFrames: len(frames)}})
	return nil
}

func (s *server) frame(id int) (stuiproto.DebugFrame, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	f, ok := s.st.frameLocked(id)
	if !ok {
		return f, fmt.Errorf("no frame %d: ask for the stack again", id)
	}
	return f, nil
}

func (s *server) scopes(m *dap.ScopesRequest) error {
	f, err := s.frame(m.Arguments.FrameId)
	if err != nil {
		return err
	}
	s.st.mu.Lock()
	ref := s.st.addVarLocked(varRef{frameID: f.FrameID})
	s.st.mu.Unlock()
	s.send(&dap.ScopesResponse{Response: response(m.Request), Body: dap.ScopesResponseBody{
		Scopes: []dap.Scope{{Name: "Locals", PresentationHint: "locals", VariablesReference: ref}}}})
	return nil
}

func (s *server) variables(m *dap.VariablesRequest) error {
	s.st.mu.Lock()
	ref, ok := s.st.varLocked(m.Arguments.VariablesReference)
	debugID, session := s.st.debugID, s.st.sessionID
	s.st.mu.Unlock()
	if !ok {
		return fmt.Errorf("no variables %d: ask for the scopes again", m.Arguments.VariablesReference)
	}
	var out []dap.Variable
	child := func(objectID *string, hasSlots bool) int {
		if objectID == nil || !hasSlots {
			return 0
		}
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		return s.st.addVarLocked(varRef{objectID: *objectID})
	}
	if ref.objectID == "" {
		res, err := call(s, stuiproto.DebugVariablesCommand, stuiproto.DebugFrameParams{DebugSessionID: debugID, FrameID: ref.frameID})
		if err != nil {
			return errors.New(imageError(err))
		}
		for _, v := range res.Variables {
			out = append(out, dap.Variable{Name: v.Name, Value: v.PrintString, Type: v.ClassName, VariablesReference: child(v.ObjectID, v.HasSlots)})
		}
	} else {
		limit := m.Arguments.Count
		if limit <= 0 {
			limit = 100
		}
		res, err := call(s, stuiproto.InspectCommand, stuiproto.InspectParams{ObjectID: ref.objectID, SessionID: session, Offset: m.Arguments.Start, Limit: limit})
		if err != nil {
			return errors.New(imageError(err))
		}
		for _, sl := range res.Slots {
			out = append(out, dap.Variable{Name: sl.Name, Value: sl.PrintString, Type: sl.ClassName, VariablesReference: child(sl.ObjectID, sl.HasSlots)})
		}
	}
	if out == nil {
		out = []dap.Variable{}
	}
	s.send(&dap.VariablesResponse{Response: response(m.Request), Body: dap.VariablesResponseBody{Variables: out}})
	return nil
}

func (s *server) evaluate(m *dap.EvaluateRequest) error {
	s.st.mu.Lock()
	session, debugID, connected := s.st.sessionID, s.st.debugID, s.st.launched
	s.st.mu.Unlock()
	if !connected {
		return errors.New("launch or attach first")
	}
	var res stuiproto.EvaluateResult
	var err error
	if m.Arguments.FrameId != 0 {
		f, ferr := s.frame(m.Arguments.FrameId)
		if ferr != nil {
			return ferr
		}
		res, err = call(s, stuiproto.DebugEvaluateInFrameCommand, stuiproto.DebugEvaluateInFrameParams{DebugSessionID: debugID, FrameID: f.FrameID, Code: m.Arguments.Expression})
	} else {
		res, err = call(s, stuiproto.EvaluateCommand, stuiproto.EvaluateParams{Code: m.Arguments.Expression, SessionID: session,
			TimeoutMS: int(s.opts.EvaluateTimeout / time.Millisecond)})
	}
	if err != nil {
		return errors.New(imageError(err))
	}
	ref := 0
	if res.ObjectID != nil {
		s.st.mu.Lock()
		ref = s.st.addVarLocked(varRef{objectID: *res.ObjectID})
		s.st.mu.Unlock()
	}
	s.send(&dap.EvaluateResponse{Response: response(m.Request), Body: dap.EvaluateResponseBody{Result: res.Result, Type: res.ResultType, VariablesReference: ref}})
	return nil
}

// step runs one debug_step on frame dapFrame (0: the top; -1: the top's
// sender, for stepOut) and reports where the process went.
func (s *server) step(req dap.Request, kind string, dapFrame int, reason string, ok func() dap.Message) error {
	id, err := s.current()
	if err != nil {
		return err
	}
	var frameID string
	s.st.mu.Lock()
	switch {
	case dapFrame > 0:
		f, found := s.st.frameLocked(dapFrame)
		if !found {
			s.st.mu.Unlock()
			return fmt.Errorf("no frame %d: ask for the stack again", dapFrame)
		}
		frameID = f.FrameID
	case dapFrame < 0 && len(s.st.frames) > 1:
		frameID = s.st.frames[1].frame.FrameID
	}
	s.st.mu.Unlock()
	s.beginStep()
	res, err := call(s, stuiproto.DebugStepCommand, stuiproto.DebugStepParams{DebugSessionID: id, FrameID: frameID, Kind: kind})
	if err != nil {
		s.endStep(stuiproto.DebugProgressResult{State: stuiproto.DebugSuspended}, "")
		return errors.New(imageError(err))
	}
	s.send(ok())
	s.endStep(res, reason)
	return nil
}

// beginStep holds back the watch's reports of the process while a step or
// a resume waits for its reply, which reports the same stop first.
func (s *server) beginStep() {
	s.st.mu.Lock()
	s.st.stepping = true
	s.st.deferred = nil
	s.st.mu.Unlock()
}

// endStep reports what the reply said; when the process still runs, what
// the watch held back is reported now.
func (s *server) endStep(res stuiproto.DebugProgressResult, reason string) {
	s.st.mu.Lock()
	s.st.stepping = false
	held := s.st.deferred
	s.st.deferred = nil
	s.st.mu.Unlock()
	if res.State == stuiproto.DebugRunning {
		for _, info := range held {
			s.observe(info)
		}
		return
	}
	s.progressed(res, reason)
}

// progressed reports what a step or a resume answered.
func (s *server) progressed(res stuiproto.DebugProgressResult, reason string) {
	switch res.State {
	case stuiproto.DebugSuspended:
		info := *res.DebugSession
		if info.Reason == stuiproto.ReasonStep && reason == "restart" {
			info.Reason = ""
		}
		s.stopped(info, false)
	case stuiproto.DebugTerminated:
		if res.Result != nil {
			s.output("console", res.Result.Result+"\n")
		}
		s.finish()
	}
}

func (s *server) continueRequest(m *dap.ContinueRequest) error {
	id, err := s.current()
	if err != nil {
		return err
	}
	s.send(&dap.ContinueResponse{Response: response(m.Request), Body: dap.ContinueResponseBody{AllThreadsContinued: true}})
	s.st.mu.Lock()
	s.st.movedLocked()
	s.st.mu.Unlock()
	s.beginStep()
	res, err := call(s, stuiproto.DebugResumeCommand, stuiproto.DebugResumeParams{DebugSessionID: id, WaitMS: 1000})
	if err != nil {
		s.endStep(stuiproto.DebugProgressResult{State: stuiproto.DebugRunning}, "")
		s.output("stderr", "stui-lsp dap: continue: "+imageError(err)+"\n")
		return nil
	}
	s.endStep(res, "")
	return nil
}

func (s *server) pause(m *dap.PauseRequest) error {
	s.st.mu.Lock()
	session := s.st.sessionID
	s.st.mu.Unlock()
	if session == "" {
		return errors.New("nothing runs")
	}
	if _, err := call(s, stuiproto.InterruptCommand, stuiproto.InterruptParams{SessionID: session}); err != nil {
		return errors.New(imageError(err))
	}
	s.send(&dap.PauseResponse{Response: response(m.Request)})
	return nil
}

// end terminates the process the adapter debugs, if there is one.
func (s *server) end() {
	s.st.mu.Lock()
	id, session, running := s.st.debugID, s.st.sessionID, s.st.started && !s.st.ended
	s.st.mu.Unlock()
	if id != "" {
		if _, err := call(s, stuiproto.DebugTerminateCommand, stuiproto.DebugSessionParams{DebugSessionID: id}); err != nil {
			s.log.Warn("debug_terminate failed", zap.Error(err))
		}
	} else if running && session != "" {
		call(s, stuiproto.InterruptCommand, stuiproto.InterruptParams{SessionID: session})
	}
}

// terminate ends the process and takes the breakpoints out of the image
// before it answers: dape, for one, kills the adapter on the reply, with no
// disconnect, and a breakpoint left in the image stops whatever runs the
// method until the image session closes.
func (s *server) terminate(m *dap.TerminateRequest) error {
	s.end()
	s.followStop()
	s.removeAllBreakpoints()
	s.send(&dap.TerminateResponse{Response: response(m.Request)})
	s.finish()
	return nil
}

// disconnect ends the adapter: breakpoints come out of the image, and the
// process is terminated (launch, or terminateDebuggee) or resumed.
func (s *server) disconnect(m *dap.DisconnectRequest) {
	s.followStop()
	s.removeAllBreakpoints()
	s.st.mu.Lock()
	attached, id := s.st.attached, s.st.debugID
	s.st.mu.Unlock()
	terminate := !attached
	if m.Arguments != nil && attached {
		terminate = m.Arguments.TerminateDebuggee
	}
	switch {
	case terminate:
		s.end()
	case id != "":
		call(s, stuiproto.DebugResumeCommand, stuiproto.DebugResumeParams{DebugSessionID: id})
	}
	s.send(&dap.DisconnectResponse{Response: response(m.Request)})
	s.cancel()
}

func (s *server) source(m *dap.SourceRequest) error {
	ref := m.Arguments.SourceReference
	if m.Arguments.Source != nil && m.Arguments.Source.SourceReference != 0 {
		ref = m.Arguments.Source.SourceReference
	}
	s.st.mu.Lock()
	src, ok := s.st.sourceLocked(ref)
	s.st.mu.Unlock()
	if !ok {
		return fmt.Errorf("no source %d", ref)
	}
	text := src.text
	if text == "" {
		res, err := call(s, stuiproto.GetMethodCommand, stuiproto.GetMethodParams{ClassName: strings.TrimSuffix(src.className, " class"),
			MethodName: src.selector, IsClassMethod: src.classSide})
		var re *stuiproto.RemoteError
		switch {
		case errors.As(err, &re):
			// A frame whose method the image cannot show (a primitive's
			// class the image does not describe, a method removed since)
			// is asked for at every stop there; an error reply would be a
			// toast each time, so the content says it instead.
			name := src.className
			if src.classSide {
				name += " class"
			}
			text = fmt.Sprintf("\"The source of %s>>%s is not available: %s\"\n", name, src.selector, strings.ReplaceAll(re.Type+": "+re.Message, `"`, `'`))
		case err != nil:
			return errors.New(imageError(err))
		default:
			text = res.Method.Source
		}
	}
	s.send(&dap.SourceResponse{Response: response(m.Request), Body: dap.SourceResponseBody{Content: text, MimeType: "text/x-smalltalk"}})
	return nil
}
