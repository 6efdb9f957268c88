package stuitest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// A debug evaluation runs in a process: a goroutine of its own, as the
// image runs the code in a process of its own. The process stops before a
// statement of a frame (at a breakpoint on it, at the end of a step, when
// its run is interrupted or times out) and at a statement that failed (an
// error or a halt); stopped, it reports where (an event) and waits for the
// next command, a step, a resume or a terminate. Each command gets exactly
// one event back: the next stop, or the end.
//
// Steps, on statements: into stops at the next statement of any frame (the
// first one of a method a send enters); over, and through alike (blocks
// run inside their frame's statement), at the next statement of the
// selected frame or of a frame below it, once the selected one returned;
// restart unwinds to the selected frame and stops before its first
// statement, its temporaries nil again (a DoIt's variables stay).
// Proceeding from an error or a halt leaves the statement that failed, its
// value nil, as Pharo's proceed answers nil from the signal; an interrupted
// statement runs again from its start.

type stepMode int

const (
	modeRun  stepMode = iota // to the end, or a breakpoint, an error or a halt
	modeInto                 // stop at the next statement of any frame
	modeOver                 // stop at the next statement of a frame at or below depth
)

const (
	cmdResume    = "resume"
	cmdTerminate = "terminate"
)

// command is what a stopped process is told to do next.
type command struct {
	kind string // a step kind, cmdResume or cmdTerminate
	// depth is the selected frame, counted from the DoIt's (1); 0 for one
	// of the frames an error names above the live ones.
	depth     int
	ctx       context.Context
	timeoutMS int
}

// event is where a process stopped, or that it ended.
type event struct {
	stop   *debugStop
	frames []*frame // the live frames, the DoIt's first
	signal []stuiproto.DebugFrame
	ended  bool
	result value
}

type process struct {
	b      *Backend
	cmds   chan command
	events chan event

	mu        sync.Mutex
	ctx       context.Context
	cancel    context.CancelCauseFunc
	timeoutMS int
	// terminating: the next stop ends the process instead.
	terminating atomic.Bool

	// The process's goroutine alone touches these.
	frames []*frame
	mode   stepMode
	depth  int
}

var (
	errTerminated = errors.New("terminated")
	// errRerun runs the statement the process stopped in again.
	errRerun = errors.New("rerun")
)

// restart unwinds the process to the frame at depth.
type restart struct{ depth int }

func (r *restart) Error() string { return fmt.Sprintf("restart frame %d", r.depth) }

// startProcess starts the process of a debug evaluation; it waits for its
// first command.
func (b *Backend) startProcess(doit *frame) *process {
	p := &process{b: b, cmds: make(chan command, 1), events: make(chan event, 1), ctx: context.Background()}
	go p.run(doit)
	return p
}

func (p *process) run(doit *frame) {
	ev := event{ended: true}
	defer func() {
		if r := recover(); r != nil {
			ev = event{ended: true}
		}
		p.events <- ev
	}()
	if p.apply(<-p.cmds) != nil {
		return
	}
	e := &evaluator{ctx: p.ctx, file: doit.file, vars: doit.vars, image: p.b, frame: doit, proc: p}
	v, err := p.runFrame(e, doit)
	if err == nil {
		ev.result = v
	}
}

func (p *process) context() context.Context {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ctx
}

// interrupt ends the process's current run, e.g. to terminate it.
func (p *process) interrupt(cause error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cancel != nil {
		p.cancel(cause)
	}
}

// terminate ends the process: at once when it is stopped, else at its next
// stop, which its run's end brings about.
func (p *process) terminate() {
	p.terminating.Store(true)
	p.interrupt(errInterrupted)
	select {
	case p.cmds <- command{kind: cmdTerminate}:
	default:
	}
}

// apply takes a command on: the run's context and the step's mode, or an
// error that unwinds the process.
func (p *process) apply(c command) error {
	if c.kind == cmdTerminate {
		return errTerminated
	}
	p.mu.Lock()
	if c.ctx != nil {
		p.ctx = c.ctx
	}
	p.timeoutMS = c.timeoutMS
	p.mu.Unlock()
	switch c.kind {
	case cmdResume:
		p.mode = modeRun
	case stuiproto.StepInto:
		p.mode = modeInto
	case stuiproto.StepOver, stuiproto.StepThrough:
		p.mode, p.depth = modeOver, c.depth
		if c.depth == 0 {
			p.depth = len(p.frames)
		}
	case stuiproto.StepRestart:
		p.mode = modeInto
		if c.depth == 0 {
			return errRerun
		}
		return &restart{c.depth}
	}
	return nil
}

// suspend reports a stop and waits for the next command.
func (p *process) suspend(stop *debugStop, signal []stuiproto.DebugFrame) error {
	if p.terminating.Load() {
		return errTerminated
	}
	p.events <- event{stop: stop, frames: slices.Clone(p.frames), signal: signal}
	return p.apply(<-p.cmds)
}

// stopBefore says whether the process stops before fr's current statement.
func (p *process) stopBefore(fr *frame, depth int) *debugStop {
	if ctx := p.context(); ctx.Err() != nil {
		return p.interrupted(context.Cause(ctx))
	}
	if !fr.isDoIt && p.b.breakpointAt(fr) {
		// Pharo's breakpoint signals Break, a Halt.
		return &debugStop{reason: stuiproto.ReasonBreakpoint, msg: "Break", class: "Break"}
	}
	if p.mode == modeInto || p.mode == modeOver && depth <= p.depth {
		return &debugStop{reason: stuiproto.ReasonStep}
	}
	return nil
}

func (p *process) interrupted(cause error) *debugStop {
	msg := "User interrupt"
	if errors.Is(cause, errTimedOut) {
		p.mu.Lock()
		msg = fmt.Sprintf("Still running after %d ms", p.timeoutMS)
		p.mu.Unlock()
	}
	return &debugStop{reason: stuiproto.ReasonHalt, msg: msg}
}

// stopAfter is the stop a failed statement makes; again says that the
// statement runs again when the process goes on (it was interrupted), else
// it is left.
func stopAfter(err error) (stop *debugStop, signal []stuiproto.DebugFrame, again bool) {
	var st *stopped
	switch {
	case errors.Is(err, errHalt):
		return &debugStop{reason: stuiproto.ReasonHalt, msg: "Halt", class: "Halt"}, nil, false
	case errors.As(err, &st):
		return nil, nil, true
	}
	var re *runtimeError
	if errors.As(err, &re) {
		for _, name := range re.stack {
			if strings.HasPrefix(name, "UndefinedObject>>DoIt") {
				break
			}
			signal = append(signal, frameNamed(name))
		}
	}
	return &debugStop{reason: stuiproto.ReasonError, err: err}, signal, false
}

func unwinding(err error) bool {
	var r *restart
	return errors.Is(err, errTerminated) || errors.Is(err, errRerun) || errors.As(err, &r)
}

// restarts handles an unwinding that ends at fr: a restart of fr, or a
// statement of fr to run again.
func restarts(err error, fr *frame, depth int) bool {
	var r *restart
	switch {
	case errors.Is(err, errRerun):
		return true
	case errors.As(err, &r) && r.depth == depth:
		fr.restartTemps()
		return true
	}
	return false
}

// runFrame runs fr's statements under the debugger, stopping where the
// process is to stop.
func (p *process) runFrame(e *evaluator, fr *frame) (value, error) {
	p.frames = append(p.frames, fr)
	depth := len(p.frames)
	defer func() { p.frames = p.frames[:depth-1] }()
	var last value
	again := false
	for fr.pc < len(fr.stmts) {
		if !again {
			if stop := p.stopBefore(fr, depth); stop != nil {
				if err := p.suspend(stop, nil); err != nil {
					if restarts(err, fr, depth) {
						continue
					}
					return value{}, err
				}
			}
		}
		again = false
		n := fr.stmts[fr.pc]
		var v value
		err := checkSyntax(fr.file, n)
		if err == nil {
			v, err = e.eval(n)
		}
		var ret *returned
		switch {
		case err == nil:
			last = v
			fr.pc++
			continue
		case errors.As(err, &ret):
			fr.pc = len(fr.stmts)
			return ret.v, nil
		case unwinding(err):
			if restarts(err, fr, depth) {
				continue
			}
			return value{}, err
		}
		stop, signal, rerun := stopAfter(err)
		if rerun {
			var st *stopped
			errors.As(err, &st)
			stop = p.interrupted(st.cause)
		}
		if err := p.suspend(stop, signal); err != nil {
			if restarts(err, fr, depth) {
				continue
			}
			return value{}, err
		}
		if rerun {
			again = true
			continue
		}
		last = value{}
		fr.pc++
	}
	if fr.isDoIt {
		return last, nil
	}
	return fr.recv, nil
}

// breakpointAt reports whether a breakpoint is on fr's current statement.
func (b *Backend) breakpointAt(fr *frame) bool {
	line, _ := fr.line()
	if fr.pc > 0 {
		if prev, _ := fr.file.LineCol(fr.stmts[fr.pc-1].Span().Start); prev == line {
			return false // the breakpoint is on the line's first statement
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.debug == nil {
		return false
	}
	for _, bp := range b.debug.breakpoints {
		if bp.params.ClassName == fr.method.class && bp.params.Selector == fr.method.selector &&
			bp.params.IsClassMethod == fr.method.classSide && bp.line == line {
			return true
		}
	}
	return false
}
