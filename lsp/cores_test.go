package lsp

import (
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/uri"
)

// recordedCores is an Options.Cores that records what the server asks of it.
type recordedCores struct {
	mu       sync.Mutex
	parallel int // Parallel calls
	running  int // Parallel calls not yet returned
	holds    []bool
}

func (c *recordedCores) Parallel(work func()) {
	c.mu.Lock()
	c.parallel++
	c.running++
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.running--
		c.mu.Unlock()
	}()
	work()
}

func (c *recordedCores) Hold(wide bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holds = append(c.holds, wide)
}

func (c *recordedCores) state() (parallel, running int, holds []bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.parallel, c.running, append([]bool(nil), c.holds...)
}

// waitFor polls cond for up to 5 s.
func (c *recordedCores) waitFor(t *testing.T, what string, cond func(parallel, running int, holds []bool) bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if cond(c.state()) {
			return
		}
		if time.Now().After(deadline) {
			p, r, h := c.state()
			t.Fatalf("%s: parallel %d, running %d, holds %v", what, p, r, h)
		}
	}
}

// A process that keeps to one core for requests widens for indexing, and
// not for the requests themselves: a hover or a symbol search waits on
// nothing that a second core would shorten when the heap is small.
func TestIndexingRunsWithEveryCoreAndRequestsDoNot(t *testing.T) {
	src, at := markers(counterSource)
	folder := writeFolder(t, map[string]string{"Counter.class.st": src})
	cores := &recordedCores{}
	e := startEditor(t, editorOptions{folder: folder, cores: cores})
	e.waitIndexed(1)
	cores.waitFor(t, "indexing widens once and ends", func(p, r int, _ []bool) bool { return p == 1 && r == 0 })
	u := uri.File(filepath.Join(folder, "Counter.class.st"))
	e.openURI(u, src)
	if got := e.symbols("Counter"); len(got) == 0 {
		t.Fatal("workspace/symbol found no Counter")
	}
	_ = e.hover(u, at["incr"])
	if p, _, _ := cores.state(); p != 1 {
		t.Errorf("%d widenings after a symbol search and a hover, want indexing's one", p)
	}
}

// With a heap large enough that a collection on one core would keep
// requests waiting, the server holds every core; it lets them go when the
// connection ends.
func TestALargeHeapHoldsEveryCore(t *testing.T) {
	held := make([]byte, 2*oneCoreHeap)
	for i := range held {
		held[i] = byte(i) // touched, so that it is resident and counted live
	}
	runtime.GC() // the live heap the server reads is the last collection's
	cores := &recordedCores{}
	e := startEditor(t, editorOptions{cores: cores})
	cores.waitFor(t, "the server holds every core", func(_, _ int, h []bool) bool { return len(h) > 0 && h[0] })
	_ = e.conn.Close()
	cores.waitFor(t, "the server lets every core go when the connection ends", func(_, _ int, h []bool) bool { return len(h) > 0 && !h[len(h)-1] })
	runtime.KeepAlive(held)
}
