package stuitest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// The debugger model. A debug evaluation runs its code one statement at a
// time (statements as the smalltalk package parses them, each run by the
// evaluator of eval.go), and stops instead of failing:
//
//   - at an error the evaluator signals (1 / 0, an unknown message, Error
//     signal: 'x'): the stack is the frames the error names (SmallInteger>>/)
//     above the DoIt's frame, whose position is the failing statement;
//   - at `self halt`: the DoIt's frame at that statement;
//   - when interrupted, or at timeout_ms: reason halt, at the statement that
//     was running, which runs again from its start when stepped.
//
// The DoIt's frame has self (nil) and the code's declared temporaries, plus
// the session's workspace variables as temporaries; the frames above it
// have none (the evaluator keeps no receivers). A step (into, over and
// through alike: the model has no methods to enter) runs the statement at
// the position and stops before the next; after an error or a halt it first
// leaves the stopped statement, whose value is nil, as Pharo's proceed does.
// restart goes back to the DoIt's first statement and keeps the variables.
// resume runs on to the end or to the next stop. Breakpoints are checked
// (class, method, line) and kept, but the model runs no method that would
// reach one.

// DebugSessionLimit is how many suspended processes the Backend keeps; an
// error past it fails the evaluation as evaluate would.
const DebugSessionLimit = 8

// DebugIdleTimeout ends a debug session nobody has looked at for this long.
const DebugIdleTimeout = 10 * time.Minute

type debugSession struct {
	info  stuiproto.DebugSessionInfo
	file  *smalltalk.File
	stmts []smalltalk.Node
	// pc is the index of the statement the DoIt's frame is at; pending says
	// that statement stopped partway (an error or a halt) and is left, not
	// run, by the next step or resume.
	pc      int
	pending bool
	signal  []stuiproto.DebugFrame // the frames above the DoIt's
	temps   []string
	vars    map[string]value
	last    value
	lastUse time.Time
	busy    bool
}

type breakpoint struct {
	params stuiproto.DebugSetBreakpointParams
	line   int
}

// debugState is the Backend's debugger: its sessions, their seq and the
// breakpoints.
type debugState struct {
	sessions    map[string]*debugSession
	ids         int
	seq         int64
	changes     []stuiproto.DebugSessionInfo // every state change, for debug_wait
	changed     chan struct{}
	breakpoints map[string]breakpoint
}

func (b *Backend) debugLocked() *debugState {
	if b.debug == nil {
		b.debug = &debugState{sessions: map[string]*debugSession{}, changed: make(chan struct{}), breakpoints: map[string]breakpoint{}}
	}
	d := b.debug
	for id, ds := range d.sessions {
		if !ds.busy && b.now().Sub(ds.lastUse) > DebugIdleTimeout {
			b.endDebugLocked(ds)
			delete(d.sessions, id)
		}
	}
	return d
}

// noteLocked gives ds's new state a seq and wakes debug_wait.
func (b *Backend) noteLocked(ds *debugSession) {
	d := b.debug
	d.seq++
	ds.info.Seq = d.seq
	d.changes = append(d.changes, ds.info)
	if len(d.changes) > 200 {
		d.changes = append(d.changes[:0:0], d.changes[len(d.changes)-200:]...)
	}
	close(d.changed)
	d.changed = make(chan struct{})
}

// endDebugLocked ends ds: its variables go back to its session.
func (b *Backend) endDebugLocked(ds *debugSession) {
	ds.info.State = stuiproto.DebugTerminated
	b.writeBackLocked(ds)
	b.noteLocked(ds)
}

func (b *Backend) writeBackLocked(ds *debugSession) {
	s, ok := b.sessions[ds.info.SessionID]
	if !ok {
		return
	}
	for k, v := range ds.vars {
		if !contains(ds.temps, k) {
			s.vars[k] = v
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func debugNotFound(id string) error {
	return perr(stuiproto.ErrObjectNotFound, "No debug session %s", id)
}

// debugSessionLocked finds a suspended session that no step is running in.
func (b *Backend) debugSessionLocked(id string) (*debugSession, error) {
	if id == "" {
		return nil, perr(stuiproto.ErrInvalidRequest, "Missing parameter: debug_session_id")
	}
	ds, ok := b.debugLocked().sessions[id]
	if !ok {
		return nil, debugNotFound(id)
	}
	ds.lastUse = b.now()
	return ds, nil
}

// debugEvaluate answers debug_evaluate.
func (b *Backend) debugEvaluate(ctx context.Context, id string, p *stuiproto.DebugEvaluateParams) *stuiproto.Reply {
	if p.Code == "" {
		return ErrorReply(id, stuiproto.ErrInvalidRequest, "Missing parameter: code")
	}
	f := smalltalk.ParseExpression([]byte(p.Code))
	if len(f.Errors) > 0 {
		e := f.Errors[0]
		line, col := f.LineCol(e.Start)
		return errReply(id, &protoError{typ: stuiproto.ErrSyntax, msg: e.Message,
			details: &stuiproto.ErrorDetails{Line: line, Column: col, Position: len([]rune(p.Code[:e.Start])) + 1}})
	}
	b.mu.Lock()
	vars := map[string]value{}
	if p.SessionID != "" {
		s, err := b.session(b.now(), p.SessionID, true)
		if err != nil {
			b.mu.Unlock()
			return errReply(id, err)
		}
		vars = copyVars(s.vars)
	}
	d := b.debugLocked()
	d.ids++
	ds := &debugSession{file: f, stmts: f.Statements, vars: vars, lastUse: b.now(), busy: true,
		info: stuiproto.DebugSessionInfo{DebugSessionID: fmt.Sprintf("debug_%d", d.ids), SessionID: p.SessionID,
			State: stuiproto.DebugRunning, Created: stamp(b.now())}}
	for _, t := range f.Temps {
		ds.temps = append(ds.temps, t.Name)
		ds.vars[t.Name] = value{}
	}
	b.mu.Unlock()

	stop := b.runDebug(ctx, id, ds, false, p.TimeoutMS)

	b.mu.Lock()
	defer b.mu.Unlock()
	ds.busy = false
	if stop == nil {
		b.writeBackLocked(ds)
		return Success(id, stuiproto.DebugEvaluateResult{Result: b.resultLocked(ds)})
	}
	if len(d.sessions) >= DebugSessionLimit {
		b.writeBackLocked(ds)
		if stop.err != nil {
			return errReply(id, codeError(p.Code, stop.err))
		}
		return ErrorReply(id, stuiproto.ErrInterrupted, fmt.Sprintf("Evaluation stopped; %d debug sessions are suspended already", DebugSessionLimit))
	}
	d.sessions[ds.info.DebugSessionID] = ds
	b.suspendLocked(ds, stop)
	return Success(id, stuiproto.DebugEvaluateResult{Suspended: true, DebugSession: &ds.info, Stack: ds.stack(false)})
}

// debugStop is why runDebug stopped before the end.
type debugStop struct {
	reason string
	err    error // the evaluator's error, for ReasonError
	msg    string
}

var errHalt = errors.New("Halt")

// runDebug runs ds's statements from its pc: one when step is set, else to
// the end or the next stop. It answers nil when the code returned.
func (b *Backend) runDebug(ctx context.Context, reqID string, ds *debugSession, step bool, timeoutMS int) *debugStop {
	if ds.pending {
		ds.pending = false
		ds.pc++
		ds.last = value{}
		if step {
			return &debugStop{reason: stuiproto.ReasonStep}
		}
	}
	if timeoutMS <= 0 {
		timeoutMS = 30000
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ctx, cancelT := context.WithTimeoutCause(ctx, time.Duration(timeoutMS)*time.Millisecond, errTimedOut)
	defer cancelT()
	re := &runningEval{requestID: reqID, sessionID: ds.info.SessionID, cancel: cancel}
	b.mu.Lock()
	b.running[re] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.running, re)
		b.mu.Unlock()
	}()
	self := func(sel string, args []value) (value, error) {
		if sel == "halt" && len(args) == 0 {
			return value{}, errHalt
		}
		return value{}, dnu(value{}, sel)
	}
	for ds.pc < len(ds.stmts) {
		n := ds.stmts[ds.pc]
		var v value
		err := checkSyntax(ds.file, n)
		if err == nil {
			e := &evaluator{ctx: withTranscript(ctx, b), file: ds.file, vars: ds.vars, self: self}
			v, err = e.eval(n)
		}
		var st *stopped
		var ret *returned
		switch {
		case errors.As(err, &ret):
			// A ^ ends the code with its value.
			ds.last = ret.v
			ds.pc = len(ds.stmts)
			return nil
		case errors.Is(err, errHalt):
			ds.pending = true
			return &debugStop{reason: stuiproto.ReasonHalt, msg: "Halt"}
		case errors.As(err, &st):
			msg := "User interrupt"
			if errors.Is(st.cause, errTimedOut) {
				msg = fmt.Sprintf("Still running after %d ms", timeoutMS)
			}
			return &debugStop{reason: stuiproto.ReasonHalt, msg: msg}
		case err != nil:
			ds.pending = true
			return &debugStop{reason: stuiproto.ReasonError, err: err}
		}
		ds.last = v
		ds.pc++
		if step {
			if ds.pc < len(ds.stmts) {
				return &debugStop{reason: stuiproto.ReasonStep}
			}
		}
	}
	return nil
}

// suspendLocked records where ds stopped.
func (b *Backend) suspendLocked(ds *debugSession, stop *debugStop) {
	ds.info.State = stuiproto.DebugSuspended
	ds.info.Reason = stop.reason
	ds.info.Error, ds.info.ErrorClass = stop.msg, ""
	ds.signal = nil
	if stop.reason == stuiproto.ReasonHalt && stop.msg == "Halt" {
		ds.info.ErrorClass = "Halt"
	}
	var re *runtimeError
	var se *syntaxError
	switch {
	case errors.As(stop.err, &re):
		ds.info.Error, ds.info.ErrorClass = re.msg, re.class
		for _, name := range re.stack {
			if strings.HasPrefix(name, "UndefinedObject>>DoIt") {
				break
			}
			ds.signal = append(ds.signal, frameNamed(name))
		}
	case errors.As(stop.err, &se):
		ds.info.Error, ds.info.ErrorClass = se.msg, "SyntaxErrorNotification"
	}
	b.writeBackLocked(ds)
	b.noteLocked(ds)
}

// frameNamed reads a stack line such as "SmallInteger(Object)>>halt".
func frameNamed(name string) stuiproto.DebugFrame {
	recv, sel, _ := strings.Cut(name, ">>")
	sel, _, _ = strings.Cut(sel, " ")
	f := stuiproto.DebugFrame{ReceiverClass: recv, MethodClass: recv, Selector: sel}
	if r, impl, ok := strings.Cut(recv, "("); ok {
		f.ReceiverClass, f.MethodClass = r, strings.TrimSuffix(impl, ")")
	}
	return f
}

// stack is ds's frames, the top first; frame ids count from the bottom, so
// that the DoIt's is "1" whatever stands above it.
func (ds *debugSession) stack(withSource bool) []stuiproto.DebugFrame {
	frames := append([]stuiproto.DebugFrame{}, ds.signal...)
	offset := len(ds.file.Src)
	if ds.pc < len(ds.stmts) {
		offset = ds.stmts[ds.pc].Span().Start
	}
	line, col := ds.file.LineCol(offset)
	frames = append(frames, stuiproto.DebugFrame{ReceiverClass: "UndefinedObject", MethodClass: "UndefinedObject",
		Selector: "DoIt", Line: line, Column: col, Source: string(ds.file.Src), IsDoIt: true})
	for i := range frames {
		frames[i].Index = i
		frames[i].FrameID = strconv.Itoa(len(frames) - i)
	}
	_ = withSource // the model's only source is the DoIt's, always sent
	return frames
}

func (ds *debugSession) frame(id string) (stuiproto.DebugFrame, error) {
	for _, f := range ds.stack(false) {
		if f.FrameID == id || id == "" && f.Index == 0 {
			return f, nil
		}
	}
	return stuiproto.DebugFrame{}, perr(stuiproto.ErrObjectNotFound, "No frame %s in debug session %s", id, ds.info.DebugSessionID)
}

func (b *Backend) resultLocked(ds *debugSession) *stuiproto.EvaluateResult {
	r := &stuiproto.EvaluateResult{Result: ds.last.printString(), ResultType: ds.last.className(), EvaluationMode: stuiproto.ModeDisplay}
	if s, ok := b.sessions[ds.info.SessionID]; ok {
		id := s.register(ds.last)
		r.ObjectID = &id
	}
	return r
}

func (b *Backend) debugStack(_ time.Time, p *stuiproto.DebugStackParams) (stuiproto.DebugStackResult, error) {
	ds, err := b.debugSessionLocked(p.DebugSessionID)
	if err != nil {
		return stuiproto.DebugStackResult{}, err
	}
	return stuiproto.DebugStackResult{DebugSession: ds.info, Stack: ds.stack(p.IncludeSource)}, nil
}

func (b *Backend) debugVariables(_ time.Time, p *stuiproto.DebugFrameParams) (stuiproto.DebugVariablesResult, error) {
	ds, err := b.debugSessionLocked(p.DebugSessionID)
	if err != nil {
		return stuiproto.DebugVariablesResult{}, err
	}
	f, err := ds.frame(p.FrameID)
	if err != nil {
		return stuiproto.DebugVariablesResult{}, err
	}
	res := stuiproto.DebugVariablesResult{Variables: []stuiproto.DebugVariable{}}
	if !f.IsDoIt {
		return res, nil
	}
	s := b.sessions[ds.info.SessionID]
	add := func(name, kind string, v value) {
		dv := stuiproto.DebugVariable{Name: name, Kind: kind, PrintString: v.printString(), ClassName: v.className(),
			HasSlots: v.kind == kInterval || v.kind == kOrderedCollection}
		if s != nil {
			id := s.register(v)
			dv.ObjectID = &id
		}
		res.Variables = append(res.Variables, dv)
	}
	add("self", stuiproto.VarReceiver, value{})
	for _, t := range ds.temps {
		add(t, stuiproto.VarTemp, ds.vars[t])
	}
	names := make([]string, 0, len(ds.vars))
	for k := range ds.vars {
		if !contains(ds.temps, k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		add(k, stuiproto.VarTemp, ds.vars[k])
	}
	return res, nil
}

func (b *Backend) debugEvaluateInFrame(ctx context.Context, p *stuiproto.DebugEvaluateInFrameParams) (stuiproto.EvaluateResult, error) {
	if p.Code == "" {
		return stuiproto.EvaluateResult{}, perr(stuiproto.ErrInvalidRequest, "Missing parameter: code")
	}
	b.mu.Lock()
	ds, err := b.debugSessionLocked(p.DebugSessionID)
	var f stuiproto.DebugFrame
	if err == nil {
		f, err = ds.frame(p.FrameID)
	}
	if err == nil && ds.busy {
		err = perr(stuiproto.ErrInvalidRequest, "Debug session %s is running", p.DebugSessionID)
	}
	if err != nil {
		b.mu.Unlock()
		return stuiproto.EvaluateResult{}, err
	}
	vars := map[string]value{}
	if f.IsDoIt {
		vars = ds.vars
	}
	ds.busy = true
	b.mu.Unlock()
	start := time.Now()
	v, err := evaluate(withTranscript(ctx, b), p.Code, vars)
	ms := float64(time.Since(start).Microseconds()) / 1000
	b.mu.Lock()
	defer b.mu.Unlock()
	ds.busy = false
	if err != nil {
		return stuiproto.EvaluateResult{}, codeError(p.Code, err)
	}
	b.writeBackLocked(ds)
	r := stuiproto.EvaluateResult{Result: v.printString(), ResultType: v.className(), ExecutionTime: ms, EvaluationMode: stuiproto.ModeDisplay}
	if s, ok := b.sessions[ds.info.SessionID]; ok {
		id := s.register(v)
		r.ObjectID = &id
	}
	return r, nil
}

// claim marks a suspended session as running a step, or says why not.
func (b *Backend) claim(id string) (*debugSession, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ds, err := b.debugSessionLocked(id)
	if err != nil {
		return nil, err
	}
	if ds.busy {
		return nil, perr(stuiproto.ErrInvalidRequest, "Debug session %s is running", id)
	}
	ds.busy = true
	ds.info.State = stuiproto.DebugRunning
	return ds, nil
}

// settle records where a step or a resume left ds and answers it.
func (b *Backend) settle(ds *debugSession, stop *debugStop) stuiproto.DebugProgressResult {
	b.mu.Lock()
	defer b.mu.Unlock()
	ds.busy = false
	ds.lastUse = b.now()
	if _, live := b.debugLocked().sessions[ds.info.DebugSessionID]; !live {
		// Terminated while it ran.
		return stuiproto.DebugProgressResult{State: stuiproto.DebugTerminated}
	}
	if stop == nil {
		res := b.resultLocked(ds)
		b.endDebugLocked(ds)
		delete(b.debug.sessions, ds.info.DebugSessionID)
		return stuiproto.DebugProgressResult{State: stuiproto.DebugTerminated, Result: res}
	}
	b.suspendLocked(ds, stop)
	info := ds.info
	return stuiproto.DebugProgressResult{State: stuiproto.DebugSuspended, DebugSession: &info, Stack: ds.stack(false)}
}

func (b *Backend) debugStep(ctx context.Context, id string, p *stuiproto.DebugStepParams) *stuiproto.Reply {
	switch p.Kind {
	case stuiproto.StepInto, stuiproto.StepOver, stuiproto.StepThrough, stuiproto.StepRestart:
	default:
		return ErrorReply(id, stuiproto.ErrInvalidRequest, fmt.Sprintf("Unknown step kind %q: into, over, through or restart", p.Kind))
	}
	ds, err := b.claim(p.DebugSessionID)
	if err != nil {
		return errReply(id, err)
	}
	b.mu.Lock()
	f, err := ds.frame(p.FrameID)
	b.mu.Unlock()
	if err != nil {
		b.settle(ds, &debugStop{reason: ds.info.Reason, msg: ds.info.Error})
		return errReply(id, err)
	}
	var stop *debugStop
	if p.Kind == stuiproto.StepRestart {
		// Restarting a frame above the DoIt's runs its statement again;
		// restarting the DoIt's runs it from its first statement.
		if f.IsDoIt {
			ds.pc = 0
		}
		ds.pending = false
		stop = &debugStop{reason: stuiproto.ReasonStep}
	} else {
		stop = b.runDebug(ctx, id, ds, true, 0)
	}
	return Success(id, b.settle(ds, stop))
}

func (b *Backend) debugResume(ctx context.Context, id string, p *stuiproto.DebugResumeParams) *stuiproto.Reply {
	ds, err := b.claim(p.DebugSessionID)
	if err != nil {
		return errReply(id, err)
	}
	done := make(chan stuiproto.DebugProgressResult, 1)
	go func() {
		// The process goes on after the reply, as a resumed one does in the
		// image; an interrupt of its session suspends it again.
		stop := b.runDebug(context.WithoutCancel(ctx), id, ds, false, 0)
		done <- b.settle(ds, stop)
	}()
	wait := min(time.Duration(max(p.WaitMS, 0))*time.Millisecond, stuiproto.MaxDebugWait)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case r := <-done:
		return Success(id, r)
	case <-timer.C:
		return Success(id, stuiproto.DebugProgressResult{State: stuiproto.DebugRunning})
	}
}

func (b *Backend) debugTerminate(_ time.Time, p *stuiproto.DebugSessionParams) (stuiproto.DebugTerminateResult, error) {
	ds, err := b.debugSessionLocked(p.DebugSessionID)
	if err != nil {
		return stuiproto.DebugTerminateResult{}, err
	}
	for re := range b.running {
		if ds.busy && re.sessionID == ds.info.SessionID {
			re.cancel(errInterrupted)
		}
	}
	delete(b.debug.sessions, ds.info.DebugSessionID)
	b.endDebugLocked(ds)
	return stuiproto.DebugTerminateResult{DebugSessionID: ds.info.DebugSessionID, Terminated: true}, nil
}

func (b *Backend) debugList(_ time.Time, _ *stuiproto.DebugListParams) (stuiproto.DebugListResult, error) {
	d := b.debugLocked()
	res := stuiproto.DebugListResult{Sessions: []stuiproto.DebugSessionInfo{}, MaxSessions: DebugSessionLimit,
		Breakpoints: []stuiproto.DebugBreakpoint{}}
	for _, ds := range d.sessions {
		res.Sessions = append(res.Sessions, ds.info)
	}
	sort.Slice(res.Sessions, func(i, j int) bool { return res.Sessions[i].Seq < res.Sessions[j].Seq })
	for id, bp := range d.breakpoints {
		res.Breakpoints = append(res.Breakpoints, stuiproto.DebugBreakpoint{BreakpointID: id, ClassName: bp.params.ClassName,
			Selector: bp.params.Selector, IsClassMethod: bp.params.IsClassMethod, Line: bp.line})
	}
	sort.Slice(res.Breakpoints, func(i, j int) bool { return res.Breakpoints[i].BreakpointID < res.Breakpoints[j].BreakpointID })
	return res, nil
}

// debugWait answers the state changes after p.After, waiting up to wait_ms
// for one.
func (b *Backend) debugWait(ctx context.Context, p *stuiproto.DebugWaitParams) (stuiproto.DebugWaitResult, error) {
	if p.After < 0 || p.WaitMS < 0 {
		return stuiproto.DebugWaitResult{}, perr(stuiproto.ErrInvalidRequest, "after and wait_ms must not be negative")
	}
	timer := time.NewTimer(min(time.Duration(p.WaitMS)*time.Millisecond, stuiproto.MaxDebugWait))
	defer timer.Stop()
	for {
		b.mu.Lock()
		d := b.debugLocked()
		after := p.After
		if after > d.seq {
			after = 0 // a seq of an earlier run: everything of this one is new
		}
		res := stuiproto.DebugWaitResult{Sessions: []stuiproto.DebugSessionInfo{}, Next: after}
		for _, c := range d.changes {
			if c.Seq > after {
				res.Sessions = append(res.Sessions, c)
				res.Next = c.Seq
			}
		}
		changed := d.changed
		b.mu.Unlock()
		if len(res.Sessions) > 0 || p.WaitMS == 0 {
			return res, nil
		}
		select {
		case <-changed:
		case <-timer.C:
			return res, nil
		case <-ctx.Done():
			return res, fmt.Errorf("debug_wait: %w", ctx.Err())
		}
	}
}

func (b *Backend) debugSetBreakpoint(_ time.Time, p *stuiproto.DebugSetBreakpointParams) (stuiproto.DebugSetBreakpointResult, error) {
	c, ok := b.classes[p.ClassName]
	if !ok {
		return stuiproto.DebugSetBreakpointResult{}, perr(stuiproto.ErrClassNotFound, "Class not found: %s", p.ClassName)
	}
	var m *MethodFixture
	for i := range c.Methods {
		if c.Methods[i].Selector == p.Selector && c.Methods[i].ClassSide == p.IsClassMethod {
			m = &c.Methods[i]
		}
	}
	if m == nil {
		return stuiproto.DebugSetBreakpointResult{}, perr(stuiproto.ErrMethodNotFound, "Method not found: %s>>%s", p.ClassName, p.Selector)
	}
	f := smalltalk.ParseMethod([]byte(m.Source))
	line := 0
	if len(f.Methods) == 1 && f.Methods[0].Body != nil {
		for _, st := range f.Methods[0].Body.Statements {
			l, _ := f.LineCol(st.Span().Start)
			if line == 0 && l >= p.Line {
				line = l
			}
		}
	}
	if line == 0 {
		return stuiproto.DebugSetBreakpointResult{}, perr(stuiproto.ErrMethodNotFound, "No statement at or after line %d of %s>>%s", p.Line, p.ClassName, p.Selector)
	}
	d := b.debugLocked()
	d.ids++
	id := fmt.Sprintf("breakpoint_%d", d.ids)
	d.breakpoints[id] = breakpoint{params: *p, line: line}
	return stuiproto.DebugSetBreakpointResult{BreakpointID: id, Line: line}, nil
}

func (b *Backend) debugRemoveBreakpoint(_ time.Time, p *stuiproto.DebugRemoveBreakpointParams) (stuiproto.DebugRemoveBreakpointResult, error) {
	d := b.debugLocked()
	if _, ok := d.breakpoints[p.BreakpointID]; !ok {
		return stuiproto.DebugRemoveBreakpointResult{}, perr(stuiproto.ErrObjectNotFound, "No breakpoint %s", p.BreakpointID)
	}
	delete(d.breakpoints, p.BreakpointID)
	return stuiproto.DebugRemoveBreakpointResult{Removed: true}, nil
}

// closeDebugLocked ends the debug sessions and breakpoints of a session
// that closes.
func (b *Backend) closeDebugLocked(sessionID string) {
	d := b.debugLocked()
	for id, ds := range d.sessions {
		if ds.info.SessionID == sessionID && !ds.busy {
			delete(d.sessions, id)
			b.endDebugLocked(ds)
		}
	}
	for id, bp := range d.breakpoints {
		if bp.params.SessionID == sessionID {
			delete(d.breakpoints, id)
		}
	}
}
