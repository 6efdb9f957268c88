package launch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the launched image: with LAUNCH_TEST_CHILD set
// to a directory it writes its pid, arguments and environment there and
// waits to be signalled.
func TestMain(m *testing.M) {
	if dir := os.Getenv("LAUNCH_TEST_CHILD"); dir != "" {
		pid := os.Getpid()
		report := fmt.Sprintf("args=%s\nendpoint=%s\ntokenFile=%s\ntoken=%s\nextra=%s\n",
			strings.Join(os.Args[1:], " "), os.Getenv("STUI_ENDPOINT"), os.Getenv("STUI_TOKEN_FILE"), os.Getenv("STUI_TOKEN"), os.Getenv("EXTRA"))
		_ = os.WriteFile(filepath.Join(dir, strconv.Itoa(pid)), []byte(report), 0o600)
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestLoadPrefersTheSettingThenTheFile(t *testing.T) {
	folder := t.TempDir()
	if _, err := Load(folder, nil); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("no file, no setting: %v", err)
	}
	file := `{"image": {"command": "pharo", "args": ["--headless", "My.image"], "keepRunning": true}}`
	if err := os.WriteFile(filepath.Join(folder, FileName), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(folder, json.RawMessage(`null`))
	if err != nil || c.Command != "pharo" || len(c.Args) != 2 || !c.KeepRunning {
		t.Errorf("from the file: %+v, %v", c, err)
	}
	// A setting without a command does not hide the file.
	if c, err := Load(folder, json.RawMessage(`{"keepRunning": false}`)); err != nil || c.Command != "pharo" {
		t.Errorf("setting without a command: %+v, %v", c, err)
	}
	c, err = Load(folder, json.RawMessage(`{"command": "other", "endpoint": "tcp://127.0.0.1:7000"}`))
	if err != nil || c.Command != "other" || c.Endpoint != "tcp://127.0.0.1:7000" || c.KeepRunning {
		t.Errorf("the setting wins: %+v, %v", c, err)
	}
	if err := os.WriteFile(filepath.Join(folder, FileName), []byte(`{"image": `), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(folder, nil); err == nil || !strings.Contains(err.Error(), FileName) {
		t.Errorf("a broken file: %v, want an error naming it", err)
	}
}

func TestPrepareMakesAPrivateEndpointAndToken(t *testing.T) {
	runtimeDir := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", runtimeDir)
	folder := t.TempDir()
	ws, err := Prepare(folder, Config{Command: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ws.Endpoint, "ipc://"+filepath.Join(runtimeDir, "stui", "ws-")) || filepath.Dir(strings.TrimPrefix(ws.Endpoint, "ipc://")) != ws.Dir {
		t.Errorf("endpoint %s in %s", ws.Endpoint, ws.Dir)
	}
	for path, want := range map[string]os.FileMode{filepath.Join(runtimeDir, "stui"): 0o700, ws.Dir: 0o700, ws.TokenFile: 0o600} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, %v; want mode %04o", path, fi.Mode(), err, want)
		}
	}
	tok, err := ReadToken(ws.TokenFile)
	if err != nil || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(tok) {
		t.Errorf("token %q, %v", tok, err)
	}
	again, err := Prepare(folder, Config{Command: "x"})
	if err != nil || again.Endpoint != ws.Endpoint {
		t.Fatalf("again: %+v, %v", again, err)
	}
	if tok2, _ := ReadToken(again.TokenFile); tok2 != tok {
		t.Error("a second Prepare changed the token")
	}
	other, err := Prepare(t.TempDir(), Config{Command: "x"})
	if err != nil || other.Endpoint == ws.Endpoint {
		t.Errorf("another folder shares the endpoint: %+v, %v", other, err)
	}
	// A configured endpoint is used as it is, with no generated token.
	given, err := Prepare(folder, Config{Command: "x", Endpoint: "tcp://127.0.0.1:7000"})
	if err != nil || given.Endpoint != "tcp://127.0.0.1:7000" || given.TokenFile != "" {
		t.Errorf("configured endpoint: %+v, %v", given, err)
	}

	// Nothing others may read or enter is used, nor loosened.
	if err := os.Chmod(ws.TokenFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Prepare(folder, Config{Command: "x"}); err == nil || !strings.Contains(err.Error(), "0600") {
		t.Errorf("a readable token file: %v", err)
	}
	if err := os.Chmod(ws.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Prepare(folder, Config{Command: "x"}); err == nil || !strings.Contains(err.Error(), "0700") {
		t.Errorf("an open directory: %v", err)
	}
	if fi, _ := os.Stat(ws.Dir); fi.Mode().Perm() != 0o755 {
		t.Errorf("Prepare changed the mode of a directory it did not make to %v", fi.Mode())
	}
}

// children waits until n children have reported into dir and answers
// their pids and reports, in no particular order.
func children(t *testing.T, dir string, n int) map[int]string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		entries, _ := os.ReadDir(dir)
		out := map[int]string{}
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			if len(data) > 0 {
				out[pid] = string(data)
			}
		}
		if len(out) >= n {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d children started", len(out), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func gone(pid int) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		// A child not yet reaped is a zombie: kill(0) still succeeds, so
		// look at its state.
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			if syscall.Kill(pid, 0) != nil {
				return true
			}
		} else if f := strings.Fields(string(data)); len(f) > 2 && f[2] == "Z" {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func TestSuperviseRestartsACrashedImageAndStopsIt(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("STUI_TOKEN", "not-for-the-image")
	reports := t.TempDir()
	ws, err := Prepare(t.TempDir(), Config{
		Command: os.Args[0],
		Args:    []string{"-test.run=none", "bind=${endpoint}"},
		Env:     map[string]string{"LAUNCH_TEST_CHILD": reports, "EXTRA": "in ${workspaceFolder}"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var exits []Exit
	sup, err := Supervise(ws, func(e Exit) {
		mu.Lock()
		exits = append(exits, e)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	// The log line "started the image" reads it at once.
	startedPID := sup.PID()
	first := children(t, reports, 1)
	var pid int
	for p, report := range first {
		pid = p
		for _, want := range []string{"args=-test.run=none bind=" + ws.Endpoint, "endpoint=" + ws.Endpoint, "tokenFile=" + ws.TokenFile, "token=\n", "extra=in " + ws.Folder} {
			if !strings.Contains(report, want) {
				t.Errorf("the image saw\n%s\nwant %q", report, want)
			}
		}
	}
	if got, ok := ReadPID(ws); !ok || got != pid || sup.PID() != pid || startedPID != pid {
		t.Errorf("pid file %d (%v), supervisor %d, and %d when Supervise returned; want %d", got, ok, sup.PID(), startedPID, pid)
	}

	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	both := children(t, reports, 2)
	var second int
	for p := range both {
		if p != pid {
			second = p
		}
	}
	mu.Lock()
	if len(exits) != 1 || exits[0].PID != pid || exits[0].Restarts != 1 || exits[0].Retry != firstBackoff || !strings.Contains(exits[0].Err.Error(), "killed") {
		t.Errorf("exits %+v", exits)
	}
	mu.Unlock()

	sup.Stop()
	if !gone(second) {
		t.Errorf("the image %d still runs after Stop", second)
	}
	if _, err := os.Stat(ws.PIDFile()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the pid file is left after Stop: %v", err)
	}
	mu.Lock()
	if len(exits) != 1 {
		t.Errorf("Stop was reported as a crash: %+v", exits)
	}
	mu.Unlock()
	sup.Stop() // a second Stop returns
}

func TestStartDetachedAndStopPID(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	reports := t.TempDir()
	ws, err := Prepare(t.TempDir(), Config{Command: os.Args[0], Args: []string{"-test.run=none"}, Env: map[string]string{"LAUNCH_TEST_CHILD": reports}})
	if err != nil {
		t.Fatal(err)
	}
	pid, err := StartDetached(ws)
	if err != nil {
		t.Fatal(err)
	}
	children(t, reports, 1)
	if got, ok := ReadPID(ws); !ok || got != pid {
		t.Fatalf("pid file %d %v, want %d", got, ok, pid)
	}
	if sid := sessionOf(pid); runtime.GOOS == "linux" && sid != pid {
		t.Errorf("the detached image's session is %d, want its own", sid)
	}
	stopped, err := StopPID(ws)
	if !stopped || err != nil || !gone(pid) {
		t.Errorf("StopPID = %v, %v; gone: %v", stopped, err, gone(pid))
	}
	if stopped, err := StopPID(ws); stopped || err != nil {
		t.Errorf("StopPID with nothing running = %v, %v", stopped, err)
	}
}

// sessionOf reads a process's session id from /proc (0 if unknown).
func sessionOf(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// pid (comm) state ppid pgrp session ...
	_, rest, _ := strings.Cut(string(data), ") ")
	f := strings.Fields(rest)
	if len(f) < 4 {
		return 0
	}
	sid, _ := strconv.Atoi(f[3])
	return sid
}

func TestSuperviseReportsACommandThatCannotStart(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	ws, err := Prepare(t.TempDir(), Config{Command: "/nonexistent/pharo"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Supervise(ws, nil); err == nil {
		t.Fatal("no error for a command that does not exist")
	}
}

func TestWaitReadyPingsUntilTheImageAnswers(t *testing.T) {
	n := 0
	var ticks []time.Duration
	err := WaitReady(context.Background(), func(context.Context) error {
		n++
		if n < 3 {
			return errors.New("not yet")
		}
		return nil
	}, func(d time.Duration) { ticks = append(ticks, d) })
	if err != nil || n != 3 || len(ticks) != 2 {
		t.Errorf("WaitReady = %v after %d pings, %d ticks", err, n, len(ticks))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := WaitReady(ctx, func(context.Context) error { return errors.New("down") }, nil); err == nil || !strings.Contains(err.Error(), "down") {
		t.Errorf("WaitReady past the deadline = %v", err)
	}
}

func TestNobodyListensOnAMissingOrDeadSocket(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "image.sock")
	ws := &Workspace{Endpoint: "ipc://" + sock}
	if !ws.NobodyListens() {
		t.Error("a missing socket has a listener")
	}
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	if ws.NobodyListens() {
		t.Error("a listening socket has no listener")
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("the socket file should be left behind: %v", err)
	}
	if !ws.NobodyListens() {
		t.Error("a socket left behind has a listener")
	}
	if (&Workspace{Endpoint: "tcp://127.0.0.1:1"}).NobodyListens() {
		t.Error("a tcp endpoint is never known to be silent without a ping")
	}
}

// An image that ends with status 0 (a launcher script that returned) is
// told as such, not as "exited (<nil>)".
func TestExitSaysHowTheImageEnded(t *testing.T) {
	clean := Exit{PID: 7, Retry: 500 * time.Millisecond}
	if got := clean.String(); got != "the image (pid 7) exited (exit status 0); restarting it in 500ms" {
		t.Errorf("status 0: %q", got)
	}
	failed := Exit{PID: 7, Err: errors.New("exit status 3"), Retry: time.Second}
	if got := failed.String(); got != "the image (pid 7) exited (exit status 3); restarting it in 1s" {
		t.Errorf("status 3: %q", got)
	}
}
