package lsp

import (
	"io"
	"runtime"
	"strconv"
	"sync"

	"go.lsp.dev/jsonrpc2"
)

// batchWriter writes the frames of the messages that are ready at the same
// time in one write(2). With several requests in flight their answers come
// back from the image together (the client hands a batch of replies to
// their callers at once) and would be written by as many goroutines, each
// paying a system call and often a wake-up of the editor. The first writer
// writes what the others added while it was writing, until nothing is left;
// the others return at once. While other calls are in flight it yields
// first, so that the answers readied with its own add theirs before the
// write; with none (a hover on its own) it writes at once.
//
// A write error is kept and returned by every later write: the editor's end
// is closed, and the connection ends (tolerantStream). A message that was
// added just before the failing write returned no error, but nobody is left
// to read it.
type batchWriter struct {
	w io.Writer
	// othersInFlight reports whether calls other than the one being
	// answered are still being handled; nil means never.
	othersInFlight func() bool

	mu       sync.Mutex
	pending  []byte // frames not yet written, in the order they came
	spare    []byte // the buffer last written, reused
	writing  bool   // a writer is writing pending out
	err      error
	finished sync.Cond // broadcast when writing ends; on mu
}

// keptWriteBuffer bounds the buffers kept between writes, as
// keptFrameBuffer does for reads.
const keptWriteBuffer = 1 << 20

func (b *batchWriter) write(msg jsonrpc2.Message) (int64, error) {
	body := jsonrpc2.AppendMessage(nil, msg)
	b.mu.Lock()
	if b.err != nil {
		err := b.err
		b.mu.Unlock()
		return 0, err
	}
	b.pending = append(b.pending, "Content-Length: "...)
	b.pending = strconv.AppendInt(b.pending, int64(len(body)), 10)
	b.pending = append(b.pending, "\r\n\r\n"...)
	b.pending = append(b.pending, body...)
	n := int64(len(body))
	if b.writing {
		b.mu.Unlock()
		return n, nil
	}
	b.writing = true
	if b.othersInFlight != nil && b.othersInFlight() {
		b.mu.Unlock()
		runtime.Gosched()
		b.mu.Lock()
	}
	for len(b.pending) > 0 && b.err == nil {
		out := b.pending
		b.pending = b.spare[:0]
		b.mu.Unlock()
		_, err := b.w.Write(out)
		b.mu.Lock()
		if cap(out) <= keptWriteBuffer {
			b.spare = out[:0]
		} else {
			b.spare = nil
		}
		if err != nil {
			b.err = err
		}
	}
	b.writing = false
	err := b.err
	if b.finished.L != nil {
		b.finished.Broadcast()
	}
	b.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return n, nil
}

// drain waits until no writer is writing.
func (b *batchWriter) drain() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished.L == nil {
		b.finished.L = &b.mu
	}
	for b.writing {
		b.finished.Wait()
	}
}
