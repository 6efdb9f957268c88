package lsptest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Binary is a stui-lsp process with a Client on its stdin and stdout.
type Binary struct {
	*Client
	Cmd *exec.Cmd
	// Log is the path of the server's log file.
	Log string

	t       *testing.T
	wait    time.Duration
	stopped bool
}

// BinaryOptions tune StartBinary.
type BinaryOptions struct {
	Options
	// Env is the server's whole environment; nil means CleanEnv in a home of
	// its own, so that no token, endpoint or cache of the user's leaks in.
	Env []string
	// ExitWait is how long Stop waits for the process to exit; 5 seconds
	// when zero.
	ExitWait time.Duration
}

// StartBinary runs bin with args (plus a debug log file) as an editor runs
// it and starts a client on it. Stop, which the test's cleanup also calls,
// shuts the server down and fails the test if it does not exit or its log
// shows a panic or a data race (printing the log when the test failed).
func StartBinary(t *testing.T, bin string, args []string, opts BinaryOptions) *Binary {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "stui-lsp.log")
	cmd := exec.Command(bin, append(append([]string(nil), args...), "--log-file", log, "--log-level", "debug")...)
	cmd.Env = opts.Env
	if cmd.Env == nil {
		cmd.Env = append(CleanEnv(), "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if opts.ExitWait == 0 {
		opts.ExitWait = 5 * time.Second
	}
	b := &Binary{Client: NewClient(t, Stream{stdout, stdin}, opts.Options), Cmd: cmd, Log: log, t: t, wait: opts.ExitWait}
	t.Cleanup(b.Stop)
	return b
}

// Stop sends shutdown and exit, waits for the process, and checks its log.
// Only the first call does anything.
func (b *Binary) Stop() {
	if b.stopped {
		return
	}
	b.stopped = true
	t := b.t
	_ = b.Call("shutdown", nil, nil)
	_ = b.Conn.Notify(context.Background(), "exit", nil)
	done := make(chan struct{})
	go func() { _ = b.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(b.wait):
		t.Error("stui-lsp did not exit after exit")
		_ = b.Cmd.Process.Kill()
		<-done
	}
	_ = b.Conn.Close()
	if text, err := os.ReadFile(b.Log); err == nil {
		for _, bad := range []string{"panic", "DATA RACE"} {
			if strings.Contains(string(text), bad) {
				t.Errorf("server log contains %q", bad)
			}
		}
		if t.Failed() {
			t.Logf("server log:\n%s", text)
		}
	}
}

// CleanEnv is this process's environment without what would point a server
// at the user's own image, token or caches.
func CleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "STUI_TOKEN", "STUI_ENDPOINT":
			continue
		}
		env = append(env, kv)
	}
	return env
}
