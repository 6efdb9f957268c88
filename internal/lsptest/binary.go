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
}

// StartBinary runs bin with args (plus a debug log file) as an editor runs
// it, in a home of its own so that no token, endpoint or cache of the user's
// leaks in, and starts a client on it. The test's cleanup shuts the server
// down, checks that it exits, and fails the test if its log shows a panic or
// a data race (printing the log when the test failed).
func StartBinary(t *testing.T, bin string, args []string, opts Options) *Binary {
	t.Helper()
	home := t.TempDir()
	log := filepath.Join(home, "stui-lsp.log")
	cmd := exec.Command(bin, append(append([]string(nil), args...), "--log-file", log, "--log-level", "debug")...)
	cmd.Env = append(CleanEnv(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"))
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
	b := &Binary{Client: NewClient(t, Stream{stdout, stdin}, opts), Cmd: cmd, Log: log}
	t.Cleanup(func() {
		_ = b.Call("shutdown", nil, nil)
		_ = b.Conn.Notify(context.Background(), "exit", nil)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("stui-lsp did not exit after exit")
			_ = cmd.Process.Kill()
			<-done
		}
		_ = b.Conn.Close()
		if text, err := os.ReadFile(log); err == nil {
			for _, bad := range []string{"panic", "DATA RACE"} {
				if strings.Contains(string(text), bad) {
					t.Errorf("server log contains %q", bad)
				}
			}
			if t.Failed() {
				t.Logf("server log:\n%s", text)
			}
		}
	})
	return b
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
