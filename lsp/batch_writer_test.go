package lsp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"go.lsp.dev/jsonrpc2"
)

// slowWriter records every write(2) the batch writer makes; the first one
// blocks until release is closed, so that other answers pile up meanwhile.
type slowWriter struct {
	mu      sync.Mutex
	writes  [][]byte
	started chan struct{}
	release chan struct{}
	fail    error
}

func (w *slowWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	first := len(w.writes) == 0
	w.writes = append(w.writes, bytes.Clone(p))
	w.mu.Unlock()
	if first {
		close(w.started)
		<-w.release
	}
	if w.fail != nil {
		return 0, w.fail
	}
	return len(p), nil
}

func answer(i int) jsonrpc2.Message {
	return jsonrpc2.NewResponse(jsonrpc2.NewNumberID(int64(i)), jsonrpc2.RawMessage(fmt.Sprintf(`{"n":%d}`, i)), nil)
}

func TestAnswersReadyTogetherGoOutInOneWriteEachWhole(t *testing.T) {
	w := &slowWriter{started: make(chan struct{}), release: make(chan struct{})}
	b := &batchWriter{w: w}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := b.write(answer(0)); err != nil {
			t.Error(err)
		}
	}()
	<-w.started
	// While the first answer is being written, nine more come.
	for i := 1; i < 10; i++ {
		if _, err := b.write(answer(i)); err != nil {
			t.Fatal(err)
		}
	}
	close(w.release)
	wg.Wait()
	b.drain()
	if len(w.writes) != 2 {
		t.Fatalf("%d writes, want 2 (the first answer, then the nine that came meanwhile)", len(w.writes))
	}
	r := bufio.NewReader(bytes.NewReader(bytes.Join(w.writes, nil)))
	for i := range 10 {
		body, err := readTestFrame(r)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		msg, err := jsonrpc2.DecodeMessage(body)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if res := msg.(*jsonrpc2.Response); string(res.Result()) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("frame %d carries %s: answers out of order", i, res.Result())
		}
	}
}

func TestAFailedWriteFailsTheWritesAfterIt(t *testing.T) {
	broken := errors.New("broken pipe")
	w := &slowWriter{started: make(chan struct{}), release: make(chan struct{}), fail: broken}
	close(w.release)
	b := &batchWriter{w: w}
	if _, err := b.write(answer(1)); !errors.Is(err, broken) {
		t.Fatalf("the failing write returned %v", err)
	}
	if _, err := b.write(answer(2)); !errors.Is(err, broken) {
		t.Fatalf("a write after the failure returned %v", err)
	}
	if len(w.writes) != 1 {
		t.Errorf("%d writes after the pipe broke, want none", len(w.writes)-1)
	}
}

func TestWithOtherCallsInFlightTheWriterYieldsToTheirAnswers(t *testing.T) {
	w := &slowWriter{started: make(chan struct{}), release: make(chan struct{})}
	close(w.release)
	b := &batchWriter{w: w}
	var yielded bool
	b.othersInFlight = func() bool {
		yielded = true
		return true
	}
	if _, err := b.write(answer(1)); err != nil {
		t.Fatal(err)
	}
	if !yielded {
		t.Error("the writer did not ask whether other calls are in flight")
	}
	if len(w.writes) != 1 {
		t.Errorf("%d writes, want 1", len(w.writes))
	}
}

func readTestFrame(r *bufio.Reader) ([]byte, error) {
	var n int
	if _, err := fmt.Fscanf(r, "Content-Length: %d\r\n\r\n", &n); err != nil {
		return nil, err
	}
	body := make([]byte, n)
	_, err := io.ReadFull(r, body)
	return body, err
}
