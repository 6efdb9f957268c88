package e2e

// "stui-lsp check" against files it must not read and against the user's
// signals, through the real binary.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// checkTree makes a folder with one good file and .st entries that used to
// hang check or exhaust memory: a FIFO, a link to /dev/zero, a link out
// of the folder.
func checkTree(t *testing.T) string {
	t.Helper()
	root, outside := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "Good.class.st"), []byte("Class { #name : #Good }\n\nGood >> ok [ ^ 1 + ]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "Secret.st"), []byte("1 +"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "x.st"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"zero.st": "/dev/zero", "secret.st": filepath.Join(outside, "Secret.st")} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func runCheck(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, buildCommand(t, "stui-lsp"), append([]string{"check"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("check %v did not finish within 60 s; stderr: %s", args, errOut.String())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

func TestCheckSkipsFilesItMustNotRead(t *testing.T) {
	root := checkTree(t)
	stdout, stderr, status := runCheck(t, root)
	if status != 1 || !strings.Contains(stdout, "Good.class.st:3:20: expected argument after '+'") {
		t.Errorf("status %d, stdout %q", status, stdout)
	}
	if strings.Contains(stdout, "secret.st") {
		t.Errorf("a file outside the folder was read through a link: %q", stdout)
	}
	for _, want := range []string{"skipped " + filepath.Join(root, "x.st") + ": not a regular file",
		"skipped " + filepath.Join(root, "zero.st") + ": a symbolic link to a file outside the directory",
		"skipped " + filepath.Join(root, "secret.st"), "checked 1 file"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// Named on the command line, a FIFO or a device is refused, not opened.
	for _, path := range []string{filepath.Join(root, "x.st"), "/dev/zero"} {
		_, stderr, status := runCheck(t, path)
		if status != 2 || !strings.Contains(stderr, "not a regular file") {
			t.Errorf("check %s: status %d, stderr %q", path, status, stderr)
		}
	}
	big := filepath.Join(t.TempDir(), "Big.st")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 8<<20+1); err != nil {
		t.Fatal(err)
	}
	if _, stderr, status := runCheck(t, big); status != 2 || !strings.Contains(stderr, "larger than 8 MiB") {
		t.Errorf("check of a file over the limit: status %d, stderr %q", status, stderr)
	}
}

func TestCheckStopsOnSignal(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	root := t.TempDir()
	// A few gigabytes to parse: 300 links to one 7 MB file (links inside
	// the folder are followed).
	src := bytes.Repeat([]byte("x := 3 + 4 factorial. y := #(1 $a 'b') , x printString.\n"), 7<<20/56)
	if err := os.WriteFile(filepath.Join(root, "Big.st"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if err := os.Symlink("Big.st", filepath.Join(root, fmt.Sprintf("link%03d.st", i))); err != nil {
			t.Fatal(err)
		}
	}
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		cmd := exec.Command(bin, "check", root)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		time.Sleep(300 * time.Millisecond)
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("%v: ended with %v (stderr %q), want killed by the signal", sig, cmd.ProcessState, errOut.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("%v: check still running 10 s after the signal", sig)
		}
	}
}
