package e2e

import (
	"context"
	"testing"
	"time"
)

// TestCurrentEditors drives the editor versions people run today, from the
// Debian testing root (scripts/install-forky-editors.sh): Neovim 0.12
// headless and Emacs 30 in batch mode run the same scenario scripts as the
// Debian 12 versions in TestEditors, and Helix 25.07, which has no headless
// mode, is driven through tmux. The editors run stui-lsp (the real binary)
// against stui-testimage over real ZeroMQ.
func TestCurrentEditors(t *testing.T) {
	if testing.Short() {
		t.Skip("runs editors in the Debian testing root; not in -short mode")
	}
	image := buildCommand(t, "stui-testimage")
	endpoint := editorStartImage(t, image)
	dead := editorDeadEndpoint(t)

	scripts := []struct{ name, command string }{
		{"neovim", "nvim --headless -u NONE -i NONE -c \"luafile $STUI_SCRIPT_DIR/neovim/test.lua\""},
		{"emacs", "emacs --batch -l \"$STUI_SCRIPT_DIR/emacs/test.el\""},
	}
	for _, s := range scripts {
		t.Run(s.name, func(t *testing.T) {
			f := newForky(t)
			ws := f.workspace(t, "workspace")
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cmd := f.command(ctx, "cd \"$STUI_EDITORS_DIR/"+s.name+"\" && "+s.command,
				"STUI_LSP="+f.path("bin/stui-lsp"),
				"STUI_TESTIMAGE="+f.path("bin/stui-testimage"),
				"STUI_TEST_ENDPOINT="+endpoint,
				"STUI_DEAD_ENDPOINT="+dead,
				"STUI_RESTART_ENDPOINT="+editorDeadEndpoint(t),
				"STUI_TEST_WORKSPACE="+ws,
				"STUI_EDITORS_DIR="+f.path("editors"),
				"STUI_SCRIPT_DIR="+f.path("e2e/testdata"),
			)
			runEditorScript(t, ctx, s.name, cmd)
		})
	}
}
