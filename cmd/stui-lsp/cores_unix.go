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
// started this process.
func pollable(f *os.File) (io.ReadCloser, bool) {
	info, err := f.Stat()
	if err != nil || info.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return nil, false
	}
	// Fd leaves the descriptor in blocking mode, which os.Stdin's is.
	fd := int(f.Fd())
	if err := syscall.SetNonblock(fd, true); err != nil {
		return nil, false
	}
	// NewFile registers a non-blocking descriptor with the netpoller when it
	// can; only such a file supports deadlines.
	polled := os.NewFile(uintptr(fd), f.Name())
	if polled == nil || polled.SetReadDeadline(time.Time{}) != nil {
		_ = syscall.SetNonblock(fd, false)
		return nil, false
	}
	return blockingAfterClose{polled, fd}, true
}

type blockingAfterClose struct {
	*os.File
	fd int
}

func (b blockingAfterClose) Close() error {
	_ = syscall.SetNonblock(b.fd, false)
	return b.File.Close()
}
