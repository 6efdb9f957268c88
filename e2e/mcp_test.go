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

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	zmq "github.com/pebbe/zmq4"
	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// TestMCPWithTheTypeScriptClient drives `stui-lsp mcp` with the official MCP
// TypeScript client (@modelcontextprotocol/sdk, in e2e/mcp) over stdio,
// against the real stui-testimage: tools and resources listed, every tool
// called, an image error, a cancellation, the read-only refusal, and the
// image going down and coming back. scripts/install-mcp-e2e.sh installs the
// client (see nodeClient).
func TestMCPWithTheTypeScriptClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds stui-lsp and stui-testimage and runs node; not in -short mode")
	}
	dir, err := filepath.Abs("mcp")
	if err != nil {
		t.Fatal(err)
	}
	node := nodeClient(t, "scripts/install-mcp-e2e.sh", "e2e/mcp/node_modules/@modelcontextprotocol/sdk/package.json")
	lspBin := buildCommand(t, "stui-lsp")
	imageBin := buildCommand(t, "stui-testimage")

	runNodeTests(t, node, dir, "mcp.test.mjs", []string{"STUI_LSP_BIN=" + lspBin, "STUI_TESTIMAGE_BIN=" + imageBin})
}

// TestMCPFollowsTheEndpointRules runs the real binary with the Go SDK's own
// client: the token and its refusals work as for the language server
// (docs/security.md), and the token is not sent in clear to another host.
func TestMCPFollowsTheEndpointRules(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	const secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	image := stuitest.NewServer(stuitest.NewBackend())
	defer image.Close()
	image.RequireToken(secret)

	start := func(t *testing.T, env []string, args ...string) (*sdk.ClientSession, *bytes.Buffer) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"mcp", "--workspace", t.TempDir()}, args...)...)
		cmd.Env = append(os.Environ(), append([]string{"STUI_TOKEN=", "XDG_CACHE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}, env...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		t.Cleanup(cancel)
		cs, err := sdk.NewClient(&sdk.Implementation{Name: "e2e", Version: "1"}, nil).Connect(ctx, &sdk.CommandTransport{Command: cmd}, nil)
		if err != nil {
			t.Fatalf("connect: %v\n%s", err, stderr.String())
		}
		t.Cleanup(func() { _ = cs.Close() })
		return cs, &stderr
	}
	evaluate := func(t *testing.T, cs *sdk.ClientSession) (*sdk.CallToolResult, string) {
		t.Helper()
		res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "evaluate", Arguments: map[string]any{"code": "3 + 4"}})
		if err != nil {
			t.Fatal(err)
		}
		var text string
		for _, c := range res.Content {
			if tc, ok := c.(*sdk.TextContent); ok {
				text += tc.Text
			}
		}
		return res, text
	}

	t.Run("the right token", func(t *testing.T) {
		cs, stderr := start(t, []string{"STUI_TOKEN=" + secret}, "--endpoint", image.Endpoint)
		if res, text := evaluate(t, cs); res.IsError || !strings.Contains(text, "7") {
			t.Fatalf("evaluate with the token: %s", text)
		}
		_ = cs.Close()
		if strings.Contains(stderr.String(), secret) {
			t.Fatal("the log shows the token")
		}
	})
	t.Run("no token", func(t *testing.T) {
		cs, _ := start(t, nil, "--endpoint", image.Endpoint)
		if res, text := evaluate(t, cs); !res.IsError || !strings.Contains(text, "PermissionDenied") {
			t.Fatalf("evaluate without the token: %s", text)
		}
	})
	t.Run("a token file others can read", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(path, []byte(secret+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "mcp", "--endpoint", image.Endpoint, "--token-file", path).CombinedOutput()
		if code := exitCode(err); code != 2 || !strings.Contains(string(out), "must be readable by its owner only") {
			t.Fatalf("exit %d: %s", code, out)
		}
	})
	t.Run("CURVE", func(t *testing.T) {
		if !zmq.HasCurve() {
			t.Skip("skipping: libzmq has no CURVE support")
		}
		dir := t.TempDir()
		clientKeys := filepath.Join(dir, "client")
		if _, err := stuiclient.GenerateCurveKeys(clientKeys); err != nil {
			t.Fatal(err)
		}
		serverPublic, serverSecret, err := zmq.NewCurveKeypair()
		if err != nil {
			t.Fatal(err)
		}
		otherPublic, _, _ := zmq.NewCurveKeypair()
		writeKey := func(name, key string) string {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(key+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return path
		}
		curveImage := stuitest.NewServer(stuitest.NewBackend(), stuitest.WithCurve(serverSecret))
		defer curveImage.Close()
		cs, _ := start(t, nil, "--endpoint", curveImage.Endpoint, "--curve-server-key", writeKey("server.pub", serverPublic), "--curve-secret-key", clientKeys+".key")
		if res, text := evaluate(t, cs); res.IsError || !strings.Contains(text, "7") {
			t.Fatalf("evaluate over CURVE: %s", text)
		}
		wrong, _ := start(t, nil, "--endpoint", curveImage.Endpoint, "--curve-server-key", writeKey("other.pub", otherPublic), "--curve-secret-key", clientKeys+".key", "--call-timeout", "2s")
		if res, text := evaluate(t, wrong); !res.IsError || !strings.Contains(text, "ImageUnavailable") {
			t.Fatalf("evaluate with the wrong server key: %s", text)
		}
	})
	t.Run("no default endpoint in a socket directory others may enter", func(t *testing.T) {
		runtime := t.TempDir()
		if err := os.Mkdir(filepath.Join(runtime, "stui"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(runtime, "stui"), 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "mcp")
		cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+runtime, "STUI_ENDPOINT=")
		out, err := cmd.CombinedOutput()
		if code := exitCode(err); code != 2 || !strings.Contains(string(out), "no default endpoint") || !strings.Contains(string(out), "--endpoint") {
			t.Fatalf("exit %d: %s", code, out)
		}
	})
	for _, ep := range []string{"tcp://192.0.2.1:5555", "tcp://example.invalid:5555"} {
		t.Run("no token in clear to "+ep, func(t *testing.T) {
			cmd := exec.Command(bin, "mcp", "--endpoint", ep)
			cmd.Env = append(os.Environ(), "STUI_TOKEN=s3cret-value")
			out, err := cmd.CombinedOutput()
			if code := exitCode(err); code != 2 || !strings.Contains(string(out), "refusing to send the token unencrypted") {
				t.Fatalf("exit %d: %s", code, out)
			}
			if strings.Contains(string(out), "s3cret-value") {
				t.Fatal("the log shows the token")
			}
		})
	}
}

func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestMCPSharesTheEditorsSession runs the real language server (driven as an
// editor drives it) and the real MCP server on one workspace folder: with
// --session shared each sees the other's workspace variables, with --session
// own the agent's are its own.
func TestMCPSharesTheEditorsSession(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	image := stuitest.NewServer(stuitest.NewBackend())
	defer image.Close()
	folder := t.TempDir()
	editor := binStart(t, bin, image.Endpoint, folder)
	editorEval := func(code string) string {
		t.Helper()
		args, _ := json.Marshal(map[string]any{"code": code})
		var res struct {
			Result string `json:"result"`
		}
		editor.must("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: "stui.evaluate", Arguments: []protocol.LSPAny{args}}, &res)
		return res.Result
	}
	agent := func(session string) func(code string) string {
		cmd := exec.Command(bin, "mcp", "--endpoint", image.Endpoint, "--workspace", folder, "--session", session)
		// A cache of its own: the agent finds the editor's session in the
		// image by the folder's client id, not through the editor's files.
		cmd.Env = append(os.Environ(), "STUI_TOKEN=", "XDG_CACHE_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		t.Cleanup(cancel)
		t.Cleanup(func() {
			if strings.Contains(stderr.String(), "DATA RACE") || strings.Contains(stderr.String(), "panic:") {
				t.Errorf("the MCP server's log:\n%s", stderr.String())
			}
		})
		cs, err := sdk.NewClient(&sdk.Implementation{Name: "e2e", Version: "1"}, nil).Connect(ctx, &sdk.CommandTransport{Command: cmd}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cs.Close() })
		return func(code string) string {
			t.Helper()
			res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "evaluate", Arguments: map[string]any{"code": code}})
			if err != nil || res.IsError {
				t.Fatalf("agent evaluate %q: %v %+v", code, err, res)
			}
			var out struct {
				Result string `json:"result"`
			}
			data, _ := json.Marshal(res.StructuredContent)
			_ = json.Unmarshal(data, &out)
			return out.Result
		}
	}

	if got := editorEval("fromEditor := 6"); got != "6" {
		t.Fatalf("the editor's evaluation gave %q", got)
	}
	shared := agent("shared")
	if got := shared("fromEditor * 7"); got != "42" {
		t.Fatalf("the agent read the editor's variable as %q, want 42 from 6 * 7", got)
	}
	shared("fromAgent := 1")
	if got := editorEval("fromAgent + 1"); got != "2" {
		t.Fatalf("the editor read the agent's variable as %q, want 2", got)
	}
	own := agent("own")
	if got := own("fromEditor"); got != "nil" {
		t.Fatalf("--session own read the editor's variable: %q", got)
	}
}
