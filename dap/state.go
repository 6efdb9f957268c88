package dap

import (
	"sync"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// threadID is the one thread the adapter shows: the debugged process.
const threadID = 1

// frameRef is what a DAP frame id stands for.
type frameRef struct {
	frame stuiproto.DebugFrame
}

// varRef is what a DAP variablesReference stands for: a frame's variables
// or an object's slots.
type varRef struct {
	frameID  string // a frame's variables, when objectID is ""
	objectID string
}

// state is what the adapter knows about the process it debugs. Frame and
// variable handles are only valid while it is suspended, as DAP says, and
// are dropped when it moves.
type state struct {
	mu sync.Mutex

	launched   bool // launch or attach connected
	attached   bool // by attach: disconnect resumes rather than terminates
	configured bool // configurationDone came
	started    bool // the launched code was sent
	// code is what launch runs; folder is the workspace.
	code, folder string
	// debugID is the image's debug session, "" until the process stops.
	debugID string
	// sessionID is the STUI session the adapter evaluates in.
	sessionID string
	// stepping: a step is waiting for its reply, which reports where the
	// process stopped; debug_wait's report of the same stop is dropped.
	stepping bool
	deferred []stuiproto.DebugSessionInfo
	// lastSeq is the seq of the newest stop the adapter has reported;
	// watchSeq the newest state change the watch has seen.
	lastSeq, watchSeq int64
	// waitForError: attach to the next process that stops.
	waitForError bool
	ended        bool

	// program is the file a launch ran a statement of, and programLine the
	// line (1-based) in it where that statement starts.
	program     string
	programLine int

	frames  []frameRef
	vars    []varRef
	sources []sourceRef

	// breakpoints by file path: what the client asked, and the ids the
	// image gave (nil until they are set in the image).
	breakpoints    map[string]*fileBreakpoints
	nextBreakpoint int
	// installing serializes setting breakpoints in the image, so that a
	// setBreakpoints that comes while launch sets the pending ones neither
	// sets a file's twice nor misses one.
	installing sync.Mutex
	// followWake wakes the follower of the files with breakpoints
	// (breakpoints_follow.go) when there may be some to follow.
	followWake chan struct{}
}

// sourceRef is a source the client fetches with a source request: a DoIt's
// text, or a method the workspace has no file for.
type sourceRef struct {
	text                string
	className, selector string
	classSide           bool
}

func (st *state) init() {
	st.breakpoints = map[string]*fileBreakpoints{}
	st.followWake = make(chan struct{}, 1)
}

// moved forgets the handles of the last stop.
func (st *state) movedLocked() {
	st.frames = nil
	st.vars = nil
}

func (st *state) addFrameLocked(f stuiproto.DebugFrame) int {
	st.frames = append(st.frames, frameRef{frame: f})
	return len(st.frames)
}

func (st *state) frameLocked(id int) (stuiproto.DebugFrame, bool) {
	if id < 1 || id > len(st.frames) {
		return stuiproto.DebugFrame{}, false
	}
	return st.frames[id-1].frame, true
}

func (st *state) addVarLocked(r varRef) int {
	st.vars = append(st.vars, r)
	return len(st.vars)
}

func (st *state) varLocked(id int) (varRef, bool) {
	if id < 1 || id > len(st.vars) {
		return varRef{}, false
	}
	return st.vars[id-1], true
}

// addSourceLocked keeps a source for the client to fetch; sources stay valid
// for the whole connection.
func (st *state) addSourceLocked(r sourceRef) int {
	for i, s := range st.sources {
		if s == r {
			return i + 1
		}
	}
	st.sources = append(st.sources, r)
	return len(st.sources)
}

func (st *state) sourceLocked(id int) (sourceRef, bool) {
	if id < 1 || id > len(st.sources) {
		return sourceRef{}, false
	}
	return st.sources[id-1], true
}
