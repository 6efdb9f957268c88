package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// TestDapeDrivesTheAdapter runs the real dape (Debian's elpa-dape) in the
// current Emacs of the Debian testing root, with editors/emacs/stui-dape.el
// as the user loads it: in a playground visited in stui-mode, dape's `stui'
// configuration launches the statement at point, `1 / 0.', through the real
// `stui-lsp dap' against stui-testimage over ZeroMQ. The script
// (e2e/testdata/dape/stui-dape-test.el) checks what dape itself recorded from
// the adapter: a stopped thread, the ZeroDivide in its exception text and
// SmallInteger>>/ as the top stack frame; then dape-kill ends the session
// (terminate, then dape stops the adapter), and the image has no process left
// suspended.
func TestDapeDrivesTheAdapter(t *testing.T) {
	d := newDape(t, "dape")
	d.run(t, "stui-dape-test.el", "dape ok", "STUI_PLAYGROUND="+d.file("playground.st"))
	d.leftNothing(t)
}

// TestDapeBreakpointsStopAndFollowASave: the real dape sets a breakpoint
// in a workspace Tonel file (dape-breakpoint-toggle) that stops the
// playground's statement in the method at that line; then a line added
// above the method, saved (dape sends nothing for an edit), moves the
// method down: the adapter tells the breakpoint's new line, and the next
// stop is shown there (e2e/testdata/dape-breakpoints/stui-dape-breakpoints-test.el).
// Afterwards the image has no breakpoint and no suspended process left.
func TestDapeBreakpointsStopAndFollowASave(t *testing.T) {
	d := newDape(t, "dape-breakpoints")
	d.run(t, "stui-dape-breakpoints-test.el", "dape breakpoints ok",
		"STUI_COUNTER="+d.file("Counter.class.st"), "STUI_PLAYGROUND="+d.file("playground.st"))
	d.leftNothing(t)
}

// TestDapeSteps: the real dape steps through a method the playground's
// statement sends, stopped first by a breakpoint: dape-next, dape-step-in
// into another method, dape-step-out back, each stop shown by dape at its
// file and line with reason step; dape-continue runs to the end, whose
// result dape is told before the session ends
// (e2e/testdata/dape-breakpoints/stui-dape-steps-test.el). Afterwards the
// image has no breakpoint and no suspended process left.
func TestDapeSteps(t *testing.T) {
	d := newDape(t, "dape-breakpoints")
	d.run(t, "stui-dape-steps-test.el", "dape steps ok",
		"STUI_COUNTER="+d.file("Counter.class.st"), "STUI_PLAYGROUND="+d.file("steps.st"))
	d.leftNothing(t)
}

// TestDapeAttaches: the real dape attaches with stui-dape.el's
// stui-attach configuration (waitForError) from a playground; code launched
// separately, through another `stui-lsp dap` (go-dap's codec, as an editor
// drives it), fails, and dape shows that process stopped on its error
// (e2e/testdata/dape/stui-dape-attach-test.el); dape-continue resumes it,
// the launching adapter sees it end, and the image has no process left.
func TestDapeAttaches(t *testing.T) {
	d := newDape(t, "dape")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	emacs := d.f.command(ctx, d.script("stui-dape-attach-test.el"),
		d.env("STUI_ATTACHED="+d.f.path("tmp/attached"), "STUI_PLAYGROUND="+d.file("playground.st"))...)
	var out strings.Builder
	emacs.Stdout, emacs.Stderr = &out, &out
	if err := emacs.Start(); err != nil {
		t.Fatal(err)
	}
	var emacsErr error
	ended := make(chan struct{})
	go func() { emacsErr = emacs.Wait(); close(ended) }()
	t.Cleanup(func() { cancel(); <-ended })
	waitFile(t, d.f.hostPath("tmp/attached"), ended, "dape's attach to be answered", &out)

	culprit := startDAP(t, buildCommand(t, "stui-lsp"), d.endpoint)
	culprit.ok(culprit.send("initialize", map[string]any{"adapterID": "stui"}))
	culprit.ok(culprit.send("launch", map[string]any{"expression": "Error signal: 'raised elsewhere'", "cwd": d.f.hostPath("e2e/testdata/dape")}))
	culprit.ok(culprit.send("configurationDone", nil))
	culprit.event("stopped")
	<-ended
	if emacsErr != nil || !strings.Contains(out.String(), "dape attach ok") {
		t.Fatalf("emacs with dape: %v\n%s", emacsErr, out.String())
	}
	t.Logf("%s", out.String())
	culprit.event("terminated")
	d.leftNothing(t)
}

// waitFile waits for path to exist, failing the test if the process
// whose end closes ended ends first.
func waitFile(t *testing.T, path string, ended chan struct{}, what string, out *strings.Builder) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case <-ended:
			t.Fatalf("waiting for %s, the process ended:\n%s", what, out)
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("no %s within 30 s:\n%s", what, out)
}

// TestDapePausesAndRestarts: dape-pause stops the playground's statement
// while it runs (reason pause, in its DoIt), dape-restart ends that session
// and launches the same configuration anew, which dape-pause stops again;
// dape-kill ends it (e2e/testdata/dape/stui-dape-pause-test.el), and the
// image has no process left.
func TestDapePausesAndRestarts(t *testing.T) {
	d := newDape(t, "dape")
	d.run(t, "stui-dape-pause-test.el", "dape pause ok", "STUI_PLAYGROUND="+d.file("pause.st"))
	d.leftNothing(t)
}

// dape is one dape test's set-up: the Debian testing root with dape, a
// stui-testimage of its own, and the folder of e2e/testdata its script is in.
type dape struct {
	f        *forky
	endpoint string
	dir      string // as seen inside the root
}

func newDape(t *testing.T, folder string) *dape {
	t.Helper()
	f := dapeForky(t)
	return &dape{f: f, endpoint: editorStartImage(t, buildCommand(t, "stui-testimage")), dir: f.path("e2e/testdata", folder)}
}

// file is a file of the test's folder, as Emacs sees it.
func (d *dape) file(name string) string { return filepath.Join(d.dir, name) }

// script runs the script (a file of the folder) in Emacs after
// e2e/testdata/dape/stui-dape-harness.el, which they all share.
func (d *dape) script(name string) string {
	return "cd " + shellQuote(d.dir) + " && emacs --batch -l " + shellQuote(d.f.path("e2e/testdata/dape/stui-dape-harness.el")) + " -l " + shellQuote(name)
}

// env is what the harness needs and then the script's own variables.
func (d *dape) env(vars ...string) []string {
	return append([]string{"STUI_ENDPOINT=" + d.endpoint, "STUI_EDITORS=" + d.f.path("editors")}, vars...)
}

// run runs the script to its end and fails the test unless it printed done.
func (d *dape) run(t *testing.T, name, done string, vars ...string) {
	t.Helper()
	out, err := d.f.run(t, time.Minute, d.script(name), d.env(vars...)...)
	if err != nil || !strings.Contains(out, done) {
		t.Fatalf("emacs with dape: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// leftNothing fails the test when the image keeps a suspended process or a
// breakpoint: a session must take both away when it ends.
func (d *dape) leftNothing(t *testing.T) {
	t.Helper()
	list := imageDebugList(t, d.endpoint)
	if len(list.Sessions) != 0 || len(list.Breakpoints) != 0 {
		t.Fatalf("left in the image: processes %+v, breakpoints %+v", list.Sessions, list.Breakpoints)
	}
}

// dapeForky is the Debian testing root with dape installed; without it the
// test skips, except in CI, which installs it.
func dapeForky(t *testing.T) *forky {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Emacs and dape in the Debian testing root; not in -short mode")
	}
	f := newForky(t)
	if dapes, _ := filepath.Glob(filepath.Join(f.root, "usr/share/emacs/site-lisp/elpa/dape-*")); len(dapes) == 0 {
		msg := fmt.Sprintf("dape is not installed in the Debian testing root at %s: run scripts/install-forky-editors.sh (as root)", f.root)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return f
}

// imageDebugList asks the image at endpoint for its suspended processes
// and breakpoints: what a debug session left behind.
func imageDebugList(t *testing.T, endpoint string) stuiproto.DebugListResult {
	t.Helper()
	client, err := stuiclient.New(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var list stuiproto.DebugListResult
	if err := stuiproto.Call(ctx, client, stuiproto.DebugListCommand, stuiproto.DebugListParams{}, &list); err != nil {
		t.Fatal(err)
	}
	return list
}
