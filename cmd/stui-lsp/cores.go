package main

import (
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/stui-lsp/stui-lsp/lsp"
)

// The language server runs its requests on one core and widens to all of
// them for the work that is written to use them (indexing a workspace), and
// for as long as it holds a heap large enough that a collection on one core
// would keep requests waiting (Pharo's own tree).
//
// A request spends nearly all its time waiting: for the editor's next
// message, then for the image. With Go's default of one scheduler slot (P)
// per core, each wait hands the next piece of work to another thread: the
// runtime wakes an idle thread whenever a goroutine becomes ready and a slot
// is free, and its monitor thread takes back the slot of a thread blocked
// reading stdin whenever the other slot is busy. Per request that was several
// thread wake-ups more than a single-threaded relay pays (docs/performance.md,
// "Issue 18's relay floors: one core for requests"). With one slot, a
// goroutine that becomes ready runs next on the thread already running, as in
// an event loop.
//
// One slot only works if no thread holds it while blocked on stdin, so it is
// chosen only when stdin can wait in Go's netpoller (a pipe or a socket, as
// editors give) of its own. A terminal, a file, a socket that is also stdout
// or stderr, or an explicit GOMAXPROCS keeps Go's default and the blocking
// read.

// coreBudget switches the process between one slot for requests and all of
// them while parallel work runs or the server holds them (lsp.Cores).
type coreBudget struct {
	mu    sync.Mutex
	wide  int  // the runtime's default: one per core
	users int  // parallel work running now, and the hold
	held  bool // the server holds every core
}

var _ lsp.Cores = (*coreBudget)(nil)

// narrow leaves one slot for requests and returns the budget that widens
// for parallel work.
func narrow() *coreBudget {
	b := &coreBudget{wide: runtime.GOMAXPROCS(0)}
	runtime.GOMAXPROCS(1)
	return b
}

// Parallel runs work with every core. Overlapping calls share the widening;
// the last one to end narrows again.
func (b *coreBudget) Parallel(work func()) {
	b.widen()
	defer b.release()
	work()
}

// Hold keeps every core from Hold(true) to Hold(false); repeated calls with
// the same value change nothing.
func (b *coreBudget) Hold(wide bool) {
	b.mu.Lock()
	change := wide != b.held
	b.held = wide
	b.mu.Unlock()
	switch {
	case change && wide:
		b.widen()
	case change:
		b.release()
	}
}

func (b *coreBudget) widen() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.users++; b.users == 1 {
		runtime.GOMAXPROCS(b.wide)
	}
}

func (b *coreBudget) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.users--; b.users == 0 {
		runtime.GOMAXPROCS(1)
	}
}

// requestCores decides how the server's requests run: with stdin read
// through the netpoller and one core, or (budget nil) as given, with Go's
// defaults.
func requestCores(stdin io.Reader) (in io.Reader, budget *coreBudget) {
	if _, set := os.LookupEnv("GOMAXPROCS"); set {
		return stdin, nil
	}
	f, isFile := stdin.(*os.File)
	if !isFile {
		return stdin, nil
	}
	polled, ok := pollable(f, int(os.Stdout.Fd()), int(os.Stderr.Fd()))
	if !ok {
		return stdin, nil
	}
	return polled, narrow()
}
