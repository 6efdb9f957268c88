package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The current editors (Helix 25.07, Neovim 0.12, Emacs 30) live in a Debian
// testing root beside the machine, made by scripts/install-forky-editors.sh.
// Every command runs there through unshare and chroot: the mounts it needs
// (proc, dev, a devpts of its own for tmux) belong to a private mount
// namespace, so they vanish with its last process even when a test fails.

const defaultForkyRoot = "/var/cache/stui-lsp/forky"

// forky is one test's corner of the root: a directory under its /tmp holding
// the binaries, the editor packages, the workspace and a HOME of its own.
type forky struct {
	root  string // the root, as the host sees it
	host  string // the test's directory, as the host sees it
	inner string // the same directory, as seen inside the root
	env   []string
}

// newForky prepares a directory in the forky root, or skips the test when the
// root is missing (CI builds it; there a missing root fails the test).
func newForky(t *testing.T) *forky {
	t.Helper()
	root := os.Getenv("STUI_FORKY_ROOT")
	if root == "" {
		root = defaultForkyRoot
	}
	if _, err := os.Stat(filepath.Join(root, ".stui-forky-ready")); err != nil {
		msg := fmt.Sprintf("no Debian testing root with the current editors at %s: run scripts/install-forky-editors.sh (as root)", root)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if os.Geteuid() != 0 {
		t.Skip("the current-editor tests chroot into the Debian testing root: run them as root")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare (util-linux) is missing")
	}
	host, err := os.MkdirTemp(filepath.Join(root, "tmp"), "stui-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(host) })
	f := &forky{root: root, host: host, inner: "/" + filepath.Join("tmp", filepath.Base(host))}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"stui-lsp", "stui-testimage"} {
		copyFile(t, buildCommand(t, name), filepath.Join(host, "bin", name), 0o755)
	}
	for _, dir := range []string{"editors/neovim", "editors/emacs", "editors/helix", "e2e/testdata"} {
		if err := os.CopyFS(filepath.Join(host, dir), os.DirFS(filepath.Join(repo, dir))); err != nil {
			t.Fatal(err)
		}
	}
	for _, dir := range []string{"home", "tmp"} {
		if err := os.MkdirAll(filepath.Join(host, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f.env = []string{
		"HOME=" + f.path("home"),
		// The editors' temporary files go with the test's directory.
		"TMPDIR=" + f.path("tmp"),
		"TERM=xterm-256color",
		"PATH=" + f.path("bin") + ":/usr/local/bin:/usr/bin:/bin",
		"LANG=C.UTF-8",
	}
	return f
}

// path is a path below the test's directory as seen inside the root.
func (f *forky) path(elem ...string) string {
	return filepath.Join(append([]string{f.inner}, elem...)...)
}

// hostPath is the same path as the host sees it.
func (f *forky) hostPath(elem ...string) string {
	return filepath.Join(append([]string{f.host}, elem...)...)
}

// workspace copies e2e/testdata/workspace to a fresh folder and returns its
// path inside the root.
func (f *forky) workspace(t *testing.T, name string) string {
	t.Helper()
	if err := os.CopyFS(f.hostPath(name), os.DirFS(f.hostPath("e2e/testdata/workspace"))); err != nil {
		t.Fatal(err)
	}
	return f.path(name)
}

// installHelixConfig puts editors/helix's languages.toml and config.toml
// where Helix in the root reads a user's configuration.
func (f *forky) installHelixConfig(t *testing.T) {
	t.Helper()
	for _, name := range []string{"languages.toml", "config.toml"} {
		copyFile(t, f.hostPath("editors/helix", name), f.hostPath("home/.config/helix", name), 0o644)
	}
}

// command runs script with bash inside the root, in a clean environment of
// the test's own plus env.
func (f *forky) command(ctx context.Context, script string, env ...string) *exec.Cmd {
	mounts := `set -e
mount -t proc proc "$0/proc"
mount --bind /dev "$0/dev"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$0/dev/pts"
mount --bind "$0/dev/pts/ptmx" "$0/dev/ptmx"
shift
exec chroot "$0" /usr/bin/env -i "$@"`
	args := []string{"--mount", "--propagation", "private", "--fork", "sh", "-c", mounts, f.root, "unused"}
	args = append(args, f.env...)
	args = append(args, env...)
	args = append(args, "bash", "-c", script)
	cmd := exec.CommandContext(ctx, "unshare", args...)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// run runs script in the root and returns its combined output.
func (f *forky) run(t *testing.T, timeout time.Duration, script string, env ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := f.command(ctx, script, env...).CombinedOutput()
	if ctx.Err() != nil {
		return string(out), fmt.Errorf("%q did not finish within %v", firstLine(script), timeout)
	}
	return string(out), err
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, mode); err != nil {
		t.Fatal(err)
	}
}

// tmuxSession is an editor running in tmux inside the root.
type tmuxSession struct {
	t      *testing.T
	f      *forky
	socket string
}

// startTmux starts command in a detached 160x45 tmux session; the session and
// everything in it is killed when the test ends.
func (f *forky) startTmux(t *testing.T, dir, command string, env ...string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, f: f, socket: f.path("tmux.sock")}
	out, err := f.run(t, 20*time.Second, fmt.Sprintf("cd %q && tmux -S %q new-session -d -s ed -x 160 -y 45 %q", dir, s.socket, command), env...)
	if err != nil {
		t.Fatalf("tmux did not start: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = f.run(t, 10*time.Second, fmt.Sprintf("tmux -S %q kill-server", s.socket)) })
	return s
}

// keys sends tmux key names (Escape, Enter, C-x, ...).
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	s.tmux(append([]string{"send-keys", "-t", "ed"}, keys...)...)
}

// text types text literally.
func (s *tmuxSession) text(text string) {
	s.t.Helper()
	s.tmux("send-keys", "-t", "ed", "-l", text)
}

func (s *tmuxSession) screen() string {
	s.t.Helper()
	return s.tmux("capture-pane", "-p", "-t", "ed")
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	out, err := s.f.run(s.t, 10*time.Second, fmt.Sprintf("tmux -S %q %s", s.socket, strings.Join(quoted, " ")))
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", args[0], err, out)
	}
	return out
}

// waitScreen polls the screen until ok accepts it, for at most timeout; it
// returns the last screen and whether ok accepted it.
func (s *tmuxSession) waitScreen(timeout time.Duration, ok func(screen string) bool) (string, bool) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		screen := s.screen()
		if ok(screen) {
			return screen, true
		}
		if time.Now().After(deadline) {
			return screen, false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
