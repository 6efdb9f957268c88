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

// The debugger model. A debug evaluation runs its code in a process
// (process.go) that stops instead of failing:
//
//   - at an error the evaluator signals (1 / 0, an unknown message, Error
//     signal: 'x'): the stack is the frames the error names (SmallInteger>>/)
//     above the live frames, the top one at the failing statement;
//   - at a halt (self halt, or halt sent to anything): the frame that sent
//     it, at that statement;
//   - at a breakpoint, before the statement it is on;
//   - when interrupted, or at timeout_ms: reason halt, at the statement that
//     was running, which runs again from its start when stepped.
//
// The live frames are the DoIt's and one per method activation above it
// (methods.go): the DoIt's has self (nil) and the code's declared
// temporaries, plus the session's workspace variables as temporaries; a
// method's has its receiver, arguments, temporaries and the receiver's
// instance variables. The frames an error names have none (the evaluator
// keeps no receivers for them). process.go says how each step moves.

// DebugSessionLimit is how many suspended processes the Backend keeps; an
// error past it fails the evaluation as evaluate would.
const DebugSessionLimit = 8

// DebugIdleTimeout ends a debug session nobody has looked at for this long.
const DebugIdleTimeout = 10 * time.Minute

type debugSession struct {
	info  stuiproto.DebugSessionInfo
	doit  *frame
	proc  *process
	temps []string
	vars  map[string]value // the DoIt's
	// frames and signal are where the process stopped: the live frames,
	// the DoIt's first, and those the error named above them.
	frames []*frame
	signal []stuiproto.DebugFrame
	// shown is the stack as it was at the stop, with and without the
	// methods' sources: the frames move while a step or a resume runs.
	shown   [2][]stuiproto.DebugFrame
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
	// A breakpoint an adapter set belongs to its session, and goes when the
	// session has closed or expired, should the adapter not remove it.
	for id, bp := range d.breakpoints {
		if bp.params.SessionID == "" {
			continue
		}
		if s, ok := b.sessions[bp.params.SessionID]; !ok || b.expired(s, b.now()) {
			delete(d.breakpoints, id)
		}
	}
	return d
}

// endAllDebugLocked ends every process, as an image restart does.
func (b *Backend) endAllDebugLocked() {
	if b.debug == nil {
		return
	}
	for _, ds := range b.debug.sessions {
		if ds.proc != nil {
			ds.proc.terminate()
		}
	}
	b.debug = nil
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

// endDebugLocked ends ds: its process is terminated, its variables go back
// to its session.
func (b *Backend) endDebugLocked(ds *debugSession) {
	ds.info.State = stuiproto.DebugTerminated
	if ds.proc != nil {
		ds.proc.terminate()
	}
	if !ds.busy {
		// A running process still writes its variables.
		b.writeBackLocked(ds)
	}
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
	doit := &frame{isDoIt: true, file: f, stmts: f.Statements, vars: vars}
	ds := &debugSession{doit: doit, vars: vars, lastUse: b.now(), busy: true,
		info: stuiproto.DebugSessionInfo{DebugSessionID: fmt.Sprintf("debug_%d", d.ids), SessionID: p.SessionID,
			State: stuiproto.DebugRunning, Created: stamp(b.now())}}
	for _, t := range f.Temps {
		ds.temps = append(ds.temps, t.Name)
		ds.vars[t.Name] = value{}
	}
	b.mu.Unlock()

	ds.proc = b.startProcess(doit)
	ev := b.runSegment(ctx, id, ds, command{kind: cmdResume}, p.TimeoutMS)

	b.mu.Lock()
	defer b.mu.Unlock()
	ds.busy = false
	if ev.ended {
		ds.last = ev.result
		b.writeBackLocked(ds)
		return Success(id, stuiproto.DebugEvaluateResult{Result: b.resultLocked(ds)})
	}
	if len(d.sessions) >= DebugSessionLimit {
		ds.proc.terminate()
		b.writeBackLocked(ds)
		if ev.stop.err != nil {
			return errReply(id, codeError(p.Code, ev.stop.err))
		}
		return ErrorReply(id, stuiproto.ErrInterrupted, fmt.Sprintf("Evaluation stopped; %d debug sessions are suspended already", DebugSessionLimit))
	}
	d.sessions[ds.info.DebugSessionID] = ds
	b.suspendLocked(ds, ev)
	return Success(id, stuiproto.DebugEvaluateResult{Suspended: true, DebugSession: &ds.info, Stack: ds.stack(false)})
}

// debugStop is why the process stopped before the end.
type debugStop struct {
	reason string
	err    error // the evaluator's error, for ReasonError
	msg    string
	class  string
}

var errHalt = errors.New("Halt")

// runSegment has ds's process run one command, as request reqID, and
// answers where it stopped or that it ended. The run can be interrupted as
// an evaluation is, and stops at timeoutMS (default 30000).
func (b *Backend) runSegment(ctx context.Context, reqID string, ds *debugSession, c command, timeoutMS int) event {
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
	p := ds.proc
	p.mu.Lock()
	p.cancel = cancel
	p.mu.Unlock()
	c.ctx, c.timeoutMS = withTranscript(ctx, b), timeoutMS
	p.cmds <- c
	ev := <-p.events
	p.mu.Lock()
	p.cancel = nil
	p.mu.Unlock()
	return ev
}

// suspendLocked records where ds stopped.
func (b *Backend) suspendLocked(ds *debugSession, ev event) {
	stop := ev.stop
	ds.frames, ds.signal = ev.frames, ev.signal
	ds.shown = [2][]stuiproto.DebugFrame{ds.liveStack(false), ds.liveStack(true)}
	ds.info.State = stuiproto.DebugSuspended
	ds.info.Reason = stop.reason
	ds.info.Error, ds.info.ErrorClass = stop.msg, stop.class
	var re *runtimeError
	var se *syntaxError
	switch {
	case errors.As(stop.err, &re):
		ds.info.Error, ds.info.ErrorClass = re.msg, re.class
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

// stack is ds's frames where it last stopped, the top first.
func (ds *debugSession) stack(withSource bool) []stuiproto.DebugFrame {
	if withSource {
		return append([]stuiproto.DebugFrame(nil), ds.shown[1]...)
	}
	return append([]stuiproto.DebugFrame(nil), ds.shown[0]...)
}

// liveStack reads the stack off the stopped process's frames; frame ids
// count from the bottom, so that the DoIt's is "1" and a method's stays the
// same whatever stands above it.
func (ds *debugSession) liveStack(withSource bool) []stuiproto.DebugFrame {
	frames := append([]stuiproto.DebugFrame{}, ds.signal...)
	for i := len(ds.frames) - 1; i >= 0; i-- {
		frames = append(frames, ds.frames[i].wire(withSource))
	}
	for i := range frames {
		frames[i].Index = i
		frames[i].FrameID = strconv.Itoa(len(frames) - i)
	}
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

// liveFrame is the live frame a frame id names, nil for one the error
// named; depth counts from the DoIt's (1), 0 for the latter.
func (ds *debugSession) liveFrame(f stuiproto.DebugFrame) (*frame, int) {
	n, err := strconv.Atoi(f.FrameID)
	if err != nil || n < 1 || n > len(ds.frames) {
		return nil, 0
	}
	return ds.frames[n-1], n
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
	fr, _ := ds.liveFrame(f)
	if fr == nil || ds.busy {
		return res, nil
	}
	s := b.sessions[ds.info.SessionID]
	add := func(name, kind string, v value) {
		dv := stuiproto.DebugVariable{Name: name, Kind: kind, PrintString: v.printString(), ClassName: v.className(),
			HasSlots: v.kind == kInterval || v.kind == kOrderedCollection || v.kind == kInstance && len(v.obj.slots) > 0}
		if s != nil {
			id := s.register(v)
			dv.ObjectID = &id
		}
		res.Variables = append(res.Variables, dv)
	}
	add("self", stuiproto.VarReceiver, fr.recv)
	if !fr.isDoIt {
		for _, a := range fr.args {
			add(a, stuiproto.VarArgument, fr.vars[a])
		}
		for _, t := range fr.temps {
			add(t, stuiproto.VarTemp, fr.vars[t])
		}
		if o := fr.recv.obj; o != nil {
			for _, n := range b.instVarNamesLocked(o.class) {
				add(n, stuiproto.VarInstVar, o.slots[n])
			}
		}
		return res, nil
	}
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
	// A frame the error named has no variables the evaluator kept.
	vars := map[string]value{}
	fr, _ := ds.liveFrame(f)
	if fr != nil {
		vars = fr.vars
	}
	ds.busy = true
	b.mu.Unlock()
	start := time.Now()
	v, err := evaluateIn(withTranscript(ctx, b), p.Code, vars, b, fr)
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

// unclaim gives back a session a step was refused on.
func (b *Backend) unclaim(ds *debugSession) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ds.busy = false
	ds.info.State = stuiproto.DebugSuspended
}

// settle records where a step or a resume left ds and answers it.
func (b *Backend) settle(ds *debugSession, ev event) stuiproto.DebugProgressResult {
	b.mu.Lock()
	defer b.mu.Unlock()
	ds.busy = false
	ds.lastUse = b.now()
	if _, live := b.debugLocked().sessions[ds.info.DebugSessionID]; !live {
		// Terminated while it ran.
		return stuiproto.DebugProgressResult{State: stuiproto.DebugTerminated}
	}
	if ev.ended {
		ds.last = ev.result
		res := b.resultLocked(ds)
		delete(b.debug.sessions, ds.info.DebugSessionID)
		b.endDebugLocked(ds)
		return stuiproto.DebugProgressResult{State: stuiproto.DebugTerminated, Result: res}
	}
	b.suspendLocked(ds, ev)
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
	_, depth := ds.liveFrame(f)
	b.mu.Unlock()
	if err != nil {
		b.unclaim(ds)
		return errReply(id, err)
	}
	ev := b.runSegment(ctx, id, ds, command{kind: p.Kind, depth: depth}, 0)
	return Success(id, b.settle(ds, ev))
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
		ev := b.runSegment(context.WithoutCancel(ctx), id, ds, command{kind: cmdResume}, 0)
		done <- b.settle(ds, ev)
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
		if ds.info.SessionID == sessionID {
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

// dropBreakpointsLocked forgets the breakpoints of a method compiled anew,
// as Pharo's do (Breakpoint class>>#handleMethodModified:): they were on
// the old method's statements.
func (b *Backend) dropBreakpointsLocked(class, selector string, classSide bool) {
	if b.debug == nil {
		return
	}
	for id, bp := range b.debug.breakpoints {
		if bp.params.ClassName == class && bp.params.Selector == selector && bp.params.IsClassMethod == classSide {
			delete(b.debug.breakpoints, id)
		}
	}
}
