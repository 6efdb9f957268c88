package e2e

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEditors drives the real stui-lsp binary with editor clients nobody here
// wrote: headless Neovim with editors/neovim, Emacs with eglot and
// editors/emacs/stui.el, and Microsoft's Node LSP client libraries. Each talks
// to stui-testimage over real ZeroMQ, opens the documents of
// testdata/workspace and prints "ok"/"not ok" lines, then PASS, FAIL or
// SKIP: <reason>. A client missing on this machine skips its subtest; CI
// installs them all.
func TestEditors(t *testing.T) {
	if testing.Short() {
		t.Skip("builds stui-lsp and stui-testimage and runs editors; not in -short mode")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	lspBin := buildCommand(t, "stui-lsp")
	imageBin := buildCommand(t, "stui-testimage")
	endpoint := editorStartImage(t, imageBin)
	dead := editorDeadEndpoint(t)

	clients := []struct {
		name    string
		tool    string
		command func(dir string) []string
		need    string // a path under the repository that must exist
	}{
		{
			name: "node",
			tool: "node",
			command: func(string) []string {
				return []string{"node", filepath.Join(root, "editors/vscode/test/e2e/client.js")}
			},
			need: "editors/vscode/node_modules/vscode-languageserver-protocol",
		},
		{
			name: "neovim",
			tool: "nvim",
			command: func(string) []string {
				return []string{"nvim", "--headless", "-u", "NONE", "-i", "NONE", "-c", "luafile " + filepath.Join(root, "e2e/testdata/neovim/test.lua")}
			},
		},
		{
			name: "emacs",
			tool: "emacs",
			command: func(string) []string {
				return []string{"emacs", "--batch", "-l", filepath.Join(root, "e2e/testdata/emacs/test.el")}
			},
		},
	}
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			if _, err := exec.LookPath(c.tool); err != nil {
				t.Skipf("%s is not installed (CI installs it; see scripts/editors-check.sh and editors/README.md)", c.tool)
			}
			if c.need != "" {
				if _, err := os.Stat(filepath.Join(root, c.need)); err != nil {
					t.Skipf("%s is missing: run `npm ci` in editors/vscode", c.need)
				}
			}
			ws := filepath.Join(t.TempDir(), "workspace")
			if err := os.CopyFS(ws, os.DirFS(filepath.Join(root, "e2e/testdata/workspace"))); err != nil {
				t.Fatal(err)
			}
			argv := c.command(ws)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
			cmd.Dir = filepath.Join(root, "editors", c.name)
			if c.name == "node" {
				cmd.Dir = filepath.Join(root, "editors/vscode")
			}
			cmd.Env = append(os.Environ(),
				"STUI_LSP="+lspBin,
				"STUI_TEST_ENDPOINT="+endpoint,
				"STUI_DEAD_ENDPOINT="+dead,
				"STUI_TESTIMAGE="+imageBin,
				"STUI_RESTART_ENDPOINT="+editorDeadEndpoint(t),
				"STUI_TEST_WORKSPACE="+ws,
				"STUI_EDITORS_DIR="+filepath.Join(root, "editors"),
				"STUI_ENDPOINT=", // the clients pass the endpoint themselves
				"HOME="+t.TempDir(),
				"XDG_CONFIG_HOME="+t.TempDir(),
				"XDG_DATA_HOME="+t.TempDir(),
				"XDG_STATE_HOME="+t.TempDir(),
				"XDG_CACHE_HOME="+t.TempDir(),
			)
			cmd.WaitDelay = 5 * time.Second
			runEditorScript(t, ctx, c.name, cmd)
		})
	}
}

// runEditorScript runs an editor's test script and fails the test unless it
// printed PASS and no "not ok" line; a "SKIP: reason" line skips it.
func runEditorScript(t *testing.T, ctx context.Context, name string, cmd *exec.Cmd) {
	t.Helper()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	text := string(out)
	t.Logf("%s ran in %v:\n%s", name, time.Since(start).Round(time.Millisecond), text)
	if reason, ok := editorSkipReason(text); ok {
		t.Skip(reason)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within the timeout", name)
	}
	if err != nil || !strings.Contains(text, "\nPASS") && !strings.HasPrefix(text, "PASS") {
		t.Fatalf("%s reported failure (%v); see the log above", name, err)
	}
	if strings.Contains(text, "not ok") {
		t.Fatalf("%s printed a failed check", name)
	}
}

// editorStartImage starts stui-testimage with args and returns the endpoint
// it prints. Closing its stdin at cleanup stops it.
func editorStartImage(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		s, _ := r.ReadString('\n')
		line <- strings.TrimSpace(s)
		_, _ = io.Copy(io.Discard, r)
	}()
	select {
	case ep := <-line:
		if !strings.HasPrefix(ep, "tcp://") {
			t.Fatalf("stui-testimage printed %q, not an endpoint", ep)
		}
		return ep
	case <-time.After(10 * time.Second):
		t.Fatal("stui-testimage printed no endpoint within 10 s")
	}
	return ""
}

// editorDeadEndpoint returns a loopback endpoint where nothing listens.
func editorDeadEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "tcp://" + addr
}

// editorSkipReason finds a client's "SKIP: reason" line.
func editorSkipReason(out string) (string, bool) {
	for _, line := range strings.Split(out, "\n") {
		if r, ok := strings.CutPrefix(strings.TrimSpace(line), "SKIP: "); ok {
			return r, true
		}
	}
	return "", false
}
