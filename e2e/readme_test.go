package e2e

// The README's quick start with the test backend, run as a new user pastes
// it into a shell: the commands are the README's own, only bin/ and the
// endpoint file are pointed at this test's copies.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadmeQuickStartWithTheTestBackend(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("skipping: the README's shell lines need bash")
	}
	lspBin := buildCommand(t, "stui-lsp")
	imageBin := buildCommand(t, "stui-testimage")
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	script := shellBlockAfter(t, string(readme), "No Pharo at hand?")
	binDir := t.TempDir()
	for _, b := range []string{lspBin, imageBin} {
		if err := os.Symlink(b, filepath.Join(binDir, filepath.Base(b))); err != nil {
			t.Fatal(err)
		}
	}
	script = strings.ReplaceAll(script, "bin/", binDir+"/")
	script = strings.ReplaceAll(script, "/tmp/stui-endpoint", filepath.Join(t.TempDir(), "stui-endpoint"))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-e", "-c", script)
	// Its own process group, so the backend it starts goes when the test does.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Env = append(os.Environ(), "STUI_ENDPOINT=", "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil {
		t.Fatalf("the README's lines failed: %v\nscript:\n%s\nstdout:\n%s\nstderr:\n%s", err, script, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "7\n") {
		t.Errorf("eval '3 + 4' printed %q first, want 7", out)
	}
	if !strings.Contains(out, "image       answers:") {
		t.Errorf("doctor does not report the backend answering:\n%s", out)
	}
}

// shellBlockAfter returns the first ```sh block of text after marker.
func shellBlockAfter(t *testing.T, text, marker string) string {
	t.Helper()
	_, rest, ok := strings.Cut(text, marker)
	if !ok {
		t.Fatalf("README has no %q", marker)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	if !ok {
		t.Fatalf("README has no shell block after %q", marker)
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("README's shell block after %q does not end", marker)
	}
	return block
}

// TestReadmeListsEverySubcommand keeps the README's command list and the
// binary's own usage in step: a subcommand one of them names, the other
// names too.
func TestReadmeListsEverySubcommand(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	usage, _ := exec.Command(bin, "-h").CombinedOutput()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, list, ok := strings.Cut(string(readme), "## Commands for people and scripts")
	if !ok {
		t.Fatal("README has no command list")
	}
	list = shellBlockAfterFence(t, list)
	subcommands := func(text string) map[string]bool {
		out := map[string]bool{}
		// "stui-lsp ping ...", not "stui-lsp      serve LSP on stdin".
		for _, m := range regexp.MustCompile(`(?m)^\s*stui-lsp ([a-z]+)`).FindAllStringSubmatch(text, -1) {
			out[m[1]] = true
		}
		return out
	}
	inUsage, inReadme := subcommands(string(usage)), subcommands(list)
	if len(inUsage) < 5 {
		t.Fatalf("stui-lsp -h lists %d subcommands:\n%s", len(inUsage), usage)
	}
	for c := range inUsage {
		if !inReadme[c] {
			t.Errorf("stui-lsp -h lists %q, the README's command list does not", c)
		}
	}
	for c := range inReadme {
		if !inUsage[c] {
			t.Errorf("the README lists %q, stui-lsp -h does not", c)
		}
	}
}

// shellBlockAfterFence returns the first ``` block of text.
func shellBlockAfterFence(t *testing.T, text string) string {
	t.Helper()
	_, rest, ok := strings.Cut(text, "```\n")
	if !ok {
		t.Fatal("no ``` block")
	}
	block, _, _ := strings.Cut(rest, "```")
	return block
}

// TestDocsStartTheTestBackendInTheBackgroundWithIgnoreStdin: stui-testimage
// stops when its stdin closes, which a background job's is (or, in an
// interactive shell, it is stopped for reading the terminal), so every
// "stui-testimage ... &" the docs show needs --ignore-stdin.
func TestDocsStartTheTestBackendInTheBackgroundWithIgnoreStdin(t *testing.T) {
	backgrounded := regexp.MustCompile(`stui-testimage[^\n` + "`" + `]*&`)
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "build") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".md") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range backgrounded.FindAllString(string(data), -1) {
			if !strings.Contains(m, "--ignore-stdin") && !strings.Contains(m, "-ignore-stdin") {
				t.Errorf("%s: %q runs the test backend in the background without --ignore-stdin", path, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
