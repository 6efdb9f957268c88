package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestVSCode runs the extension in real VS Code: it packages editors/vscode
// into a .vsix, and e2e/vscode/run.js installs it into code-server (the VS
// Code workbench and extension host, on 127.0.0.1 only, with a fresh profile)
// and drives it through Debian's Chromium against stui-lsp and
// stui-testimage, one scenario per feature. Screenshots and the list of
// scenarios (report.txt, which scripts/test.sh prints) are kept in
// build/vscode-e2e. scripts/install-vscode-e2e.sh installs what it needs
// (see nodeClient); Chromium, from Debian, likewise.
func TestVSCode(t *testing.T) {
	if testing.Short() {
		t.Skip("runs VS Code in a browser; not in -short mode")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(root, "build/vscode-e2e")
	_ = os.Remove(filepath.Join(outDir, "report.txt")) // a stale report must not be printed as this run's
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Debian's chromium is missing (%s): scripts/setup.sh --editors installs it", chromium)
		}
		t.Skipf("skipping: Debian's chromium is missing (%s): run scripts/install-vscode-e2e.sh", chromium)
	}
	node := nodeClient(t, "scripts/install-vscode-e2e.sh", "e2e/vscode/node_modules/.bin/code-server",
		"e2e/vscode/node_modules/playwright-core/package.json", "editors/vscode/node_modules/.bin/vsce")
	lspBin := buildCommand(t, "stui-lsp")
	imageBin := buildCommand(t, "stui-testimage")

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	vsix := filepath.Join(t.TempDir(), "stui.vsix")
	ext := filepath.Join(root, "editors/vscode")
	for _, argv := range [][]string{
		{"node_modules/.bin/tsc", "-p", "."},
		{"node_modules/.bin/vsce", "package", "--out", vsix},
	} {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Dir = ext
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
	}

	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "e2e/vscode/run.js"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"STUI_LSP="+lspBin,
		"STUI_TESTIMAGE="+imageBin,
		"STUI_VSIX="+vsix,
		"STUI_E2E_OUT="+outDir,
		"CHROMIUM="+chromium,
	)
	// Its own process group: code-server, its extension host and Chromium
	// go with it, also when the run is cut short.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // anything left behind
	}
	text := string(out)
	t.Logf("real VS Code ran in %v:\n%s", time.Since(start).Round(time.Millisecond), text)
	var report []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "ok ") || strings.HasPrefix(line, "not ok ") || strings.Contains(line, " passed, ") {
			report = append(report, line)
		}
	}
	if werr := os.WriteFile(filepath.Join(outDir, "report.txt"), []byte(strings.Join(report, "\n")+"\n"), 0o644); werr != nil {
		t.Log(werr)
	}
	if ctx.Err() != nil {
		t.Fatal("the VS Code run did not finish within 6 minutes")
	}
	if err != nil {
		t.Fatalf("real VS Code scenarios failed (%v); screenshots in %s", err, outDir)
	}
	if len(report) < 2 {
		t.Fatal("run.js reported no scenario")
	}
}
