package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/internal/lsptest"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// conformanceReport is the part of `stui-lsp conformance --json` the tests
// read.
type conformanceReport struct {
	Endpoint string                `json:"endpoint"`
	Ping     *stuiproto.PingResult `json:"ping"`
	System   *stuiproto.SystemInfo `json:"system_info"`
	Results  []struct {
		Name       string  `json:"name"`
		Status     string  `json:"status"`
		Detail     string  `json:"detail"`
		DurationMS float64 `json:"duration_ms"`
	} `json:"results"`
	Summary struct {
		OK, Failed, Skipped, Total int
	} `json:"summary"`
	LeftBehind []string `json:"left_behind"`
}

func (r *conformanceReport) status(name string) (string, string) {
	for _, res := range r.Results {
		if res.Name == name {
			return res.Status, res.Detail
		}
	}
	return "missing", ""
}

// runConformanceBinary runs the real binary against endpoint and answers its exit
// status and output. The environment carries no token and no default token
// file, so only the flags say whether a token is used.
func runConformanceBinary(t *testing.T, bin, endpoint string, args ...string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"conformance", "--endpoint", endpoint}, args...)...)
	home := t.TempDir()
	cmd.Env = append(lsptest.CleanEnv(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out
	case errors.As(err, &exit):
		if stderr.Len() > 0 {
			t.Logf("stderr: %s", stderr.String())
		}
		return exit.ExitCode(), out
	}
	t.Fatalf("stui-lsp conformance: %v\n%s", err, stderr.String())
	return 0, nil
}

func decodeConformance(t *testing.T, out []byte) *conformanceReport {
	t.Helper()
	var rep conformanceReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("--json printed something else: %v\n%s", err, out)
	}
	return &rep
}

func writeConformanceToken(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte("5a1f0c3e9b7d4a2f8e6c1b0d3f5a7c9e5a1f0c3e9b7d4a2f8e6c1b0d3f5a7c9e\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The test backend passes the conformance run, through the real binaries
// over real ZeroMQ: without a token (the token checks do not apply, and say
// so) and with one (they run).
func TestConformanceAgainstTheTestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binaries for about ten seconds; not in -short mode")
	}
	lsp := buildCommand(t, "stui-lsp")
	image := buildCommand(t, "stui-testimage")

	t.Run("without a token", func(t *testing.T) {
		endpoint := editorStartImage(t, image)
		code, out := runConformanceBinary(t, lsp, endpoint)
		text := string(out)
		if code != 0 {
			t.Fatalf("exit status %d, want 0:\n%s", code, text)
		}
		lines := strings.Split(strings.TrimSpace(text), "\n")
		if !strings.HasPrefix(lines[0], "stui-lsp conformance: "+endpoint) || !strings.HasPrefix(lines[len(lines)-1], "PASS: ") {
			t.Errorf("want a header and a PASS summary:\n%s", text)
		}
		for _, name := range []string{"token.missing", "token.wrong", "token.image-proof", "create_session.PermissionDenied"} {
			if !strings.Contains(text, "skip  "+name+" ") || !strings.Contains(text, "not applicable") {
				t.Errorf("%s is not reported as not applicable:\n%s", name, text)
			}
		}
		for _, l := range lines {
			if strings.HasPrefix(l, "FAIL") {
				t.Errorf("failed check: %s", l)
			}
		}
	})

	t.Run("with a token", func(t *testing.T) {
		token := writeConformanceToken(t)
		endpoint := editorStartImage(t, image, "-token-file", token)
		code, out := runConformanceBinary(t, lsp, endpoint, "--token-file", token, "--json")
		rep := decodeConformance(t, out)
		if code != 0 || rep.Summary.Failed != 0 {
			t.Fatalf("exit status %d, %d failed, want 0:\n%s", code, rep.Summary.Failed, out)
		}
		if rep.Endpoint != endpoint || rep.Ping == nil || rep.Ping.ProtocolVersion == "" || rep.Ping.DialectVersion == "" {
			t.Errorf("the report lacks the endpoint or the ping's versions:\n%s", out)
		}
		if rep.System == nil || rep.System.PharoVersion == "" || rep.System.VMVersion == "" {
			t.Errorf("the report lacks the image's system_info:\n%s", out)
		}
		for _, res := range rep.Results {
			if res.Status != "ok" && res.Name != "evaluate.InternalError" {
				t.Errorf("%s: %s %s", res.Name, res.Status, res.Detail)
			}
		}
		if rep.Summary.Total != len(rep.Results) || rep.Summary.Total < 70 {
			t.Errorf("summary %+v of %d results", rep.Summary, len(rep.Results))
		}
	})
}

// A backend that breaks the protocol fails the run: exit status 1, and the
// check that covers the broken rule says FAIL.
func TestConformanceFailsAgainstBrokenBackends(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for about half a minute; not in -short mode")
	}
	lsp := buildCommand(t, "stui-lsp")
	// Each handler breaks one rule and passes everything else to a test
	// backend of its own.
	pass := func(b *stuitest.Backend) stuitest.Handler { return b }
	cases := []struct {
		name    string
		handler func(backend *stuitest.Backend) stuitest.Handler
		fault   stuitest.Fault
		token   bool // the run uses a token; the server requires none
		check   string
	}{
		{name: "any token accepted", handler: pass, token: true, check: "token.wrong"},
		{name: "results never cut", check: "evaluate.max_result_chars",
			handler: func(backend *stuitest.Backend) stuitest.Handler {
				return stuitest.HandlerFunc(func(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
					if req.Command == stuiproto.CmdEvaluate {
						var p map[string]any
						_ = json.Unmarshal(req.Parameters, &p)
						delete(p, "max_result_chars")
						req.Parameters, _ = json.Marshal(p)
					}
					return backend.ServeSTUI(ctx, req)
				})
			}},
		{name: "replies under another id", handler: pass, fault: stuitest.WrongID, check: "ping"},
		{name: "a result of the wrong shape", check: "get_session_info",
			handler: func(backend *stuitest.Backend) stuitest.Handler {
				return stuitest.HandlerFunc(func(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
					rep := backend.ServeSTUI(ctx, req)
					if req.Command == stuiproto.CmdGetSessionInfo && rep.Status == stuiproto.StatusSuccess {
						var m map[string]any
						_ = json.Unmarshal(rep.Result, &m)
						m["time_until_expiry"] = "an hour"
						rep.Result, _ = json.Marshal(m)
					}
					return rep
				})
			}},
		{name: "interrupt stops nothing", check: "evaluate.Interrupted",
			handler: func(backend *stuitest.Backend) stuitest.Handler {
				return stuitest.HandlerFunc(func(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
					if req.Command == stuiproto.CmdInterrupt {
						return stuitest.Success(req.ID, stuiproto.InterruptResult{Interrupted: 1})
					}
					return backend.ServeSTUI(ctx, req)
				})
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			backend := stuitest.NewBackend()
			backend.AddClass(stuitest.ClassFixture{Name: "Counter", Superclass: "Object", Package: "Demo"})
			srv := stuitest.NewServer(c.handler(backend))
			defer srv.Close()
			srv.SetFault(c.fault)
			var args []string
			if c.token {
				args = append(args, "--token-file", writeConformanceToken(t))
			}
			code, out := runConformanceBinary(t, lsp, srv.Endpoint, append(args, "--json", "--timeout", "3s")...)
			rep := decodeConformance(t, out)
			if code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			if status, detail := rep.status(c.check); status != "FAIL" {
				t.Errorf("%s: %s %q, want FAIL", c.check, status, detail)
			} else {
				t.Logf("%s: FAIL %s", c.check, detail)
			}
		})
	}
}

// Bad flags and stray arguments are a usage error (exit status 2), before
// anything is sent.
func TestConformanceUsage(t *testing.T) {
	lsp := buildCommand(t, "stui-lsp")
	for _, args := range [][]string{{"--no-such-flag"}, {"extra"}, {"--timeout", "soon"}} {
		if code, out := runConformanceBinary(t, lsp, "tcp://127.0.0.1:1", args...); code != 2 {
			t.Errorf("conformance %v: exit status %d, want 2\n%s", args, code, out)
		}
	}
	if code, _ := runConformanceBinary(t, lsp, "tcp://127.0.0.1:1", "-h"); code != 0 {
		t.Errorf("conformance -h: exit status %d, want 0", code)
	}
}
