package e2e

import (
	"strings"
	"testing"
	"unicode"
)

// TestCurrentEditorsHelixRunsTests runs SUnit tests from Helix 25.07 (in the
// Debian testing root, in tmux) through its code actions, the way Helix users
// run them: "Run test testCarries" on a test method, "Run tests of TallyTest"
// on the class, with the summary in the status line and the failure among
// the diagnostics. stui-lsp and stui-testimage are the real binaries.
func TestCurrentEditorsHelixRunsTests(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Helix in the Debian testing root; not in -short mode")
	}
	f := newForky(t)
	ws := f.workspace(t, "ws")
	f.installHelixConfig(t)
	copyFile(t, f.hostPath("e2e/testdata/tests/TallyTest.class.st"), f.hostPath("ws/TallyTest.class.st"), 0o644)
	endpoint := editorDeadEndpoint(t)
	startImageAt(t, buildCommand(t, "stui-testimage"), endpoint)
	hx := f.startTmux(t, ws, "hx -v TallyTest.class.st", "STUI_ENDPOINT="+endpoint)
	h := &helix{tmuxSession: hx, t: t, f: f, file: f.hostPath("ws/TallyTest.class.st")}
	h.waitLog(`"method":"initialized"`, "Helix started stui-lsp and initialized it")

	h.search("testCarries")
	h.pickCodeAction("Run test testCarries")
	h.wait("running the test shows the summary, since it failed", "testCarries: 0 passed, 1 failed")
	h.keys("Space", "d")
	h.wait("the failure is among the diagnostics", "Got 10 instead of 11.")
	h.escape()

	h.keys("g", "g")
	h.search("TallyTest,")
	h.pickCodeAction("Run tests of TallyTest")
	h.wait("running the class reports every outcome", "TallyTest: 1 passed, 1 failed, 2 errors, 1 skipped")
}

// pickCodeAction opens the code actions and picks title wherever it is in
// the menu, which lists other actions before it (evaluations at the cursor).
func (h *helix) pickCodeAction(title string) {
	h.t.Helper()
	h.keys("Space", "a")
	h.wait("the code action menu offers "+title, title)
	index, ok := menuIndex(h.screen(), title)
	if !ok {
		h.t.Fatalf("cannot place %q in the menu:\n%s", title, h.screen())
	}
	for range index {
		h.keys("Down")
	}
	h.keys("Enter")
}

// menuIndex finds title in a popup menu on screen and counts the entries
// above it: the lines right above whose text starts, capitalised, in the
// same column after a space.
func menuIndex(screen, title string) (int, bool) {
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		col := strings.Index(l, title)
		if col < 1 {
			continue
		}
		n := 0
		for j := i - 1; j >= 0; j-- {
			r := []rune(lines[j])
			c := len([]rune(l[:col]))
			if c >= len(r) || r[c-1] != ' ' || !unicode.IsUpper(r[c]) {
				break
			}
			n++
		}
		return n, true
	}
	return 0, false
}
