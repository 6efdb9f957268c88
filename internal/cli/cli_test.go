package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// isolate keeps the user's token and environment out of the test.
func isolate(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("STUI_TOKEN", "")
	t.Setenv("STUI_ENDPOINT", "")
	return dir
}

func deadEndpoint(t *testing.T) string {
	srv := stuitest.NewServer(nil)
	ep := srv.Endpoint
	srv.Close()
	return ep
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestPing(t *testing.T) {
	isolate(t)
	srv := stuitest.NewServer(stuitest.NewBackend())
	defer srv.Close()
	var out, errOut bytes.Buffer
	if code := Ping(ctx(t), srv.Endpoint, &out, &errOut); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"protocol    1.3.0", "server      STUI", "dialect     Pharo 12.0.0", "image       stuitest.image", "round trip"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestTheStartHintIsStartForTheDefaultEndpoint(t *testing.T) {
	isolate(t)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	def, _ := stuiclient.DefaultEndpointSource()
	if def == "" {
		t.Fatal("no default endpoint in a private runtime directory")
	}
	if h := startHint(def); !strings.Contains(h, "STUIServer start\n") || strings.Contains(h, "startOn:") {
		t.Errorf("hint for the default endpoint %s:\n%s\nwant STUIServer start", def, h)
	}
	var out, errOut bytes.Buffer
	if code := Ping(ctx(t), def, &out, &errOut); code == ExitOK || !strings.Contains(errOut.String(), "evaluate:\n    STUIServer start\n") {
		t.Errorf("ping of the default endpoint with no image: exit %d,\n%s", code, errOut.String())
	}
	other := "ipc://" + filepath.Join(t.TempDir(), "other.sock")
	if h := startHint(other); !strings.Contains(h, "STUIServer startOn: '"+other+"'") {
		t.Errorf("hint for %s:\n%s", other, h)
	}
}

func TestPingNothingListens(t *testing.T) {
	isolate(t)
	var out, errOut bytes.Buffer
	if code := Ping(ctx(t), deadEndpoint(t), &out, &errOut); code == ExitOK {
		t.Fatal("exit 0 with no image")
	}
	if !strings.Contains(errOut.String(), "STUIServer startOn: 'tcp://127.0.0.1:") {
		t.Errorf("no start hint:\n%s", errOut.String())
	}
}

func TestPingWithToken(t *testing.T) {
	dir := isolate(t)
	srv := stuitest.NewServer(stuitest.NewBackend())
	defer srv.Close()
	srv.RequireToken("s3cret")
	var out, errOut bytes.Buffer
	if code := Ping(ctx(t), srv.Endpoint, &out, &errOut); code != ExitFailed || !strings.Contains(errOut.String(), "PermissionDenied") {
		t.Fatalf("without token: exit %d, %s", code, errOut.String())
	}
	os.MkdirAll(filepath.Join(dir, "stui"), 0o700)
	tokFile := filepath.Join(dir, "stui", "token")
	os.WriteFile(tokFile, []byte("s3cret\n"), 0o644)
	errOut.Reset()
	if code := Ping(ctx(t), srv.Endpoint, &out, &errOut); code != ExitSetup || !strings.Contains(errOut.String(), "chmod 600") {
		t.Fatalf("world-readable token: exit %d, %s", code, errOut.String())
	}
	os.Chmod(tokFile, 0o600)
	errOut.Reset()
	if code := Ping(ctx(t), srv.Endpoint, &out, &errOut); code != ExitOK {
		t.Fatalf("with token: exit %d, %s", code, errOut.String())
	}
}

func TestEval(t *testing.T) {
	isolate(t)
	srv := stuitest.NewServer(stuitest.NewBackend())
	defer srv.Close()
	cases := []struct {
		code     string
		exit     int
		out      string
		errParts []string
	}{
		{"3 + 4", ExitOK, "7\n", nil},
		{"'hello' , ' world'", ExitOK, "'hello world'\n", nil},
		{"1 / 0", ExitFailed, "", []string{"RuntimeError: ZeroDivide", "SmallInteger>>/"}},
		{"x := 3.\ny := (4 + 5", ExitFailed, "", []string{"SyntaxError: ')' expected", "line 2, column 12"}},
		{"", ExitSetup, "", []string{"no code"}},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		code := Eval(ctx(t), srv.Endpoint, c.code, &out, &errOut)
		if code != c.exit || out.String() != c.out {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", c.code, code, out.String(), errOut.String())
		}
		for _, p := range c.errParts {
			if !strings.Contains(errOut.String(), p) {
				t.Errorf("%q: stderr lacks %q: %s", c.code, p, errOut.String())
			}
		}
	}
	var out, errOut bytes.Buffer
	if code := Eval(ctx(t), deadEndpoint(t), "3 + 4", &out, &errOut); code != ExitFailed || !strings.Contains(errOut.String(), "startOn:") {
		t.Errorf("no image: exit %d, %s", code, errOut.String())
	}
}

func TestDoctor(t *testing.T) {
	isolate(t)
	srv := stuitest.NewServer(stuitest.NewBackend())
	defer srv.Close()
	var out, errOut bytes.Buffer
	if code := Doctor(ctx(t), srv.Endpoint, &out, &errOut); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"libzmq      4.", "CURVE", "endpoint    " + srv.Endpoint + " (given on the command line)", "token       none", "image       answers: Pharo 12.0.0, protocol 1.3.0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	t.Setenv("STUI_ENDPOINT", deadEndpoint(t))
	if code := Doctor(ctx(t), os.Getenv("STUI_ENDPOINT"), &out, &errOut); code != ExitOK {
		t.Fatalf("no image: exit %d, want 0", code)
	}
	for _, want := range []string{"from STUI_ENDPOINT", "image       no answer", "STUIServer startOn:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
