//go:build unix

package main

import (
	"os"
	"syscall"
)

// runWithAwakeMonitor runs this server again, in the same process, with the
// monitor kept awake (monitor.go), when it would run on one slot: it serves
// LSP with stdin a pipe or a socket of its own. It returns only when it does
// not, or cannot: the server then runs as it is, which only costs speed.
func runWithAwakeMonitor(args []string) {
	if !wantsAwakeMonitor(args, os.LookupEnv) || !editorPipes(0, 1, 2) {
		return
	}
	// The executable's own path, not /proc/self/exe: the process is named
	// after the file it runs, and people look for stui-lsp.
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, awakeEnv(os.Environ()))
}

// editorPipes reports whether stdin (a descriptor, as the others) is a pipe or a socket, as editors give,
// and stdin, stdout and stderr are three different files. stderr must not be
// stdout: the monitor's line of scheduler state would land in the protocol.
func editorPipes(stdin, stdout, stderr int) bool {
	var in, out, errs syscall.Stat_t
	if syscall.Fstat(stdin, &in) != nil || syscall.Fstat(stdout, &out) != nil || syscall.Fstat(stderr, &errs) != nil {
		return false
	}
	if kind := in.Mode & syscall.S_IFMT; kind != syscall.S_IFIFO && kind != syscall.S_IFSOCK {
		return false
	}
	same := func(a, b *syscall.Stat_t) bool { return a.Dev == b.Dev && a.Ino == b.Ino }
	return !same(&in, &out) && !same(&in, &errs) && !same(&out, &errs)
}
