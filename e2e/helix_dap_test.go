package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCurrentEditorsHelixDebugs drives Helix 25.07's debugger (in the
// Debian testing root, in tmux) with editors/helix/languages.toml installed
// as its README says, against the real `stui-lsp dap` that Helix starts and
// stui-testimage: space G l and each of the three templates, their prompts
// answered as a user would, then Helix's debug keys (sticky under space G)
// to list the stack and the variables, step over, in and out, continue, end
// the session, and toggle a breakpoint. What happened is read from the
// screen, from the DAP traffic Helix logs (hx -v) and from the image, which
// must have no process (nor breakpoint) left after each session.
func TestCurrentEditorsHelixDebugs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Helix in the Debian testing root; not in -short mode")
	}
	f := newForky(t)
	f.require(t, "usr/bin/hx", "usr/bin/tmux")
	ws := f.workspace(t, "ws")
	f.installHelixConfig(t)
	copyFile(t, f.hostPath("e2e/testdata/helix-dap/debug.st"), f.hostPath("ws/debug.st"), 0o644)
	// The image's Counter, method for method: a breakpoint is set only in
	// a method whose text is the image's.
	counter := ws + "/src/Demo/Counter.class.st"
	copyFile(t, f.hostPath("e2e/testdata/dape-breakpoints/Counter.class.st"), f.hostPath("ws/src/Demo/Counter.class.st"), 0o644)
	endpoint := editorStartImage(t, buildCommand(t, "stui-testimage"))
	hx := f.startTmux(t, ws, "hx -v debug.st", "STUI_ENDPOINT="+endpoint)
	h := &helix{tmuxSession: hx, t: t, f: f, file: f.hostPath("ws/debug.st")}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("helix.log (end):\n%s", tail(h.log(), 8000))
		}
	})
	h.waitLog(`"method":"initialized"`, "Helix started stui-lsp and initialized it")
	noneSuspended := func(when string) {
		t.Helper()
		if list := imageDebugList(t, endpoint); len(list.Sessions) != 0 {
			t.Fatalf("%s: processes left suspended in the image: %+v", when, list.Sessions)
		}
	}

	// The statement template: this file, line 2 (1 / 0.).
	mark := len(h.log())
	h.launchTemplate("statement", "file", "debug.st", "line", "2")
	h.waitLogSince(mark, `"command":"launch","arguments":{"cwd":"`+ws+`","line":2,"program":"`+ws+`/debug.st"}`,
		"Helix started the adapter and launched the statement at line 2 of the file")
	h.wait("the launched statement stopped on its error, in the status line", "stopped because of exception ZeroDivide")
	if list := imageDebugList(t, endpoint); len(list.Sessions) != 1 {
		t.Fatalf("the image has %d suspended processes, want the launched one: %+v", len(list.Sessions), list.Sessions)
	}
	h.keys("s", "f")
	h.waitScreen2("Helix lists the stack (space G s f): the error's frame above the launched statement's", func(screen string) bool {
		top, doit := strings.Index(screen, "SmallInteger>>/"), strings.Index(screen, "UndefinedObject>>DoIt")
		return top >= 0 && doit > top
	})
	h.leaveDebugMode()
	mark = len(h.log())
	h.keys("Space", "G", "c")
	h.waitLogSince(mark, `"event":"terminated"`, "continue runs the statement to its end and the session terminates")
	h.wait("Helix disconnected the adapter", "Terminated debugging session and disconnected debugger.")
	noneSuspended("after the statement's session")

	// The expression template: a step over the failed statement, the
	// variables of the frame it stopped in, a step into a method (Helix
	// opens its Tonel file) and out of it, continue to the end.
	expression := "| t | t := 6 * 7. t / 0. Counter new increment. t + 1"
	h.leaveDebugMode()
	mark = len(h.log())
	h.launchTemplate("expression", "expression", expression)
	h.waitLogSince(mark, `"command":"launch","arguments":{"cwd":"`+ws+`","expression":"`+expression+`"}`,
		"Helix launched the expression typed at its prompt")
	h.waitStop(mark, `"reason":"exception","description":"ZeroDivide"`, "the expression stopped on its error")
	mark = len(h.log())
	h.keys("n")
	h.waitStop(mark, `"reason":"step"`, "space G n steps over the failed statement")
	h.keys("v")
	h.wait("space G v shows the frame's variables", "t: SmallInteger = 42")
	h.leaveDebugMode()
	mark = len(h.log())
	h.keys("Space", "G", "i")
	h.waitLogSince(mark, `"stackFrames":[{"id":1,"name":"Counter\u003e\u003eincrement","source":{"name":"Counter.class.st","path":"`+counter+`"}`,
		"space G i steps into Counter>>increment, in the workspace's Tonel file")
	h.wait("Helix opens the method's file", "src/Demo/Counter.class.st")
	mark = len(h.log())
	h.keys("o")
	h.waitLogSince(mark, `"stackFrames":[{"id":1,"name":"UndefinedObject\u003e\u003eDoIt"`, "space G o steps out, back to the expression")
	mark = len(h.log())
	h.keys("c")
	h.waitLogSince(mark, `"output":"43`, "continue runs the rest: the expression's result")
	h.waitLogSince(mark, `"event":"terminated"`, "and the session terminates")
	noneSuspended("after the expression's session")

	// The next error template: attach, then a process launched elsewhere
	// stops on an error, and Helix shows it; space G t ends the session.
	h.leaveDebugMode()
	mark = len(h.log())
	h.launchTemplate("next error")
	h.waitLogSince(mark, `"command":"attach","arguments":{"cwd":"`+ws+`","waitForError":true}`, "Helix attached waiting for the next error")
	h.waitLogSince(mark, `"success":true,"command":"attach"`, "the adapter answered the attach")
	culprit := startDAP(t, buildCommand(t, "stui-lsp"), endpoint)
	culprit.ok(culprit.send("initialize", map[string]any{"adapterID": "stui"}))
	culprit.ok(culprit.send("launch", map[string]any{"expression": "Error signal: 'raised elsewhere'", "cwd": f.hostPath("ws")}))
	culprit.ok(culprit.send("configurationDone", nil))
	culprit.event("stopped")
	h.wait("Helix shows the error of the process it attached to", "stopped because of exception raised elsewhere")
	mark = len(h.log())
	h.keys("t")
	h.waitLogSince(mark, `"event":"terminated"`, "space G t ends the session")
	culprit.event("terminated")
	noneSuspended("after the attached session")

	// A breakpoint toggled with space G b before the launch stops the
	// launched code in the method, twice; toggled off at the second stop,
	// the code runs to its end.
	h.leaveDebugMode()
	h.command("open " + counter)
	h.command("11")
	h.keys("Space", "G", "b")
	h.leaveDebugMode()
	mark = len(h.log())
	h.launchTemplate("expression", "expression", "Counter new increment; increment; count")
	h.waitLogSince(mark, `"command":"setBreakpoints","arguments":{"breakpoints":[{"line":11}],"source":{"path":"`+counter+`"}`,
		"Helix sends the breakpoint toggled before the launch")
	h.waitLogSince(mark, `"reason":"breakpoint"`, "the launched code stops at the breakpoint")
	h.waitLogSince(mark, `"stackFrames":[{"id":1,"name":"Counter\u003e\u003eincrement","source":{"name":"Counter.class.st","path":"`+counter+`"},"line":11`,
		"in Counter>>increment, at the breakpoint's line")
	if list := imageDebugList(t, endpoint); len(list.Breakpoints) != 1 {
		t.Fatalf("the image has breakpoints %+v, want the one set from Helix", list.Breakpoints)
	}
	h.t.Logf("ok - the breakpoint is in the image")
	mark = len(h.log())
	h.keys("c")
	h.waitLogSince(mark, `"reason":"breakpoint"`, "continue stops at the breakpoint again, in the second send")
	h.waitLogSince(mark, `"stackFrames":[{"id":1,"name":"Counter\u003e\u003eincrement"`, "Helix fetched the second stop's stack")
	mark = len(h.log())
	h.keys("b")
	h.waitLogSince(mark, `"command":"setBreakpoints","arguments":{"breakpoints":[],"source":{"path":"`+counter+`"}`,
		"space G b on the stop's line takes the breakpoint out")
	h.waitLogSince(mark, `"success":true,"command":"setBreakpoints"`, "the adapter answered")
	mark = len(h.log())
	h.keys("c")
	h.waitLogSince(mark, `"output":"2`, "continue runs to the end: the result")
	h.waitLogSince(mark, `"event":"terminated"`, "and the session terminates")
	list := imageDebugList(t, endpoint)
	if len(list.Sessions) != 0 || len(list.Breakpoints) != 0 {
		t.Fatalf("left in the image: processes %+v, breakpoints %+v", list.Sessions, list.Breakpoints)
	}

	// Pause (space G h) stops code that runs; restart (space G r) is not
	// offered by the adapter, and Helix says so; space G t ends it.
	h.leaveDebugMode()
	mark = len(h.log())
	h.launchTemplate("expression", "expression", "(Delay forSeconds: 20) wait. 3 + 4")
	h.waitLogSince(mark, `"success":true,"command":"configurationDone"`, "the long-running expression was launched")
	// A pause that reaches the image before the evaluation runs there
	// stops nothing: pause until it stops.
	h.waitLogTrying(`"reason":"pause"`, "space G h pauses the running code", func() { h.keys("h") })
	if list := imageDebugList(t, endpoint); len(list.Sessions) != 1 {
		t.Fatalf("the image has %d suspended processes, want the paused one: %+v", len(list.Sessions), list.Sessions)
	}
	h.keys("r")
	h.wait("space G r: Helix says the adapter has no restart", "Debugger does not support session restarts")
	mark = len(h.log())
	h.keys("t")
	h.waitLogSince(mark, `"event":"terminated"`, "space G t ends the paused session")
	noneSuspended("after the paused session")
}

// waitStop waits for a stopped event (stop, a part of its JSON) logged
// after mark, and then for the stack Helix asks for on it: once that is
// answered Helix has taken the stop in, and a key sent next applies to it.
func (h *helix) waitStop(mark int, stop, what string) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		log := h.log()
		if i := strings.Index(log[min(mark, len(log)):], stop); i >= 0 &&
			strings.Contains(log[mark+i:], `"success":true,"command":"stackTrace"`) {
			h.t.Logf("ok - %s", what)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	h.t.Fatalf("%s: %q and its stack not in helix.log\nscreen:\n%s", what, stop, h.screen())
}

// waitLogTrying repeats action until Helix logs text, for at most 30 s.
func (h *helix) waitLogTrying(text, what string, action func()) {
	h.t.Helper()
	mark := len(h.log())
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		action()
		for range 5 {
			if strings.Contains(h.log()[mark:], text) {
				h.t.Logf("ok - %s", what)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	h.t.Fatalf("%s: %q not in helix.log\nscreen:\n%s", what, text, h.screen())
}

// require skips the test (fails it in CI, which installs them) when one of
// the files is missing from the root.
func (f *forky) require(t *testing.T, files ...string) {
	t.Helper()
	for _, file := range files {
		if _, err := os.Stat(filepath.Join(f.root, file)); err != nil {
			msg := fmt.Sprintf("/%s is missing from the Debian testing root at %s: run scripts/install-forky-editors.sh (as root)", file, f.root)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// launchTemplate starts the debugger with space G l, picks template and
// answers its prompts (pairs of the prompt's name and the answer), leaving
// Helix in its sticky debug mode.
func (h *helix) launchTemplate(template string, prompts ...string) {
	h.t.Helper()
	h.keys("Space", "G", "l")
	h.wait("space G l lists the debug templates", "next error")
	h.text(template)
	h.keys("Enter")
	for i := 0; i+1 < len(prompts); i += 2 {
		name, answer := prompts[i], prompts[i+1]
		h.waitScreen2("Helix prompts for the template's "+name, func(screen string) bool {
			return strings.TrimSpace(lastLine(screen)) == name+":"
		})
		h.text(answer)
		h.keys("Enter")
	}
}

// leaveDebugMode closes a popup or picker and leaves the sticky debug mode.
func (h *helix) leaveDebugMode() {
	h.escape()
	h.escape()
}

func lastLine(screen string) string {
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	return lines[len(lines)-1]
}

func (h *helix) log() string {
	data, _ := os.ReadFile(h.f.hostPath("home/.cache/helix/helix.log"))
	return string(data)
}

// waitLogSince waits for text in what Helix logged after the first mark bytes.
func (h *helix) waitLogSince(mark int, text, what string) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if log := h.log(); len(log) > mark && strings.Contains(log[mark:], text) {
			h.t.Logf("ok - %s", what)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	h.t.Fatalf("%s: %q not in helix.log\nscreen:\n%s", what, text, h.screen())
}
