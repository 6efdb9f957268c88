package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// launchedPID waits for the pid file of the only workspace under
// runtimeDir and answers its pid.
func launchedPID(t *testing.T, runtimeDir string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		matches, _ := filepath.Glob(filepath.Join(runtimeDir, "stui", "ws-*", "image.pid"))
		if len(matches) == 1 {
			data, _ := os.ReadFile(matches[0])
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
				return pid
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no pid file of a launched image")
	return 0
}

func processEnded(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) != nil
	}
	_, rest, _ := strings.Cut(string(data), ") ")
	return strings.HasPrefix(rest, "Z")
}

func TestLaunchStartsTheImageOnceAndStopsItAtShutdown(t *testing.T) {
	runtimeDir, err := os.MkdirTemp("", "stui-lsp-rt-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runtimeDir) })
	t.Setenv("XDG_RUNTIME_DIR", runtimeDir)
	folder := writeFolder(t, map[string]string{
		".stui.json": `{"image": {"command": "sleep", "args": ["30"]}}`,
	})
	img := newFakeImage() // answers the pings of the started image
	e := startEditor(t, editorOptions{folder: folder, image: img})
	e.waitFor("window/logMessage", logMessageContaining("started the image"))
	pid := launchedPID(t, runtimeDir)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })

	var status statusReport
	if err := e.executeCommand(cmdStatus, nil, &status); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(status.Endpoint, "ipc://"+filepath.Join(runtimeDir, "stui", "ws-")) {
		t.Errorf("the server talks to %s, not the launch's private endpoint", status.Endpoint)
	}

	// The configuration read again starts nothing and keeps the connection.
	if err := e.conn.Notify(t.Context(), "workspace/didChangeConfiguration", &protocol.DidChangeConfigurationParams{Settings: protocol.LSPAny(`null`)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(e.pushedOf("window/logMessage")); n == 0 {
		t.Fatal("no log at all")
	}
	started := 0
	for _, m := range e.pushedOf("window/logMessage") {
		if strings.Contains(string(m), "started the image") {
			started++
		}
	}
	if started != 1 || launchedPID(t, runtimeDir) != pid {
		t.Errorf("the image was started %d times", started)
	}
	img.mu.Lock()
	closed := img.closed
	img.mu.Unlock()
	if closed {
		t.Error("reading the configuration again dropped the connection to the image")
	}

	if err := e.call("shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !processEnded(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the image (pid %d) still runs after shutdown", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLaunchConfigurationErrorsAreShown(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	folder := writeFolder(t, map[string]string{".stui.json": `{"image": {"command": `})
	e := startEditor(t, editorOptions{folder: folder, image: newFakeImage()})
	e.waitFor("window/showMessage", logMessageContaining("cannot launch the image"))

	folder = writeFolder(t, map[string]string{".stui.json": `{"image": {"command": "/nonexistent/pharo", "args": ["--headless"]}}`})
	e = startEditor(t, editorOptions{folder: folder, image: newFakeImage()})
	e.waitFor("window/showMessage", logMessageContaining("cannot start the image (/nonexistent/pharo --headless)"))
}
