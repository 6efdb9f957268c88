package e2e

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestCurrentEditorsScreen runs Neovim 0.12 and Emacs 30 in a terminal (tmux)
// set up as their READMEs say, and reads the screen: the hover and an
// evaluation's result are there for the user to see, drawn once.
func TestCurrentEditorsScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("runs editors in the Debian testing root; not in -short mode")
	}
	image := buildCommand(t, "stui-testimage")
	endpoint := editorStartImage(t, image)

	t.Run("neovim", func(t *testing.T) {
		f := newForky(t)
		ws := f.workspace(t, "ws")
		writeFile(t, f.hostPath("home/.config/nvim/init.lua"),
			"vim.opt.rtp:append('"+f.path("editors/neovim")+"')\nvim.lsp.enable('stui')\n")
		s := f.startTmux(t, ws, "nvim playground.st", "STUI_ENDPOINT="+endpoint)
		s.waitFor(t, "Neovim shows the playground", "Counter new.")
		// Hover with K, Neovim's default since 0.10; retried until the server
		// has reached the image.
		s.retry(t, "K on Counter shows the image's class comment", "my comment is not ASCII", func() {
			s.keys("Escape")
			s.text("2G0fCK")
		})
		s.keys("Escape")
		s.text("3G0f3")
		s.text(":StuiEval\r")
		screen := s.waitFor(t, ":StuiEval shows the result at the end of the statement", "→ 7")
		// The inlay hint is "→ 7"; the plugin's own virtual text would be "⇒ 7".
		if strings.Count(screen, "→ 7") != 1 || strings.Contains(screen, "⇒") {
			t.Errorf("the result is not drawn exactly once:\n%s", screen)
		}
	})

	t.Run("emacs", func(t *testing.T) {
		f := newForky(t)
		ws := f.workspace(t, "ws")
		// No background native compilation: it would outlive the test.
		writeFile(t, f.hostPath("home/.emacs.d/early-init.el"), "(setq native-comp-jit-compilation nil)\n")
		writeFile(t, f.hostPath("home/.emacs.d/init.el"), "(add-to-list 'load-path \""+f.path("editors/emacs")+"\")\n"+
			"(require 'stui)\n(add-hook 'stui-mode-hook #'eglot-ensure)\n")
		s := f.startTmux(t, ws, "emacs -nw playground.st", "STUI_ENDPOINT="+endpoint)
		s.waitFor(t, "Emacs shows the playground", "Counter new.")
		s.waitFor(t, "eglot connects to stui-lsp", "eglot")
		s.keys("M-g", "g")
		s.text("3\r")
		s.keys("C-e", "C-c", "C-d")
		// The server's message reaches the echo area before the command's
		// reply; the inlay hint follows one request later (eglot asks for
		// hints again after the reply), so wait for both.
		screen := s.waitUntil(t, "C-c C-d shows the result inline and in the echo area", func(screen string) bool {
			inline := false
			for _, line := range strings.Split(screen, "\n") {
				if strings.Contains(line, "😀\" 3 + 4") && strings.Contains(line, "→ 7") {
					inline = true
				}
			}
			return inline && strings.Contains(screen, "stui: 3 + 4 → 7")
		})
		if n := strings.Count(screen, "→ 7"); n != 2 || strings.Contains(screen, "=> 7") {
			// Once inline (the inlay hint) and once in the echo area; "=> 7"
			// would be stui.el's own overlay, drawn besides the hint.
			t.Errorf("the result shows %d times, want the inlay hint and the echo area:\n%s", n, screen)
		}
		s.keys("M-g", "g")
		s.text("2\r")
		s.keys("C-e", "M-b", "M-b")
		s.waitFor(t, "eldoc shows the hover of Counter", "Counter < Object")
	})
}

// waitFor waits until the screen shows text, failing the test otherwise.
func (s *tmuxSession) waitFor(t *testing.T, what, text string) string {
	t.Helper()
	screen, ok := s.waitScreen(30*time.Second, func(screen string) bool { return strings.Contains(screen, text) })
	if !ok {
		t.Fatalf("%s: %q is not on the screen:\n%s", what, text, screen)
	}
	t.Logf("ok - %s", what)
	return screen
}

// waitUntil waits until ok accepts the screen, failing the test otherwise.
func (s *tmuxSession) waitUntil(t *testing.T, what string, ok func(screen string) bool) string {
	t.Helper()
	screen, done := s.waitScreen(30*time.Second, ok)
	if !done {
		t.Fatalf("%s: not on the screen:\n%s", what, screen)
	}
	t.Logf("ok - %s", what)
	return screen
}

// retry repeats action until the screen shows text.
func (s *tmuxSession) retry(t *testing.T, what, text string, action func()) {
	t.Helper()
	for range 10 {
		action()
		if _, ok := s.waitScreen(2*time.Second, func(screen string) bool { return strings.Contains(screen, text) }); ok {
			t.Logf("ok - %s", what)
			return
		}
	}
	t.Fatalf("%s: %q is not on the screen:\n%s", what, text, s.screen())
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(path[:strings.LastIndexByte(path, '/')], 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
