package e2e

// Launch or attach, through the real binaries: stui-lsp starts the
// workspace's image from .stui.json (stui-testimage standing in for Pharo,
// on the private ipc endpoint and token stui-lsp generates), reports
// progress until it answers, restarts it when it is killed (saying so
// once), stops it at shutdown, and leaves it running with keepRunning;
// `stui-lsp image start|status|stop` does the same from the shell. The
// Neovim check runs testdata/lifecycle/launch.lua.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/internal/lsptest"
	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// launchFolder makes a workspace whose .stui.json starts stui-testimage on
// the generated endpoint with the generated token, and a private runtime
// directory for it; it answers the folder and the environment to run
// stui-lsp in.
func launchFolder(t *testing.T, keepRunning bool) (string, []string) {
	t.Helper()
	image := buildCommand(t, "stui-testimage")
	folder := t.TempDir()
	cfg := map[string]any{"image": map[string]any{
		"command":     image,
		"args":        []string{"-endpoint", "${endpoint}", "-token-file", "${tokenFile}", "-ignore-stdin"},
		"keepRunning": keepRunning,
	}}
	data, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(folder, ".stui.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "play.st"), []byte("3 + 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A short path: an ipc socket's path must fit in 107 bytes.
	runtimeDir, err := os.MkdirTemp("", "stui-rt-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(runtimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// An image a failed test left running must not outlive it.
		if matches, _ := filepath.Glob(filepath.Join(runtimeDir, "stui", "ws-*", "image.pid")); len(matches) > 0 {
			if pid := readPIDFile(matches[0]); pid > 0 {
				_ = syscall.Kill(-pid, syscall.SIGKILL)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		os.RemoveAll(runtimeDir)
	})
	home := t.TempDir()
	env := append(lsptest.CleanEnv(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"), "XDG_RUNTIME_DIR="+runtimeDir)
	return folder, env
}

func runtimeDirOf(env []string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "XDG_RUNTIME_DIR="); ok {
			return v
		}
	}
	return ""
}

// workspaceDir is the private directory stui-lsp made for the workspace.
func workspaceDir(t *testing.T, env []string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(runtimeDirOf(env), "stui", "ws-*"))
	if len(matches) != 1 {
		t.Fatalf("workspace directories %v, want one", matches)
	}
	return matches[0]
}

func readPIDFile(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

// waitPID waits until the workspace's pid file names a live process other
// than not.
func waitPID(t *testing.T, env []string, not int) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if matches, _ := filepath.Glob(filepath.Join(runtimeDirOf(env), "stui", "ws-*", "image.pid")); len(matches) == 1 {
			if pid := readPIDFile(matches[0]); pid > 0 && pid != not && !processGone(pid) {
				return pid
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no image (other than %d) in the pid file", not)
	return 0
}

// processGone reports whether pid has ended (a zombie nobody reaped yet
// counts as ended).
func processGone(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) != nil
	}
	_, rest, _ := strings.Cut(string(data), ") ")
	return strings.HasPrefix(rest, "Z")
}

func waitGone(t *testing.T, pid int, why string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the image (pid %d) still runs %s", pid, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// launchEditor runs stui-lsp in folder with env and no endpoint of its own;
// b.Stop ends it with shutdown and exit and waits for it.
func launchEditor(t *testing.T, bin, folder string, env []string) (e *binEditor, b *lsptest.Binary) {
	t.Helper()
	b = lsptest.StartBinary(t, bin, nil, lsptest.BinaryOptions{Options: lsptest.Options{CallTimeout: 15 * time.Second}, Env: env, ExitWait: 10 * time.Second})
	e = wrapBinEditor(t, b.Client)
	yes := true
	params := &protocol.InitializeParams{Capabilities: protocol.ClientCapabilities{
		Window: &protocol.WindowClientCapabilities{WorkDoneProgress: &yes},
	}}
	params.WorkspaceFolders = protocol.NewNullable([]protocol.WorkspaceFolder{{URI: uri.File(folder), Name: "ws"}})
	e.must("initialize", params, nil)
	e.notify("initialized", &protocol.InitializedParams{})
	return e, b
}

// waitNote waits for a notification of method whose params contain text,
// and answers how many such notifications came.
func (e *binEditor) waitNote(method, text string, n int) int {
	e.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		count := e.countNotes(method, text)
		if count >= n {
			return count
		}
		select {
		case <-e.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			e.t.Fatalf("no %d× %s containing %q; got %d", n, method, text, count)
		}
	}
}

func (e *binEditor) countNotes(method, text string) int {
	n := 0
	for _, raw := range e.notesOf(method) {
		if strings.Contains(string(raw), text) {
			n++
		}
	}
	return n
}

// evaluates waits until the image answers 3 + 4 through stui-lsp.
func (e *binEditor) evaluates() {
	e.t.Helper()
	args, _ := json.Marshal(map[string]any{"code": "3 + 4"})
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		var res struct {
			Result string `json:"result"`
		}
		last = e.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: "stui.evaluate", Arguments: []protocol.LSPAny{args}}, &res)
		if last == nil && res.Result == "7" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.t.Fatalf("3 + 4 never evaluated to 7 through the launched image: %v", last)
}

func TestBinaryLaunchesRestartsAndStopsTheImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs stui-lsp and stui-testimage; not in -short mode")
	}
	bin := buildCommand(t, "stui-lsp")
	folder, env := launchFolder(t, false)
	e, b := launchEditor(t, bin, folder, env)

	e.waitNote(protocol.MethodProgress, `"kind":"begin"`, 1)
	e.waitNote(protocol.MethodProgress, `"the image answers"`, 1)
	e.waitNote(protocol.MethodWindowLogMessage, "started the image", 1)
	e.evaluates()
	pid := waitPID(t, env, 0)

	// Private by default: an ipc socket in a 0700 directory, a 0600 token,
	// and the image refuses a request without it.
	dir := workspaceDir(t, env)
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "token"): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %04o", path, fi.Mode(), err, want)
		}
	}
	endpoint := "ipc://" + filepath.Join(dir, "image.sock")
	c, err := stuiclient.New(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	var remote *stuiproto.RemoteError
	err = c.Call(ctx, stuiproto.CmdPing, stuiproto.PingParams{}, &stuiproto.PingResult{})
	cancel()
	c.Close()
	if !errors.As(err, &remote) || remote.Type != stuiproto.ErrPermissionDenied {
		t.Errorf("a ping without the token: %v, want PermissionDenied", err)
	}

	// A crash: restarted, and the user told once.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e.waitNote(protocol.MethodWindowShowMessage, "exited", 1)
	second := waitPID(t, env, pid)
	e.evaluates()
	if err := syscall.Kill(second, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e.waitNote(protocol.MethodWindowLogMessage, fmt.Sprintf("the image (pid %d) exited", second), 1)
	third := waitPID(t, env, second)
	e.evaluates()
	if n := e.countNotes(protocol.MethodWindowShowMessage, "exited"); n != 1 || e.countNotes(protocol.MethodWindowShowMessage, fmt.Sprintf("(pid %d)", pid)) != 1 {
		t.Errorf("the user was told of %d crashes, want the first only", n)
	}

	b.Stop()
	waitGone(t, third, "after shutdown")
}

func TestImageKeptRunningAndTheShellCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs stui-lsp and stui-testimage; not in -short mode")
	}
	bin := buildCommand(t, "stui-lsp")
	folder, env := launchFolder(t, true)
	shell := func(args ...string) (string, int) {
		cmd := exec.Command(bin, append([]string{"image"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	if out, code := shell("status", folder); code != 1 || !strings.Contains(out, "does not answer") {
		t.Errorf("status before start: %d\n%s", code, out)
	}

	// stui-lsp starts it; keepRunning leaves it running at shutdown.
	e, b := launchEditor(t, bin, folder, env)
	e.waitNote(protocol.MethodWindowLogMessage, "started the image", 1)
	e.evaluates()
	pid := waitPID(t, env, 0)
	b.Stop()
	time.Sleep(300 * time.Millisecond)
	if processGone(pid) {
		t.Fatal("keepRunning: the image stopped with stui-lsp")
	}
	if out, code := shell("status", folder); code != 0 || !strings.Contains(out, "answers: Pharo") || !strings.Contains(out, strconv.Itoa(pid)+" (running)") {
		t.Errorf("status of the kept image: %d\n%s", code, out)
	}

	// The next stui-lsp attaches to it instead of starting another.
	e, b = launchEditor(t, bin, folder, env)
	e.waitNote(protocol.MethodWindowLogMessage, "attached to the image already running", 1)
	e.evaluates()
	if n := e.countNotes(protocol.MethodProgress, `"kind":"begin"`); n != 0 {
		t.Errorf("attaching reported %d starts", n)
	}
	b.Stop()
	if out, _ := shell("stop", folder); !strings.Contains(out, "stopped the image") {
		t.Errorf("stop: %s", out)
	}
	waitGone(t, pid, "after stui-lsp image stop")

	// From the shell alone.
	if out, code := shell("start", folder); code != 0 || !strings.Contains(out, "image running (pid") {
		t.Fatalf("start: %d\n%s", code, out)
	}
	pid = waitPID(t, env, 0)
	if out, code := shell("start", folder); code != 0 || !strings.Contains(out, "already answers") {
		t.Errorf("a second start: %d\n%s", code, out)
	}
	if out, _ := shell("stop", folder); !strings.Contains(out, "stopped the image") {
		t.Errorf("stop: %s", out)
	}
	waitGone(t, pid, "after stui-lsp image stop")
	if out, code := shell("status", folder); code != 1 {
		t.Errorf("status after stop: %d\n%s", code, out)
	}
}

// TestNeovimLaunchesTheImage runs testdata/lifecycle/launch.lua: Neovim
// opens the folder, stui-lsp starts the image, and quitting stops it.
func TestNeovimLaunchesTheImage(t *testing.T) {
	script := lifecycleProbe(t, "launch.lua")
	bin := buildCommand(t, "stui-lsp")
	folder, env := launchFolder(t, false)
	var extra []string
	for _, kv := range env {
		if strings.HasPrefix(kv, "XDG_RUNTIME_DIR=") {
			extra = append(extra, kv)
		}
	}
	text := runNeovimProbe(t, script,
		append(extra, "STUI_LSP="+bin, "STUI_TEST_WORKSPACE="+folder)...)
	var pid int
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "pid="); ok {
			pid, _ = strconv.Atoi(v)
		}
	}
	if pid == 0 {
		t.Fatal("the probe printed no pid of the image")
	}
	waitGone(t, pid, "after Neovim quit")
}
