package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestMCPWithTheTypeScriptClient drives `stui-lsp mcp` with the official MCP
// TypeScript client (@modelcontextprotocol/sdk, in e2e/mcp) over stdio,
// against the real stui-testimage: tools and resources listed, every tool
// called, an image error, a cancellation, the read-only refusal, and the
// image going down and coming back. scripts/install-mcp-e2e.sh installs the
// client; without node or its packages the test skips (CI installs both).
func TestMCPWithTheTypeScriptClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds stui-lsp and stui-testimage and runs node; not in -short mode")
	}
	dir, err := filepath.Abs("mcp")
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipping: node is not installed (scripts/setup.sh --editors installs it)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk", "package.json")); err != nil {
		t.Skip("skipping: e2e/mcp/node_modules is missing (run scripts/install-mcp-e2e.sh)")
	}
	lspBin := buildCommand(t, "stui-lsp")
	imageBin := buildCommand(t, "stui-testimage")

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "mcp.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "STUI_LSP_BIN="+lspBin, "STUI_TESTIMAGE_BIN="+imageBin)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test mcp.test.mjs: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
