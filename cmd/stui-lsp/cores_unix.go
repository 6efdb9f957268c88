//go:build unix

package main

import (
	"io"
	"os"
	"syscall"
	"time"
)

// pollable returns a reader of f's descriptor that Go's netpoller waits on,
// if f is a pipe or a socket. The descriptor is switched to non-blocking
// mode, and back when the reader is closed, for whoever reads it after this
// process. A terminal is left alone: its mode is shared with the shell that
// started this process. So is a descriptor that shares its mode with one of
// others (stdout and stderr, when they are the same socket as stdin): their
// writes would fail with EAGAIN instead of waiting.
func pollable(f *os.File, others ...int) (io.ReadCloser, bool) {
	info, err := f.Stat()
	if err != nil || info.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return nil, false
	}
	// Fd leaves the descriptor in blocking mode, which os.Stdin's is.
	fd := int(f.Fd())
	before := make([]bool, len(others))
	for i, o := range others {
		before[i] = nonblocking(o)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		return nil, false
	}
	for i, o := range others {
		if nonblocking(o) != before[i] {
			_ = syscall.SetNonblock(fd, false)
			return nil, false
		}
	}
	// NewFile registers a non-blocking descriptor with the netpoller when it
	// can; only such a file supports deadlines.
	polled := os.NewFile(uintptr(fd), f.Name())
	if polled == nil || polled.SetReadDeadline(time.Time{}) != nil {
		_ = syscall.SetNonblock(fd, false)
		return nil, false
	}
	// The mode belongs to the open pipe, which a duplicate keeps: through it
	// the mode is restored after the close, when the number fd may already
	// name another file.
	keep, err := syscall.Dup(fd)
	if err != nil {
		keep = -1
	} else {
		syscall.CloseOnExec(keep)
	}
	return &blockingAfterClose{File: polled, keep: keep}, true
}

// blockingAfterClose is stdin read through the netpoller, put back into
// blocking mode once closed.
type blockingAfterClose struct {
	*os.File
	keep int // a duplicate of the descriptor, or -1
}

func (b *blockingAfterClose) Close() error {
	// Closing first: a read parked in the netpoller ends with an error
	// instead of going on to block in read(2).
	err := b.File.Close()
	if b.keep >= 0 {
		_ = syscall.SetNonblock(b.keep, false)
		_ = syscall.Close(b.keep)
		b.keep = -1
	}
	return err
}

// nonblocking reports whether fd is in non-blocking mode; false for a
// descriptor that is not open.
func nonblocking(fd int) bool {
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	return errno == 0 && flags&syscall.O_NONBLOCK != 0
}
