package e2e

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCurrentEditorsHelix drives Helix 25.07 from the Debian testing root in
// tmux, as a user with editors/helix/languages.toml and config.toml would:
// keys in, the screen and the saved file out. stui-lsp and stui-testimage are
// the real binaries; the image is stopped and started again midway.
func TestCurrentEditorsHelix(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Helix in the Debian testing root; not in -short mode")
	}
	f := newForky(t)
	ws := f.workspace(t, "ws")
	f.installHelixConfig(t)
	endpoint := editorDeadEndpoint(t)
	image := startImageAt(t, buildCommand(t, "stui-testimage"), endpoint)
	hx := f.startTmux(t, ws, "hx -v playground.st", "STUI_ENDPOINT="+endpoint)
	h := &helix{tmuxSession: hx, t: t, f: f, file: f.hostPath("ws/playground.st")}
	t.Cleanup(func() {
		if t.Failed() {
			if log, err := os.ReadFile(f.hostPath("home/.cache/helix/helix.log")); err == nil {
				t.Logf("helix.log (end):\n%s", tail(string(log), 6000))
			}
		}
	})

	h.waitLog(`"method":"initialized"`, "Helix started stui-lsp and initialized it")

	// Hover: the class comment comes from the image, so retry until the
	// server has connected.
	h.search("Counter")
	h.waitScreenTrying("hover on Counter shows the image's class comment", func() { h.keys("Space", "k") }, "my comment is not ASCII")
	h.escape()

	// Evaluate at the cursor: Helix's cursor is a one-character selection.
	h.search("3")
	h.codeAction(0, "Evaluate")
	h.wait("Evaluate at the cursor shows the result of the statement", "stui: 3 + 4 → 7")

	// Print it twice on the same line, then on the whole line (x).
	h.codeAction(1, "Print it")
	h.waitFileLine(3, `"café 😀" 3 + 4 "7".`, "Print it at the cursor inserts the result after the statement")
	// Helix fetched the inlay hints again after the edit: Evaluate's result
	// now shows after its statement too.
	h.wait("Evaluate's result shows as an inlay hint after the statement", `3 + 4 → 7 "7".`)
	h.codeAction(1, "Print it")
	h.waitFileLine(3, `"café 😀" 3 + 4 "7" "7".`, "Print it twice on the same line")
	h.keys("x")
	h.codeAction(1, "Print it")
	h.waitFileLine(3, `"café 😀" 3 + 4 "7" "7". "7"`, "Print it on a whole-line selection (x) puts the result at the end of that line")
	h.waitFileLine(4, `"café 😀" 6 * 7.`, "the next line is untouched")
	h.text(";")

	// Print it right after typing.
	h.search(`7\.`)
	h.text(";i")
	h.text("0")
	h.escape()
	h.codeAction(1, "Print it")
	h.waitFileLine(4, `"café 😀" 6 * 70 "420".`, "Print it right after typing evaluates the new text")

	// A selection that is part of a statement: both are offered.
	h.keys("o")
	h.text("x := 6 * 7 + 1.")
	h.escape()
	h.search(`7 \+ 1`)
	h.codeAction(3, "Evaluate selection")
	h.wait("Evaluate selection evaluates only the selection", "stui: 7 + 1 → 8")

	// Inspect it opens the inspector document; a code action on a slot drills.
	h.search("asOrd")
	h.codeAction(2, "Inspect it")
	first := h.waitMatch("Inspect it opens the inspector", regexp.MustCompile(`class: OrderedCollection .* object id: (\S+)`))
	h.search("^array")
	h.codeAction(0, "Inspect array")
	h.waitScreen2("the inspector drills into the slot", func(screen string) bool {
		m := regexp.MustCompile(`object id: (\S+)`).FindStringSubmatch(screen)
		return m != nil && m[1] != first
	})
	h.keys("g", "a")
	h.wait("g a goes back to the object inspected before", "object id: "+first)
	h.command("open playground.st")

	// Completion, while typing.
	h.keys("g", "g", "o")
	h.text("Coun")
	h.wait("completion offers the image's classes", "CounterTest")
	h.escape()
	h.keys("u")

	// Diagnostics from the server's parser.
	h.command("open broken.st")
	h.wait("a syntax error shows as a diagnostic", "expected argument after '+'")
	h.command("open playground.st")

	// Definition, symbols and references.
	h.keys("g", "g")
	h.search("Counter")
	h.keys("g", "d")
	h.wait("go to definition opens the Tonel class", "Counter.class.st")
	h.keys("Space", "s")
	h.wait("document symbols list the methods", "exampleIncrement")
	h.escape()
	// The match is the selector itself, whichever end the cursor is at.
	h.search("increment")
	h.keys("g", "r")
	h.wait("references list the senders, the image's among them", "testIncrement")
	h.escape()

	// The image goes away and comes back.
	h.command("open playground.st")
	image.stop()
	h.keys("g", "g")
	h.search("3")
	h.codeAction(0, "Evaluate")
	h.wait("with the image down, Evaluate says so in the editor", "image not connected")
	image = startImageAt(t, buildCommand(t, "stui-testimage"), endpoint)
	h.codeAction(0, "Evaluate")
	h.wait("the first Evaluate after the image is back answers", "stui: 3 + 4 → 7")
}

// helix is Helix in tmux, with the steps a user takes.
type helix struct {
	*tmuxSession
	t    *testing.T
	f    *forky
	file string // the playground on the host, to read what Helix saved
}

// escape sends Escape alone: Helix reads Escape and a quick next key as Alt+key.
func (h *helix) escape() {
	h.keys("Escape")
	time.Sleep(350 * time.Millisecond)
}

func (h *helix) search(pattern string) {
	h.keys("/")
	h.text(pattern)
	h.keys("Enter")
}

func (h *helix) command(cmd string) {
	h.escape()
	h.keys(":")
	h.text(cmd)
	h.keys("Enter")
}

// codeAction opens the code actions (space a), waits for the menu, and picks
// the entry at index, which must read title.
func (h *helix) codeAction(index int, title string) {
	h.t.Helper()
	h.keys("Space", "a")
	h.wait("the code action menu offers "+title, title)
	for range index {
		h.keys("Down")
	}
	h.keys("Enter")
}

func (h *helix) wait(what, text string) {
	h.t.Helper()
	h.waitScreen2(what, func(screen string) bool { return strings.Contains(screen, text) })
}

func (h *helix) waitScreen2(what string, ok func(string) bool) {
	h.t.Helper()
	if screen, found := h.waitScreen(30*time.Second, ok); !found {
		h.t.Fatalf("%s: not on the screen:\n%s", what, screen)
	}
	h.t.Logf("ok - %s", what)
}

// waitScreenTrying repeats action until text shows.
func (h *helix) waitScreenTrying(what string, action func(), text string) {
	h.t.Helper()
	for range 10 {
		action()
		if _, found := h.waitScreen(2*time.Second, func(s string) bool { return strings.Contains(s, text) }); found {
			h.t.Logf("ok - %s", what)
			return
		}
		h.escape()
	}
	h.t.Fatalf("%s: not on the screen:\n%s", what, h.screen())
}

func (h *helix) waitMatch(what string, re *regexp.Regexp) string {
	h.t.Helper()
	var m []string
	h.waitScreen2(what, func(screen string) bool {
		m = re.FindStringSubmatch(screen)
		return m != nil
	})
	return m[1]
}

// waitFileLine saves the buffer and waits until line n (1-based) of the
// playground reads want.
func (h *helix) waitFileLine(n int, want, what string) {
	h.t.Helper()
	h.command("w")
	var got string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile(h.file)
		lines := strings.Split(string(data), "\n")
		if n <= len(lines) {
			got = lines[n-1]
			if got == want {
				h.t.Logf("ok - %s", what)
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	h.t.Fatalf("%s: line %d is %q, want %q\nscreen:\n%s", what, n, got, want, h.screen())
}

func (h *helix) waitLog(text, what string) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(h.f.hostPath("home/.cache/helix/helix.log")); err == nil && strings.Contains(string(data), text) {
			h.t.Logf("ok - %s", what)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	h.t.Fatalf("%s: %q not in helix.log\nscreen:\n%s", what, text, h.screen())
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// restartableImage is stui-testimage bound to a fixed endpoint, so it can
// stop and start again where the server expects it.
type restartableImage struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
}

func startImageAt(t *testing.T, bin, endpoint string) *restartableImage {
	t.Helper()
	cmd := exec.Command(bin, "--endpoint", endpoint)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	img := &restartableImage{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(img.done)
	}()
	t.Cleanup(img.stop)
	line := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		s, _ := r.ReadString('\n')
		line <- s
		_, _ = io.Copy(io.Discard, r)
	}()
	select {
	case <-line:
	case <-time.After(10 * time.Second):
		t.Fatal("stui-testimage printed no endpoint within 10 s")
	}
	return img
}

// stop closes the image's stdin and waits for it to exit.
func (img *restartableImage) stop() {
	_ = img.stdin.Close()
	select {
	case <-img.done:
	case <-time.After(5 * time.Second):
		_ = img.cmd.Process.Kill()
		<-img.done
	}
}
