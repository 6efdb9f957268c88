//go:build cgo

package e2e

// The fault matrix: the real stui-lsp binary, driven over stdio, against a
// stuitest server over real ZeroMQ whose transport misbehaves on demand. Each
// row checks that the editor's request is answered within its deadline with a
// clear error, that the next request works once the image is back, that the
// server log shows no panic, and that the process exits within a second of
// exit (so nothing inside it is left hanging on the image).
//
// Results are recorded in docs/reliability.md.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	zmq "github.com/pebbe/zmq4"
	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

const (
	// The deadlines the server is configured with; evaluate adds 2 s of
	// grace to its own timeout before giving up on the image.
	faultHoverTimeout    = 500 * time.Millisecond
	faultEvaluateTimeout = 1000 * time.Millisecond
	faultEvaluateBudget  = faultEvaluateTimeout + 2*time.Second
	// faultSlack is what the test allows on top of a deadline: process
	// scheduling on a loaded 2-core machine.
	faultSlack = 1500 * time.Millisecond
	// faultBackWithin bounds the server's reconnection after the image is
	// back (its back-off tops out at 5 s).
	faultBackWithin = 15 * time.Second
)

const faultDoc = "file:///play/faults.st"

// faultHandler wraps a Backend: it reports the evaluations it receives, and
// can answer them with a malformed reply.
type faultHandler struct {
	backend *stuitest.Backend
	evals   chan string  // the code of each evaluate, when someone listens
	bad     atomic.Int32 // a faultBad* mode for evaluate and browse_class
	listen  atomic.Bool  // send evaluations on evals
	count   atomic.Uint64
	pings   atomic.Uint64
}

const (
	faultBadNone       = iota
	faultBadEmpty      // an empty message (no JSON at all)
	faultBadStatus     // JSON, but status is neither success nor error
	faultBadResultType // a success whose result has the wrong shape
)

func (h *faultHandler) ServeSTUI(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
	h.count.Add(1)
	if req.Command == stuiproto.CmdPing {
		h.pings.Add(1)
	}
	if req.Command == stuiproto.CmdEvaluate && h.listen.Load() {
		var p stuiproto.EvaluateParams
		_ = json.Unmarshal(req.Parameters, &p)
		select {
		case h.evals <- p.Code:
		default:
		}
	}
	if req.Command == stuiproto.CmdEvaluate || req.Command == stuiproto.CmdBrowseClass {
		switch h.bad.Load() {
		case faultBadEmpty:
			// A result that is not JSON cannot be marshalled: stuitest
			// then sends an empty message.
			return &stuiproto.Reply{ID: req.ID, Status: stuiproto.StatusSuccess, Result: json.RawMessage(`{"result": `)}
		case faultBadStatus:
			return &stuiproto.Reply{ID: req.ID, Status: "maybe", Result: json.RawMessage(`{}`)}
		case faultBadResultType:
			return &stuiproto.Reply{ID: req.ID, Status: stuiproto.StatusSuccess, Result: json.RawMessage(`{"result": 42, "result_type": ["no"], "class_info": "x"}`)}
		}
	}
	return h.backend.ServeSTUI(ctx, req)
}

func (h *faultHandler) Restart() { h.backend.Restart() }

// faultRig is one image (stuitest server) and one stui-lsp process.
type faultRig struct {
	t   *testing.T
	srv *stuitest.Server
	h   *faultHandler
	p   *robustProc
}

type faultSetup struct {
	stopped bool              // the image is absent when stui-lsp starts
	opts    []stuitest.Option // server options (CURVE)
	env     []string          // environment of stui-lsp (tokens)
	args    []string
	prepare func(*stuitest.Server)
}

func faultStart(t *testing.T, bin string, setup faultSetup) *faultRig {
	t.Helper()
	h := &faultHandler{backend: stuitest.NewBackend(), evals: make(chan string, 1)}
	srv := stuitest.NewUnstartedServer(h, setup.opts...)
	if setup.prepare != nil {
		setup.prepare(srv)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	if setup.stopped {
		srv.Stop()
	}
	r := &faultRig{t: t, srv: srv, h: h}
	args := append([]string{"--log-level", "debug", "--endpoint", srv.Endpoint}, setup.args...)
	r.p = robustStart(t, bin, robustConfig{args: args, env: setup.env})
	r.p.initialize(map[string]any{
		"hoverTimeoutMs":    faultHoverTimeout.Milliseconds(),
		"evaluateTimeoutMs": faultEvaluateTimeout.Milliseconds(),
		"persistSession":    false,
		// The Transcript's long poll would be one more call in flight: a
		// reply that is not JSON can be pinned on its caller only when it
		// is the one call waiting (see awaitStartupPing).
		"transcript": "off",
	})
	r.p.open(faultDoc, "Object new printString.\nx := 3 + 4.\n")
	return r
}

// awaitStartupPing waits until the image has had the ping stui-lsp sends
// as it starts (its background handshake). That goroutine may run after the
// first evaluation; if a fault that garbles every reply came while its ping
// was in flight, two calls would wait and the client could pin neither
// garbled reply on its caller. The ping's reply leaves before the next one.
func (r *faultRig) awaitStartupPing() {
	r.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); r.h.pings.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			r.t.Fatal("stui-lsp never sent its start-up ping")
		}
	}
}

// waitLog waits for a window/logMessage or showMessage containing text, after
// the first from notifications, and returns the index to continue from.
func (r *faultRig) waitLog(text string, from int, within time.Duration) int {
	r.t.Helper()
	_, next := r.p.waitFor(fmt.Sprintf("a message %q", text), false, from, within, func(m robustMsg) bool {
		return (m.Method == protocol.MethodWindowLogMessage || m.Method == protocol.MethodWindowShowMessage) && strings.Contains(string(m.Params), text)
	})
	return next
}

func (r *faultRig) sendEvaluate(code string) chan robustMsg {
	_, ch := r.p.send(protocol.MethodWorkspaceExecuteCommand, map[string]any{
		"command":   "stui.evaluate",
		"arguments": []any{map[string]any{"code": code}},
	})
	return ch
}

// evaluate runs code and returns the reply, failing if none comes within.
func (r *faultRig) evaluate(code string, within time.Duration) (robustMsg, time.Duration) {
	r.t.Helper()
	start := time.Now()
	m := r.p.await("evaluate "+code, r.sendEvaluate(code), within)
	return m, time.Since(start)
}

// expectValue evaluates code and checks the printed result.
func (r *faultRig) expectValue(code, want string) {
	r.t.Helper()
	m, _ := r.evaluate(code, faultEvaluateBudget+faultSlack)
	if m.Error != nil {
		r.t.Fatalf("evaluate %s: error %d %s", code, m.Error.Code, m.Error.Message)
	}
	var res struct {
		Result string `json:"result"`
	}
	if err := json.Unmarshal(m.Result, &res); err != nil || res.Result != want {
		r.t.Fatalf("evaluate %s: %s, want %q", code, m.Result, want)
	}
}

// expectError evaluates code and checks that an error matching pattern comes
// within the evaluation's deadline.
func (r *faultRig) expectError(code, pattern string) {
	r.t.Helper()
	m, took := r.evaluate(code, faultEvaluateBudget+faultSlack)
	if m.Error == nil {
		r.t.Fatalf("evaluate %s: %s, want an error", code, m.Result)
	}
	if !regexp.MustCompile(pattern).MatchString(m.Error.Message) {
		r.t.Errorf("evaluate %s: error %q, want it to match %q", code, m.Error.Message, pattern)
	}
	r.t.Logf("evaluate answered in %v: %d %s", took.Round(time.Millisecond), m.Error.Code, m.Error.Message)
}

// hoverText hovers on Object (line 0) and returns the hover's text, checking
// that the answer comes within the hover deadline.
func (r *faultRig) hoverText() string {
	r.t.Helper()
	start := time.Now()
	m := r.p.hover(faultDoc, 0, 2, faultHoverTimeout+faultSlack)
	if m.Error != nil {
		r.t.Fatalf("hover: error %d %s", m.Error.Code, m.Error.Message)
	}
	var h struct {
		Contents struct {
			Value string `json:"value"`
		} `json:"contents"`
	}
	_ = json.Unmarshal(m.Result, &h)
	r.t.Logf("hover answered in %v: %q", time.Since(start).Round(time.Millisecond), h.Contents.Value)
	return h.Contents.Value
}

// expectLiveHover checks that the hover comes from the image.
func (r *faultRig) expectLiveHover() {
	r.t.Helper()
	if got := r.hoverText(); !strings.Contains(got, "Object") || strings.Contains(got, "not connected") {
		r.t.Errorf("hover on Object: %q, want the image's description of Object", got)
	}
}

// expectDegradedHover checks that the hover came back in time and says why
// the image did not help (why is a piece of that note, "" to not check).
// expectDegradedHover checks that the hover says why the image did not
// help: one of whys, or any reason if none is given.
func (r *faultRig) expectDegradedHover(whys ...string) {
	r.t.Helper()
	got := r.hoverText()
	for _, why := range whys {
		if strings.Contains(got, why) {
			return
		}
	}
	if len(whys) > 0 {
		r.t.Errorf("hover on Object: %q, want it to say one of %q", got, whys)
	}
}

func (r *faultRig) finish() {
	r.t.Helper()
	r.p.shutdownAndExit()
}

func TestFaultMatrix(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")

	t.Run("image absent at start", func(t *testing.T) {
		r := faultStart(t, bin, faultSetup{stopped: true})
		next := r.waitLog("image not connected", 0, faultBackWithin)
		r.expectDegradedHover("not connected")
		r.expectError("3 + 4", `image not connected at tcp://127\.0\.0\.1:\d+`)
		r.srv.Start()
		r.waitLog("image connected at", next, faultBackWithin)
		r.expectValue("3 + 4", "7")
		r.expectLiveHover()
		r.finish()
	})

	t.Run("image killed during an evaluation", func(t *testing.T) {
		r := faultStart(t, bin, faultSetup{})
		r.expectValue("1 + 1", "2")
		r.h.listen.Store(true)
		ch := r.sendEvaluate("(Delay forSeconds: 30) wait. 5")
		select {
		case <-r.h.evals:
		case <-time.After(faultEvaluateBudget):
			t.Fatal("the evaluation never reached the image")
		}
		from := r.p.noteCount()
		start := time.Now()
		r.srv.Stop()
		m := r.p.await("the evaluation cut off by the stop", ch, faultEvaluateBudget+faultSlack)
		if m.Error == nil || !strings.Contains(m.Error.Message, "image not connected") {
			t.Errorf("evaluation in flight when the image died: %s, want an image-not-connected error", m)
		}
		t.Logf("evaluation in flight answered %v after the stop: %v", time.Since(start).Round(time.Millisecond), m.Error)
		next := r.waitLog("image not connected", from, faultBackWithin)
		r.expectDegradedHover("not connected")
		r.expectError("2 + 2", `image not connected`)
		r.srv.Start()
		r.waitLog("image connected at", next, faultBackWithin)
		r.expectValue("3 + 4", "7")
		r.expectLiveHover()
		r.finish()
	})

	lostSession := func(m robustMsg) bool {
		return m.Method == protocol.MethodWindowShowMessage && strings.Contains(string(m.Params), "no longer has session")
	}

	t.Run("image restarted on the same endpoint, noticed", func(t *testing.T) {
		r := faultStart(t, bin, faultSetup{})
		r.expectValue("x := 3", "3")
		r.expectValue("x + 1", "4")
		from := r.p.noteCount()
		r.srv.Stop()
		r.expectError("x", `image not connected`)
		next := r.waitLog("image not connected", from, faultBackWithin)
		r.h.Restart() // the image forgets its sessions
		r.srv.Start()
		// On reconnection the server checks its session, finds it gone,
		// makes a new one and says so once.
		r.waitLog("image connected at", next, faultBackWithin)
		r.p.waitFor("the lost-session message", false, from, faultBackWithin, lostSession)
		r.expectValue("x", "nil")
		r.expectValue("x := 5", "5")
		r.expectValue("x", "5")
		if n := r.p.countNotes(lostSession); n != 1 {
			t.Errorf("%d lost-session messages, want 1", n)
		}
		r.expectLiveHover()
		r.finish()
	})

	t.Run("image restarted on the same endpoint, unnoticed", func(t *testing.T) {
		r := faultStart(t, bin, faultSetup{})
		r.expectValue("x := 3", "3")
		from := r.p.noteCount()
		r.srv.Restart()
		// The first evaluation may go out on the dead connection before
		// the client sees it drop (then it fails and the server reconnects),
		// or on the new one (then the image answers SessionNotFound and the
		// server re-creates the session at once). Either way: one message,
		// and x is gone.
		m, _ := r.evaluate("x", faultEvaluateBudget+faultSlack)
		if m.Error != nil {
			if !strings.Contains(m.Error.Message, "image not connected") {
				t.Fatalf("evaluate x right after the restart: %s", m)
			}
			r.waitLog("image connected at", from, faultBackWithin)
		}
		r.p.waitFor("the lost-session message", false, from, faultBackWithin, lostSession)
		r.expectValue("x", "nil")
		r.expectValue("x := 5", "5")
		r.expectValue("x", "5")
		if n := r.p.countNotes(lostSession); n != 1 {
			t.Errorf("%d lost-session messages, want 1", n)
		}
		r.finish()
	})

	t.Run("image hung", func(t *testing.T) {
		r := faultStart(t, bin, faultSetup{})
		r.expectValue("1 + 1", "2")
		r.srv.SetFault(stuitest.Hang)
		r.expectDegradedHover("did not answer in time")
		r.expectError("3 + 4", `timed out`)
		r.srv.SetFault(stuitest.NoFault)
		r.expectValue("3 + 4", "7")
		r.expectLiveHover()
		r.finish()
	})

	t.Run("slow replies", func(t *testing.T) {
		r := faultStart(t, bin, faultSetup{})
		r.expectValue("1 + 1", "2")
		r.srv.Delay(faultHoverTimeout / 2)
		r.expectValue("3 + 4", "7")
		r.expectLiveHover()
		r.srv.Delay(faultEvaluateBudget + 2*time.Second)
		r.expectDegradedHover("did not answer in time")
		r.expectError("3 + 4", `timed out`)
		r.srv.Delay(0)
		r.expectValue("6 * 7", "42")
		r.expectLiveHover()
		r.finish()
	})

	t.Run("garbage bytes", func(t *testing.T) {
		r := faultStart(t, bin, faultSetup{})
		r.awaitStartupPing()
		r.expectValue("1 + 1", "2")
		r.srv.SetFault(stuitest.Garbage)
		r.expectError("3 + 4", `malformed reply`)
		r.expectDegradedHover("malformed reply")
		r.srv.SetFault(stuitest.NoFault)
		r.expectValue("3 + 4", "7")
		r.expectLiveHover()
		r.finish()
	})

	t.Run("invalid JSON", func(t *testing.T) {
		r := faultStart(t, bin, faultSetup{})
		r.awaitStartupPing()
		r.expectValue("1 + 1", "2")
		for _, mode := range []int32{faultBadEmpty, faultBadStatus, faultBadResultType} {
			r.h.bad.Store(mode)
			r.expectError("3 + 4", `malformed reply`)
			r.expectDegradedHover("malformed reply")
		}
		r.h.bad.Store(faultBadNone)
		r.expectValue("3 + 4", "7")
		r.expectLiveHover()
		r.finish()
	})

	t.Run("reply with the wrong id", func(t *testing.T) {
		r := faultStart(t, bin, faultSetup{})
		r.expectValue("1 + 1", "2")
		r.srv.SetFault(stuitest.WrongID)
		r.expectDegradedHover("did not answer in time")
		r.expectError("3 + 4", `timed out`)
		r.srv.SetFault(stuitest.NoFault)
		r.expectValue("3 + 4", "7")
		r.expectLiveHover()
		r.finish()
	})

	t.Run("duplicate replies", func(t *testing.T) {
		r := faultStart(t, bin, faultSetup{})
		r.expectValue("1 + 1", "2")
		r.srv.SetFault(stuitest.Duplicate)
		r.expectValue("3 + 4", "7")
		r.expectValue("5 + 5", "10")
		r.expectLiveHover()
		r.srv.SetFault(stuitest.NoFault)
		r.expectValue("6 * 7", "42")
		r.finish()
	})

	t.Run("oversized reply", func(t *testing.T) {
		r := faultStart(t, bin, faultSetup{})
		r.expectValue("1 + 1", "2")
		r.srv.SetFault(stuitest.Oversized)
		r.expectError("3 + 4", `reply too large`)
		// The padding is sized for evaluate's reply; the hover's may come in
		// just under the limit, as a reply without a class in it. Moving
		// and decoding 10 MB can also outlast the 500 ms hover deadline on a
		// loaded machine (with the race detector, it did): either way the
		// hover must say why it has nothing from the image.
		r.expectDegradedHover("image error", "did not answer in time")
		r.srv.SetFault(stuitest.NoFault)
		r.expectValue("3 + 4", "7")
		r.expectLiveHover()
		r.finish()
	})

	t.Run("CURVE server, client without keys", func(t *testing.T) {
		if !zmq.HasCurve() {
			t.Skip("libzmq has no CURVE support")
		}
		_, secret, err := zmq.NewCurveKeypair()
		if err != nil {
			t.Fatal(err)
		}
		r := faultStart(t, bin, faultSetup{opts: []stuitest.Option{stuitest.WithCurve(secret)}})
		r.expectDegradedHover("not connected")
		r.expectError("3 + 4", `image not connected`)
		r.finish()
	})
}

// TestFaultToken checks the shared secret end to end: the image (stuitest as
// a stand-in for the Pharo server, which compares the same way) refuses a
// request without the token or with a wrong one, and stui-lsp reads the token
// only from a file its owner alone may read.
func TestFaultToken(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	const secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tokenFile := func(t *testing.T, content string, mode os.FileMode) string {
		path := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	requireToken := func(s *stuitest.Server) { s.RequireToken(secret) }
	cases := []struct {
		name    string
		env     []string
		args    func(t *testing.T) []string
		refused bool
		// refusal is what the editor is told; PermissionDenied by default.
		refusal string
		log     string // expected in the server's log
	}{
		{name: "no token", refused: true},
		// A wrong token is never sent: the image cannot prove it holds it.
		{name: "wrong token", env: []string{"STUI_TOKEN=not-the-secret"}, refused: true, refusal: "did not prove it is the image"},
		{name: "token from STUI_TOKEN", env: []string{"STUI_TOKEN=" + secret}},
		{name: "token file 0600", args: func(t *testing.T) []string { return []string{"--token-file", tokenFile(t, secret+"\n", 0o600)} }},
		{name: "wrong token file", args: func(t *testing.T) []string { return []string{"--token-file", tokenFile(t, "nope\n", 0o600)} }, refused: true, refusal: "did not prove it is the image"},
		{name: "token file 0644 is not read", args: func(t *testing.T) []string { return []string{"--token-file", tokenFile(t, secret+"\n", 0o644)} }, refused: true, refusal: "mode 0644.*chmod 600", log: "must be readable by its owner only"},
		{name: "token file 0640 is not read", args: func(t *testing.T) []string { return []string{"--token-file", tokenFile(t, secret+"\n", 0o640)} }, refused: true, refusal: "mode 0640.*chmod 600", log: "must be readable by its owner only"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			setup := faultSetup{env: c.env, prepare: requireToken}
			if c.args != nil {
				setup.args = c.args(t)
			}
			r := faultStart(t, bin, setup)
			if c.refused {
				// A token file stui-lsp will not read is reported as such, not
				// left for the image to refuse.
				refusal := c.refusal
				if refusal == "" {
					refusal = `PermissionDenied`
				}
				r.expectError("3 + 4", refusal)
				if strings.Contains(r.p.log.String(), secret) {
					t.Errorf("the server log shows the token")
				}
			} else {
				r.expectValue("3 + 4", "7")
			}
			if c.log != "" {
				r.waitLog(c.log, 0, robustReplyWithin)
			}
			r.finish()
		})
	}
}

// TestFaultTokenNotSentInClear: with a token configured, stui-lsp refuses to
// connect over plain tcp to a host that is not this machine, and says why.
func TestFaultTokenNotSentInClear(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	for _, ep := range []string{"tcp://192.0.2.1:5555", "tcp://example.invalid:5555", "tcp://[2001:db8::1]:5555"} {
		t.Run(ep, func(t *testing.T) {
			p := robustStart(t, bin, robustConfig{args: []string{"--endpoint", ep}, env: []string{"STUI_TOKEN=s3cret-value"}})
			p.initialize(map[string]any{"evaluateTimeoutMs": 1000})
			// The refusal is told to the user as soon as the server first
			// tries the image; evaluations then fail without a connection.
			p.waitFor("the refusal", false, 0, robustReplyWithin, func(m robustMsg) bool {
				return m.Method == protocol.MethodWindowShowMessage && strings.Contains(string(m.Params), "refusing to send the token unencrypted")
			})
			start := time.Now()
			m := p.call(protocol.MethodWorkspaceExecuteCommand, map[string]any{
				"command": "stui.evaluate", "arguments": []any{map[string]any{"code": "3 + 4"}},
			}, faultEvaluateBudget+faultSlack)
			if m.Error == nil || !strings.Contains(m.Error.Message, "image not connected") {
				t.Errorf("evaluate: %s, want an image-not-connected error", m)
			}
			t.Logf("answered in %v: %v", time.Since(start).Round(time.Millisecond), m.Error)
			if strings.Contains(p.log.String(), "s3cret-value") {
				t.Errorf("the server log shows the token")
			}
			p.shutdownAndExit()
		})
	}
}

// TestFaultDefaultEndpoint: with no endpoint configured, stui-lsp uses the
// image's socket in $XDG_RUNTIME_DIR/stui/ only while that directory is
// private to the user; otherwise there is no default endpoint.
func TestFaultDefaultEndpoint(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	h := &faultHandler{backend: stuitest.NewBackend(), evals: make(chan string, 1)}
	srv := stuitest.NewIPCServer(h)
	t.Cleanup(srv.Close)
	sock := strings.TrimPrefix(srv.Endpoint, "ipc://")
	runtimeDir := t.TempDir()
	// The server's socket directory seen as $XDG_RUNTIME_DIR/stui.
	if err := os.Symlink(filepath.Dir(sock), filepath.Join(runtimeDir, "stui")); err != nil {
		t.Fatal(err)
	}
	if filepath.Base(sock) != "stui.sock" {
		t.Fatalf("stuitest's ipc socket is %s, want a stui.sock", sock)
	}
	want := "ipc://" + filepath.Join(runtimeDir, "stui", "stui.sock")
	status := func(p *robustProc) string {
		m := p.call(protocol.MethodWorkspaceExecuteCommand, map[string]any{"command": "stui.status"}, robustReplyWithin)
		var st struct {
			Endpoint string `json:"endpoint"`
		}
		if m.Error != nil || json.Unmarshal(m.Result, &st) != nil {
			t.Fatalf("stui.status: %s", m)
		}
		return st.Endpoint
	}
	for _, c := range []struct {
		mode os.FileMode
		want string
	}{
		{0o700, want},
		// Not loopback tcp, which anyone may have taken: no default at all.
		{0o750, ""},
		{0o711, ""},
		{0o777, ""},
	} {
		t.Run(fmt.Sprintf("%04o", c.mode), func(t *testing.T) {
			if err := os.Chmod(filepath.Dir(sock), c.mode); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(filepath.Dir(sock), 0o700)
			p := robustStart(t, bin, robustConfig{env: []string{"XDG_RUNTIME_DIR=" + runtimeDir}})
			p.initialize(map[string]any{"evaluateTimeoutMs": faultEvaluateTimeout.Milliseconds()})
			if got := status(p); got != c.want {
				t.Errorf("endpoint %s, want %s", got, c.want)
			}
			if c.want == want {
				m := p.call(protocol.MethodWorkspaceExecuteCommand, map[string]any{
					"command": "stui.evaluate", "arguments": []any{map[string]any{"code": "3 + 4"}},
				}, faultEvaluateBudget+faultSlack)
				if m.Error != nil || !strings.Contains(string(m.Result), `"7"`) {
					t.Errorf("evaluate over the default ipc endpoint: %s", m)
				}
			}
			p.shutdownAndExit()
		})
	}
}

// TestFaultCurve: keys made by `stui-lsp keygen` and given with
// --curve-server-key/--curve-secret-key encrypt and authenticate the
// connection to a CURVE image; a wrong server key or a secret key file others
// may read is refused, with an answer within the deadline.
func TestFaultCurve(t *testing.T) {
	if !zmq.HasCurve() {
		t.Skip("skipping: libzmq has no CURVE support")
	}
	bin := buildCommand(t, "stui-lsp")
	dir := t.TempDir()
	client := filepath.Join(dir, "client")
	out, err := exec.Command(bin, "keygen", client).CombinedOutput()
	if err != nil {
		t.Fatalf("stui-lsp keygen: %v\n%s", err, out)
	}
	fi, err := os.Stat(client + ".key")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret key file: %v, mode %v", err, fi.Mode())
	}
	if out, err := exec.Command(bin, "keygen", client).CombinedOutput(); err == nil {
		t.Errorf("keygen overwrote existing keys: %s", out)
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
	serverPub, otherPub := writeKey("server.pub", serverPublic), writeKey("other.pub", otherPublic)
	curveServer := faultSetup{opts: []stuitest.Option{stuitest.WithCurve(serverSecret)}}

	t.Run("right keys", func(t *testing.T) {
		setup := curveServer
		setup.args = []string{"--curve-server-key", serverPub, "--curve-secret-key", client + ".key"}
		r := faultStart(t, bin, setup)
		r.expectValue("3 + 4", "7")
		r.expectLiveHover()
		r.finish()
	})
	t.Run("wrong server key", func(t *testing.T) {
		setup := curveServer
		setup.args = []string{"--curve-server-key", otherPub, "--curve-secret-key", client + ".key"}
		r := faultStart(t, bin, setup)
		r.expectError("3 + 4", `image not connected`)
		r.finish()
	})
	t.Run("secret key readable by others", func(t *testing.T) {
		loose := filepath.Join(dir, "loose.key")
		data, _ := os.ReadFile(client + ".key")
		if err := os.WriteFile(loose, data, 0o644); err != nil {
			t.Fatal(err)
		}
		setup := curveServer
		setup.args = []string{"--curve-server-key", serverPub, "--curve-secret-key", loose}
		r := faultStart(t, bin, setup)
		r.p.waitFor("the refusal", false, 0, robustReplyWithin, func(m robustMsg) bool {
			return m.Method == protocol.MethodWindowShowMessage && strings.Contains(string(m.Params), "must be readable by its owner only")
		})
		r.expectError("3 + 4", `image not connected`)
		r.finish()
	})
}
