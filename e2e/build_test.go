package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Package e2e runs the real binaries: stui-lsp over stdio as editors run it,
// against the ZeroMQ test backend, driven by a Go client, by hostile input,
// and by real editors (Node's LSP client, Neovim, Emacs with eglot).

var builds struct {
	sync.Mutex
	dir  string
	done map[string]string
	err  map[string]string
}

// buildCommand builds ./cmd/<name> once for the whole test run and returns
// its path; $STUI_E2E_BIN_DIR supplies ready-made binaries instead. With
// STUI_E2E_RACE set, stui-lsp is built with the race detector, so the tests'
// log checks also catch data races inside the server. It skips the test when
// this machine cannot build (no cgo or no libzmq).
func buildCommand(t *testing.T, name string) string {
	t.Helper()
	if pre := os.Getenv("STUI_E2E_BIN_DIR"); pre != "" {
		return filepath.Join(pre, name)
	}
	if out, err := exec.Command("go", "env", "CGO_ENABLED").Output(); err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Skip("skipping: the binaries need cgo (CGO_ENABLED=1) and libzmq to build")
	}
	if err := exec.Command("pkg-config", "--exists", "libzmq").Run(); err != nil {
		t.Skip("skipping: libzmq not found by pkg-config (install pkg-config and libzmq3-dev)")
	}
	builds.Lock()
	defer builds.Unlock()
	if builds.done == nil {
		dir, err := os.MkdirTemp("", "stui-e2e-bin-")
		if err != nil {
			t.Fatal(err)
		}
		builds.dir, builds.done, builds.err = dir, map[string]string{}, map[string]string{}
	}
	if bin, ok := builds.done[name]; ok {
		return bin
	}
	if msg, failed := builds.err[name]; failed {
		t.Fatal(msg)
	}
	bin := filepath.Join(builds.dir, name)
	args := []string{"build", "-o", bin}
	if name == "stui-lsp" && os.Getenv("STUI_E2E_RACE") != "" {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "github.com/stui-lsp/stui-lsp/cmd/"+name)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		builds.err[name] = "go build ./cmd/" + name + ": " + err.Error() + "\n" + string(out)
		t.Fatal(builds.err[name])
	}
	builds.done[name] = bin
	return bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	os.Exit(code)
}
