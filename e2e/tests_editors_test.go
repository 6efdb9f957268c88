package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestEditorsRunTests runs SUnit tests from Microsoft's Node LSP client
// libraries (lenses, diagnostics, progress, hints, code actions), headless
// Neovim (editors/neovim, :StuiTest to the quickfix list) and Emacs with eglot
// (stui-tests.el, a compilation buffer whose errors jump to the failing
// line), through the real
// stui-lsp and stui-testimage, whose TallyTest has one test of each outcome.
func TestEditorsRunTests(t *testing.T) {
	if testing.Short() {
		t.Skip("builds stui-lsp and stui-testimage and runs editors; not in -short mode")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	lspBin := buildCommand(t, "stui-lsp")
	endpoint := editorStartImage(t, buildCommand(t, "stui-testimage"))
	editors := []struct {
		name, tool string
		argv       []string
	}{
		{"node", "node", []string{"node", filepath.Join(root, "editors/vscode/test/e2e/tests-client.js")}},
		{"neovim", "nvim", []string{"nvim", "--headless", "-u", "NONE", "-i", "NONE", "-c", "luafile " + filepath.Join(root, "e2e/testdata/neovim/tests.lua")}},
		{"emacs", "emacs", []string{"emacs", "--batch", "-l", filepath.Join(root, "e2e/testdata/emacs/tests.el")}},
	}
	for _, ed := range editors {
		t.Run(ed.name, func(t *testing.T) {
			if _, err := exec.LookPath(ed.tool); err != nil {
				t.Skipf("%s is not installed (CI installs it; see scripts/editors-check.sh)", ed.tool)
			}
			dir := filepath.Join(root, "editors", ed.name)
			if ed.name == "node" {
				dir = filepath.Join(root, "editors/vscode")
				if _, err := os.Stat(filepath.Join(dir, "node_modules/vscode-languageserver-protocol")); err != nil {
					t.Skip("editors/vscode/node_modules is missing: run `npm ci` in editors/vscode")
				}
			}
			ws := filepath.Join(t.TempDir(), "workspace")
			if err := os.CopyFS(ws, os.DirFS(filepath.Join(root, "e2e/testdata/workspace"))); err != nil {
				t.Fatal(err)
			}
			src, err := os.ReadFile(filepath.Join(root, "e2e/testdata/tests/TallyTest.class.st"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(ws, "TallyTest.class.st"), src, 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, ed.argv[0], ed.argv[1:]...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(),
				"STUI_LSP="+lspBin,
				"STUI_TEST_ENDPOINT="+endpoint,
				"STUI_TEST_WORKSPACE="+ws,
				"STUI_EDITORS_DIR="+filepath.Join(root, "editors"),
				"STUI_ENDPOINT=",
				"HOME="+t.TempDir(),
				"XDG_CONFIG_HOME="+t.TempDir(),
				"XDG_DATA_HOME="+t.TempDir(),
				"XDG_STATE_HOME="+t.TempDir(),
				"XDG_CACHE_HOME="+t.TempDir(),
			)
			cmd.WaitDelay = 5 * time.Second
			runEditorScript(t, ctx, ed.name, cmd)
		})
	}
}

// TestCurrentEditorsRunTests runs the same Neovim and Emacs scripts with the
// versions people run today, Neovim 0.12 and Emacs 30 from the Debian testing
// root.
func TestCurrentEditorsRunTests(t *testing.T) {
	if testing.Short() {
		t.Skip("runs editors in the Debian testing root; not in -short mode")
	}
	endpoint := editorStartImage(t, buildCommand(t, "stui-testimage"))
	scripts := []struct{ name, command string }{
		{"neovim", "nvim --headless -u NONE -i NONE -c \"luafile $STUI_SCRIPT_DIR/neovim/tests.lua\""},
		{"emacs", "emacs --batch -l \"$STUI_SCRIPT_DIR/emacs/tests.el\""},
	}
	for _, s := range scripts {
		t.Run(s.name, func(t *testing.T) {
			f := newForky(t)
			ws := f.workspace(t, "workspace")
			copyFile(t, f.hostPath("e2e/testdata/tests/TallyTest.class.st"), f.hostPath("workspace/TallyTest.class.st"), 0o644)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cmd := f.command(ctx, "cd \"$STUI_EDITORS_DIR/"+s.name+"\" && "+s.command,
				"STUI_LSP="+f.path("bin/stui-lsp"),
				"STUI_TEST_ENDPOINT="+endpoint,
				"STUI_TEST_WORKSPACE="+ws,
				"STUI_EDITORS_DIR="+f.path("editors"),
				"STUI_SCRIPT_DIR="+f.path("e2e/testdata"),
			)
			runEditorScript(t, ctx, s.name, cmd)
		})
	}
}
