//go:build linux

package main

import (
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// blockingPipe is a pipe whose read end is a blocking descriptor, as the
// stdin an editor starts the server with is.
func blockingPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	r, w = os.NewFile(uintptr(fds[0]), "stdin"), os.NewFile(uintptr(fds[1]), "editor")
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

func TestStdinPipeMeansOneCoreForRequests(t *testing.T) {
	if _, set := os.LookupEnv("GOMAXPROCS"); set {
		t.Skip("GOMAXPROCS is set: the server keeps it, so there is nothing to switch")
	}
	before := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(before) })
	r, w := blockingPipe(t)
	fd := int(r.Fd())

	in, budget := requestCores(r)
	if budget == nil {
		t.Fatal("a pipe on stdin did not switch to one core")
	}
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("GOMAXPROCS %d while serving, want 1", got)
	}
	if !nonblocking(fd) {
		t.Error("stdin is still in blocking mode")
	}
	// It is read through the netpoller: a deadline ends a read that waits.
	polled := in.(interface {
		Read([]byte) (int, error)
		SetReadDeadline(time.Time) error
		Close() error
	})
	if err := polled.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := polled.Read(make([]byte, 1)); !os.IsTimeout(err) {
		t.Fatalf("a read with nothing written ended with %v, want a timeout", err)
	}
	_ = polled.SetReadDeadline(time.Time{})
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if n, err := polled.Read(make([]byte, 1)); n != 1 || err != nil {
		t.Fatalf("read %d, %v after a write", n, err)
	}

	// Parallel work widens to the cores there were, overlapping work shares
	// it, and the last to end narrows again.
	outerDone, innerStarted := make(chan struct{}), make(chan struct{})
	go budget.Parallel(func() {
		close(innerStarted)
		<-outerDone
	})
	<-innerStarted
	budget.Parallel(func() {
		if got := runtime.GOMAXPROCS(0); got != before {
			t.Errorf("GOMAXPROCS %d in parallel work, want %d", got, before)
		}
	})
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("GOMAXPROCS %d while other parallel work runs, want %d", got, before)
	}
	close(outerDone)
	for deadline := time.Now().Add(time.Second); runtime.GOMAXPROCS(0) != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("GOMAXPROCS %d after the parallel work ended, want 1", runtime.GOMAXPROCS(0))
		}
	}

	// A hold keeps every core past the parallel work, however often it is
	// repeated, until it is let go.
	budget.Hold(true)
	budget.Hold(true)
	budget.Parallel(func() {})
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("GOMAXPROCS %d while held, want %d", got, before)
	}
	budget.Hold(false)
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("GOMAXPROCS %d after the hold, want 1", got)
	}
	budget.Hold(false)
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("GOMAXPROCS %d after a second release of the hold, want 1", got)
	}

	if err := polled.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestStdinKeepsGoDefaultsWhenItCannotBePolled(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(before) })
	f, err := os.CreateTemp(t.TempDir(), "requests")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if in, budget := requestCores(f); budget != nil || in != f {
		t.Error("a regular file on stdin switched to one core")
	}
	if runtime.GOMAXPROCS(0) != before {
		t.Error("GOMAXPROCS changed")
	}

	r, _ := blockingPipe(t)
	t.Setenv("GOMAXPROCS", "2")
	if in, budget := requestCores(r); budget != nil || in != r {
		t.Error("a pipe on stdin switched to one core although GOMAXPROCS is set")
	}
	if nonblocking(int(r.Fd())) {
		t.Error("stdin was made non-blocking although GOMAXPROCS is set")
	}
}

func TestClosingPolledStdinLeavesItBlocking(t *testing.T) {
	r, _ := blockingPipe(t)
	// Another descriptor of the same open pipe, as a process after this one
	// would have.
	other, err := syscall.Dup(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(other)
	in, ok := pollable(r)
	if !ok {
		t.Fatal("a pipe is not pollable")
	}
	if !nonblocking(other) {
		t.Fatal("the pipe is not in non-blocking mode while polled")
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if nonblocking(other) {
		t.Error("the pipe is left in non-blocking mode after the server closed stdin")
	}
}

// stdin and stdout as one socket (inetd, socat): making stdin non-blocking
// would make the server's writes fail when the socket is full.
func TestStdinSharingItsModeWithStdoutStaysBlocking(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fds[1])
	in := os.NewFile(uintptr(fds[0]), "stdin")
	defer in.Close()
	out, err := syscall.Dup(fds[0]) // the same socket as stdout
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(out)
	if _, ok := pollable(in, out); ok {
		t.Fatal("stdin was made pollable although stdout is the same socket")
	}
	if nonblocking(fds[0]) || nonblocking(out) {
		t.Error("the shared socket was left in non-blocking mode")
	}
	// A socket of its own is pollable.
	r, _ := blockingPipe(t)
	polled, ok := pollable(r, out)
	if !ok {
		t.Fatal("a pipe that shares nothing with stdout is not pollable")
	}
	_ = polled.Close()
}

func TestEditorPipesAreAPipeOnStdinAndThreeFiles(t *testing.T) {
	in, _ := blockingPipe(t)
	_, out := blockingPipe(t)
	_, errs := blockingPipe(t)
	file, err := os.Create(t.TempDir() + "/stdin")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(pair[0])
	defer syscall.Close(pair[1])
	fd := func(f *os.File) int { return int(f.Fd()) }
	for _, tc := range []struct {
		name                string
		stdin, stdout, errs int
		want                bool
	}{
		{"pipes, as editors give", fd(in), fd(out), fd(errs), true},
		{"a socket on stdin", pair[0], fd(out), fd(errs), true},
		{"a file on stdin", fd(file), fd(out), fd(errs), false},
		{"one socket for stdin and stdout", pair[0], pair[0], fd(errs), false},
		{"stderr into stdout", fd(in), fd(out), fd(out), false},
		{"a closed descriptor", 1 << 20, fd(out), fd(errs), false},
	} {
		if got := editorPipes(tc.stdin, tc.stdout, tc.errs); got != tc.want {
			t.Errorf("%s: editorPipes = %v, want %v", tc.name, got, tc.want)
		}
	}
}
