package e2e

// The real binary, started as editors start it, runs itself again with Go's
// monitor thread kept awake (cmd/stui-lsp/monitor.go): same process, same
// name, still serving; the image it launches gets the environment the user
// gave, without the setting; with GOMAXPROCS set it keeps Go's defaults.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/internal/lsptest"
)

const awakeMonitorSetting = "GODEBUG=schedtrace=2147483647"

// environOf is the environment pid was started (or last executed) with.
func environOf(t *testing.T, pid int) []string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Skipf("skipping: no /proc here to read a process's environment: %v", err)
	}
	return strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
}

func TestServerRunsAgainWithTheMonitorAwake(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs stui-lsp and stui-testimage; not in -short mode")
	}
	bin := buildCommand(t, "stui-lsp")
	folder, env := launchFolder(t, false)
	env = append(env, "GODEBUG=gctrace=0")
	e, b := launchEditor(t, bin, folder, env)
	e.evaluates()
	server := b.Cmd.Process.Pid

	if got := environOf(t, server); !slices.Contains(got, "GODEBUG=gctrace=0,schedtrace=2147483647") {
		t.Errorf("the server's environment %q has no schedtrace added to the user's GODEBUG: it did not run itself again", got)
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", server))
	if err != nil || strings.TrimSpace(string(comm)) != filepath.Base(bin) {
		t.Errorf("the server process is named %q (%v), want %q", comm, err, filepath.Base(bin))
	}
	image := environOf(t, waitPID(t, env, 0))
	if !slices.Contains(image, "GODEBUG=gctrace=0") {
		t.Errorf("the image's environment %q lacks the user's GODEBUG=gctrace=0", image)
	}
	for _, kv := range image {
		if strings.Contains(kv, "schedtrace") || strings.HasPrefix(kv, "STUI_LSP_GODEBUG_BEFORE=") {
			t.Errorf("the image inherited %q", kv)
		}
	}
	b.Stop()
	if log, _ := os.ReadFile(b.Log); !strings.Contains(string(log), `"monitorAwake": true`) {
		t.Errorf("the server's log does not say the monitor is kept awake:\n%s", log)
	}
}

func TestServerWithGOMAXPROCSKeepsGoDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs stui-lsp; not in -short mode")
	}
	bin := buildCommand(t, "stui-lsp")
	folder := t.TempDir()
	home := t.TempDir()
	env := append(lsptest.CleanEnv(), "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"), "GOMAXPROCS=2")
	e, b := launchEditor(t, bin, folder, env)
	var res any
	e.must("workspace/symbol", &protocol.WorkspaceSymbolParams{Query: "x"}, &res)
	for _, kv := range environOf(t, b.Cmd.Process.Pid) {
		if kv == awakeMonitorSetting || strings.HasPrefix(kv, "STUI_LSP_GODEBUG_BEFORE=") {
			t.Errorf("with GOMAXPROCS set the server still ran itself again (%q)", kv)
		}
	}
}
