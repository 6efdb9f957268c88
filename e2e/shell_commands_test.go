package e2e

// The subcommands for people and scripts as the README and docs/security.md
// describe them, run from a shell: their exit statuses, what they print, and
// what they refuse.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	godap "github.com/google/go-dap"

	"github.com/stui-lsp/stui-lsp/internal/lsptest"
)

// shellRun runs bin with args in a home of its own plus env, and answers its
// exit status, stdout and stderr.
func shellRun(t *testing.T, env []string, bin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "STUI_TOKEN=", "STUI_ENDPOINT=")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not end: %s%s", bin, args, stdout.String(), stderr.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// unsafeRuntimeDir is an XDG_RUNTIME_DIR whose stui directory others in
// the group may read (0750), which leaves no safe default endpoint.
func unsafeRuntimeDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "stui"), 0o750); err != nil {
		t.Fatal(err)
	}
	// The umask may have taken bits the test needs.
	if err := os.Chmod(filepath.Join(dir, "stui"), 0o750); err != nil {
		t.Fatal(err)
	}
	return dir
}

// When the per-user socket's directory is not private there is no default
// endpoint (docs/security.md): every subcommand that must reach the image
// stops with status 2 and says why and what to do, rather than dialling an
// empty endpoint.
func TestShellCommandsWithoutASafeDefaultEndpointSayWhy(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	runtimeDir := unsafeRuntimeDir(t)
	env := []string{"XDG_RUNTIME_DIR=" + runtimeDir}
	for _, args := range [][]string{{"ping"}, {"eval", "3 + 4"}, {"test", "TallyTest"}, {"conformance"}} {
		code, stdout, stderr := shellRun(t, env, bin, args...)
		if code != 2 {
			t.Errorf("stui-lsp %s: exit %d, want 2\n%s%s", args[0], code, stdout, stderr)
		}
		for _, want := range []string{"has mode 0750", "--endpoint"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stui-lsp %s: stderr lacks %q:\n%s", args[0], want, stderr)
			}
		}
	}
	_, stdout, _ := shellRun(t, env, bin, "doctor")
	if !strings.Contains(stdout, "no default endpoint") || !strings.Contains(stdout, "has mode 0750") {
		t.Errorf("doctor does not show why there is no endpoint:\n%s", stdout)
	}
}

// The README's list: eval prints the printString and exits non-zero on an
// error; check reports file:line:col and exits 1 when there is a syntax
// error; keygen makes a 0600 secret key and never overwrites it.
func TestShellCommandsDoWhatTheReadmeSays(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	endpoint := editorStartImage(t, buildCommand(t, "stui-testimage"))

	if code, stdout, stderr := shellRun(t, nil, bin, "eval", "--endpoint", endpoint, "3 + 4"); code != 0 || strings.TrimSpace(stdout) != "7" {
		t.Errorf("eval '3 + 4': exit %d, printed %q (stderr %s), want 7 and 0", code, stdout, stderr)
	}
	if code, _, stderr := shellRun(t, nil, bin, "eval", "--endpoint", endpoint, "3 / 0"); code == 0 || !strings.Contains(stderr, "ZeroDivide") {
		t.Errorf("eval '3 / 0': exit %d, stderr %q; want non-zero and the error", code, stderr)
	}
	if code, stdout, stderr := shellRun(t, nil, bin, "ping", "--endpoint", endpoint); code != 0 || !strings.Contains(stdout, "protocol") || !strings.Contains(stdout, "round trip") {
		t.Errorf("ping: exit %d\n%s%s", code, stdout, stderr)
	}

	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.st"), filepath.Join(dir, "bad.st")
	os.WriteFile(good, []byte("3 + 4.\n"), 0o600)
	os.WriteFile(bad, []byte("x := (3 + .\n"), 0o600)
	if code, stdout, stderr := shellRun(t, nil, bin, "check", good); code != 0 || stdout != "" {
		t.Errorf("check of a good file: exit %d, printed %q (%s)", code, stdout, stderr)
	}
	code, stdout, stderr := shellRun(t, nil, bin, "check", dir)
	if code != 1 || !strings.HasPrefix(stdout, bad+":1:") {
		t.Errorf("check of a folder with a syntax error: exit %d, printed %q (%s); want 1 and %s:1:col: message", code, stdout, stderr, bad)
	}
	if !strings.Contains(stderr, "checked 2 files") {
		t.Errorf("check's summary on stderr: %q", stderr)
	}
	if code, _, stderr := shellRun(t, nil, bin, "check", filepath.Join(dir, "missing.st")); code != 2 || !strings.Contains(stderr, "cannot read") {
		t.Errorf("check of a path that does not exist: exit %d, %q; want 2 and why", code, stderr)
	}

	// As docs/security.md says it: ~/.config/stui/client, whose directory
	// need not exist yet; keygen makes it private.
	prefix := filepath.Join(dir, ".config", "stui", "client")
	if code, stdout, stderr := shellRun(t, nil, bin, "keygen", prefix); code != 0 || !strings.Contains(stdout, "public key") {
		t.Fatalf("keygen: exit %d\n%s%s", code, stdout, stderr)
	}
	if fi, err := os.Stat(prefix + ".key"); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("secret key of mode %v; want 0600", fi.Mode().Perm())
	}
	if fi, err := os.Stat(filepath.Dir(prefix)); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o700 {
		t.Errorf("the key's directory made by keygen has mode %v; want 0700", fi.Mode().Perm())
	}
	secret, _ := os.ReadFile(prefix + ".key")
	if code, _, stderr := shellRun(t, nil, bin, "keygen", prefix); code == 0 || !strings.Contains(stderr, "not overwriting") {
		t.Errorf("a second keygen on the same prefix: exit %d, %q", code, stderr)
	}
	if again, _ := os.ReadFile(prefix + ".key"); !bytes.Equal(again, secret) {
		t.Error("keygen overwrote the secret key")
	}
}

// `stui-lsp image start` with a command that fails at once (a wrong image
// name, say) says so with the exit status and the image's output, instead
// of waiting its two minutes for an answer that cannot come.
func TestImageStartOfACommandThatFailsSaysHowItEnded(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	folder := t.TempDir()
	config := `{"image": {"command": "sh", "args": ["-c", "echo cannot open My.image >&2; exit 3"]}}`
	if err := os.WriteFile(filepath.Join(folder, ".stui.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"XDG_RUNTIME_DIR=" + t.TempDir()}
	code, stdout, stderr := shellRun(t, env, bin, "image", "start", folder)
	if code != 1 {
		t.Errorf("image start: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"ended before it answered: exit status 3", "cannot open My.image"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("image start's stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code, stdout, _ := shellRun(t, env, bin, "image", "status", folder); code != 1 || !strings.Contains(stdout, "none started here is running") {
		t.Errorf("image status after the failed start: exit %d\n%s", code, stdout)
	}
}

// The language server without a safe default endpoint: stui/status and
// stui.status carry the reason, and a command says why and what to set,
// not "start the STUI server on tcp://127.0.0.1:5555", which it would not
// dial anyway.
func TestLanguageServerWithoutASafeDefaultEndpointSaysWhy(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	runtimeDir, home := unsafeRuntimeDir(t), t.TempDir()
	env := append(lsptest.CleanEnv(), "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_RUNTIME_DIR="+runtimeDir)
	c := settingsEditorIn(t, env, bin, t.TempDir(), nil, nil).Client

	var res json.RawMessage
	err := c.ExecuteCommand("stui.evaluate", map[string]any{"code": "3 + 4"}, &res)
	if err == nil || !strings.Contains(err.Error(), "has mode 0750") || !strings.Contains(err.Error(), "stui.endpoint") || strings.Contains(err.Error(), "5555") {
		t.Errorf("stui.evaluate without an endpoint: %v (%s); want why and what to set", err, res)
	}
	var st struct {
		Endpoint string `json:"endpoint"`
		Error    string `json:"error"`
	}
	if err := c.ExecuteCommand("stui.status", nil, &st); err != nil {
		t.Fatal(err)
	}
	if st.Endpoint != "" || !strings.Contains(st.Error, "has mode 0750") {
		t.Errorf("stui.status %+v, want no endpoint and the reason", st)
	}
	c.WaitFor("stui/status", func(m json.RawMessage) bool { return strings.Contains(string(m), "has mode 0750") })
}

// The debug adapter without a safe default endpoint: launch fails with the
// reason and where an endpoint can come from.
func TestDebugAdapterWithoutASafeDefaultEndpointSaysWhy(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	runtimeDir, home := unsafeRuntimeDir(t), t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "dap")
	cmd.Env = append(lsptest.CleanEnv(), "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_RUNTIME_DIR="+runtimeDir)
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { in.Close(); _ = cmd.Wait() }()
	for i, req := range []godap.Message{
		&godap.InitializeRequest{Request: godap.Request{ProtocolMessage: godap.ProtocolMessage{Seq: 1, Type: "request"}, Command: "initialize"},
			Arguments: godap.InitializeRequestArguments{AdapterID: "stui"}},
		&godap.LaunchRequest{Request: godap.Request{ProtocolMessage: godap.ProtocolMessage{Seq: 2, Type: "request"}, Command: "launch"},
			Arguments: json.RawMessage(`{"expression": "3 + 4"}`)},
	} {
		if err := godap.WriteProtocolMessage(in, req); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	r := bufio.NewReader(out)
	for {
		msg, err := godap.ReadProtocolMessage(r)
		if err != nil {
			t.Fatalf("no launch response: %v", err)
		}
		if resp, ok := msg.(*godap.ErrorResponse); ok && resp.Command == "launch" {
			if !strings.Contains(resp.Message, "has mode 0750") || !strings.Contains(resp.Message, "endpoint") {
				t.Errorf("launch without an endpoint: %q, want why and where an endpoint comes from", resp.Message)
			}
			return
		}
		if resp, ok := msg.(godap.ResponseMessage); ok && resp.GetResponse().Command == "launch" {
			t.Fatalf("launch without an endpoint answered %+v, want a failure", msg)
		}
	}
}
