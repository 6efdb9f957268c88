package launch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Backoff bounds between restarts: the pause doubles from the first to the
// last, and starts again from the first after a run longer than stableRun.
const (
	firstBackoff = 500 * time.Millisecond
	lastBackoff  = 30 * time.Second
	stableRun    = time.Minute
	stopGrace    = 5 * time.Second
)

// Exit describes one end of the image's process.
type Exit struct {
	PID int
	Err error // as cmd.Wait reports it
	// Restarts counts the restarts so far, this one included; the first
	// crash has Restarts 1.
	Restarts int
	// Retry is the pause before the restart.
	Retry time.Duration
}

func (e Exit) String() string {
	how := "exit status 0" // cmd.Wait's nil, which would read "<nil>"
	if e.Err != nil {
		how = e.Err.Error()
	}
	return fmt.Sprintf("the image (pid %d) exited (%s); restarting it in %v", e.PID, how, e.Retry.Round(time.Millisecond))
}

// Supervisor keeps a workspace's image running: it restarts the process,
// with a growing pause, whenever it ends until Stop or Detach.
type Supervisor struct {
	ws     *Workspace
	onExit func(Exit)

	mu       sync.Mutex
	cmd      *exec.Cmd
	stopping bool
	stop     chan struct{}
	done     chan struct{}
	started  chan error
}

// Supervise starts the image and keeps it running. onExit (may be nil) hears
// of every end of the process that will be followed by a restart; it runs on
// the supervisor's goroutine and must not block.
func Supervise(ws *Workspace, onExit func(Exit)) (*Supervisor, error) {
	s := &Supervisor{ws: ws, onExit: onExit, stop: make(chan struct{}), done: make(chan struct{}), started: make(chan error, 1)}
	go s.run()
	if err := <-s.started; err != nil {
		return nil, err
	}
	return s, nil
}

// run starts the process again and again. It holds its OS thread: on Linux
// the image is told to stop when the thread that started it ends (its
// parent-death signal), and with the thread locked that is when the
// supervisor ends, not whenever the Go scheduler retires a thread.
func (s *Supervisor) run() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(s.done)
	pause := firstBackoff
	restarts := 0
	for first := true; ; first = false {
		cmd, err := s.ws.command(!s.ws.Config.KeepRunning)
		if err == nil {
			err = cmd.Start()
		}
		late := false
		if err == nil {
			// Recorded before Supervise returns, so that PID answers the
			// first process's pid at once.
			_ = writePID(s.ws.PIDFile(), cmd.Process.Pid)
			s.mu.Lock()
			s.cmd = cmd
			late = s.stopping // Stop ran before the process had a pid
			s.mu.Unlock()
		}
		if first {
			s.started <- err
			if err != nil {
				return
			}
		}
		began := time.Now()
		if err == nil {
			if late {
				signalGroup(cmd.Process.Pid, syscall.SIGTERM)
			}
			err = cmd.Wait()
			closeOutput(cmd)
		}
		s.mu.Lock()
		stopping := s.stopping
		s.cmd = nil
		s.mu.Unlock()
		if stopping {
			return
		}
		if time.Since(began) > stableRun {
			pause = firstBackoff
		}
		restarts++
		pid := 0
		if cmd != nil && cmd.Process != nil {
			pid = cmd.Process.Pid
		}
		if s.onExit != nil {
			s.onExit(Exit{PID: pid, Err: err, Restarts: restarts, Retry: pause})
		}
		select {
		case <-s.stop:
			return
		case <-time.After(pause):
		}
		pause = min(pause*2, lastBackoff)
	}
}

// PID is the running process's pid, 0 between restarts.
func (s *Supervisor) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Stop ends the supervision and the image: SIGTERM to its process group,
// SIGKILL after a grace period, then it removes the pid file.
func (s *Supervisor) Stop() {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		<-s.done
		return
	}
	s.stopping = true
	close(s.stop)
	cmd := s.cmd
	s.mu.Unlock()
	if cmd != nil {
		signalGroup(cmd.Process.Pid, syscall.SIGTERM)
	}
	select {
	case <-s.done:
	case <-time.After(stopGrace):
		if pid := s.PID(); pid != 0 {
			signalGroup(pid, syscall.SIGKILL)
		}
		<-s.done
	}
	_ = os.Remove(s.ws.PIDFile())
}

// Detach ends the supervision and leaves the image running (keepRunning).
// Only an image started with KeepRunning survives stui-lsp's own exit.
func (s *Supervisor) Detach() {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return
	}
	s.stopping = true
	close(s.stop)
	s.mu.Unlock()
}

// StartDetached starts the image once, in a session of its own, and leaves
// it running without supervision: `stui-lsp image start`.
func StartDetached(ws *Workspace) (int, error) {
	pid, _, err := StartDetachedWatched(ws)
	return pid, err
}

// StartDetachedWatched is StartDetached plus a channel that receives how the
// process ended (cmd.Wait's error, nil for status 0) if it ends while this
// process runs, so that a start can stop waiting for an image that is gone.
func StartDetachedWatched(ws *Workspace) (int, <-chan error, error) {
	cmd, err := ws.command(false)
	if err != nil {
		return 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		closeOutput(cmd)
		return 0, nil, err
	}
	pid := cmd.Process.Pid
	closeOutput(cmd)
	// Reap it if it ends while we still run; afterwards init does.
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return pid, exited, writePID(ws.PIDFile(), pid)
}

// command builds the image's process: its output goes to the workspace's
// log file, never to stui-lsp's stdout (the LSP stream); its stdin is
// empty. tied asks for a process that ends with stui-lsp.
func (w *Workspace) command(tied bool) (*exec.Cmd, error) {
	if w.Config.Command == "" {
		return nil, ErrNotConfigured
	}
	args := make([]string, len(w.Config.Args))
	for i, a := range w.Config.Args {
		args[i] = w.expand(a)
	}
	cmd := exec.Command(w.expand(w.Config.Command), args...)
	cmd.Dir = w.Folder
	if c := w.expand(w.Config.Cwd); c != "" {
		if !strings.HasPrefix(c, "/") {
			c = w.Folder + "/" + c
		}
		cmd.Dir = c
	}
	cmd.Env = w.environment()
	out, err := os.OpenFile(w.LogFile(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = procAttr(tied)
	return cmd, nil
}

func closeOutput(cmd *exec.Cmd) {
	if f, ok := cmd.Stdout.(*os.File); ok {
		_ = f.Close()
	}
}

func writePID(path string, pid int) error {
	return os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o600)
}

// ReadPID answers the pid in the workspace's pid file when that process
// is alive.
func ReadPID(ws *Workspace) (int, bool) {
	data, err := os.ReadFile(ws.PIDFile())
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, alive(pid)
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// StopPID stops the image whose pid is in the workspace's pid file, as
// Supervisor.Stop does, and removes the file. It reports whether there was
// a live image to stop.
func StopPID(ws *Workspace) (bool, error) {
	pid, ok := ReadPID(ws)
	if !ok {
		_ = os.Remove(ws.PIDFile())
		return false, nil
	}
	signalGroup(pid, syscall.SIGTERM)
	deadline := time.Now().Add(stopGrace)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if alive(pid) {
		signalGroup(pid, syscall.SIGKILL)
	}
	return true, os.Remove(ws.PIDFile())
}

// signalGroup signals the image's process group (the image leads it), so a
// launcher script and the VM it started both hear it; the process alone
// when it has no group of its own.
func signalGroup(pid int, sig syscall.Signal) {
	if err := syscall.Kill(-pid, sig); err != nil {
		_ = syscall.Kill(pid, sig)
	}
}

// WaitReady pings until the image answers or ctx ends. tick (may be nil)
// hears how long it has waited, after every failed ping.
func WaitReady(ctx context.Context, ping func(context.Context) error, tick func(time.Duration)) error {
	start := time.Now()
	pause := 100 * time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := ping(pctx)
		cancel()
		if err == nil {
			return nil
		}
		if tick != nil {
			tick(time.Since(start))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the image did not answer within %v: %w", time.Since(start).Round(time.Second), err)
		case <-time.After(pause):
		}
		pause = min(pause*2, time.Second)
	}
}
