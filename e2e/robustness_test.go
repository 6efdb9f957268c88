package e2e

// Robustness of the real stui-lsp binary against what an editor (or anything
// else on the other end of stdin) may send: malformed JSON-RPC, requests out
// of order, absurd positions, huge and invalid documents, and the editor going
// away. The binary runs as a child process over kernel pipes, as editors run
// it. The helpers here (robust*) are shared with faults_test.go.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/internal/lsptest"
)

// robustReplyWithin bounds how long any request may wait for its reply when
// the image is not involved.
const robustReplyWithin = 5 * time.Second

// robustMsg is any JSON-RPC message, kept loose so that malformed replies can
// be inspected too.
type robustMsg struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *robustRPCError `json:"error,omitempty"`
}

type robustRPCError struct {
	Code    int64  `json:"code"`
	Message string `json:"message"`
}

func (m robustMsg) hasID() bool { return len(m.ID) > 0 && string(m.ID) != "null" }

func (m robustMsg) String() string {
	b, _ := json.Marshal(m)
	if len(b) > 600 {
		b = append(b[:600], "..."...)
	}
	return string(b)
}

// robustLog collects the server's stderr.
type robustLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *robustLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *robustLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// robustProc is one stui-lsp process and a small LSP client driving it: it
// frames with jsonrpc2's header stream, answers the server's own requests,
// matches replies to requests by id and records notifications.
type robustProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	log    *robustLog
	exited chan struct{}
	state  *os.ProcessState

	writeMu sync.Mutex

	mu      sync.Mutex
	nextID  int
	waiting map[string]chan robustMsg
	orphans []robustMsg // replies with a null or unknown id
	notes   []robustMsg // notifications from the server
	changed chan struct{}
	readErr error
}

type robustConfig struct {
	args []string
	env  []string
	// stderr, when set, receives the server's stderr instead of the log.
	stderr *os.File
}

// robustEnv isolates the server from the user running the tests: its own
// HOME, config and cache directories, no token, no endpoint.
func robustEnv(t *testing.T) []string {
	home := t.TempDir()
	env := append(lsptest.CleanEnv(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"))
	if robustRace() {
		// The race runtime sleeps a second at exit by default, which the
		// exit-within-a-second checks would take for a hang.
		env = append(env, "GORACE=atexit_sleep_ms=0")
	}
	return env
}

// robustRace reports whether the binary under test is built with -race.
func robustRace() bool { return os.Getenv("STUI_E2E_RACE") != "" }

func robustStart(t *testing.T, bin string, cfg robustConfig) *robustProc {
	t.Helper()
	cmd := exec.Command(bin, cfg.args...)
	cmd.Env = append(robustEnv(t), cfg.env...)
	p := &robustProc{t: t, cmd: cmd, log: &robustLog{}, exited: make(chan struct{}), waiting: map[string]chan robustMsg{}, changed: make(chan struct{})}
	if cfg.stderr != nil {
		cmd.Stderr = cfg.stderr
	} else {
		cmd.Stderr = p.log
	}
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		p.read(stdout)
	}()
	go func() {
		<-readerDone
		_ = cmd.Wait()
		p.state = cmd.ProcessState
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.stdin.Close()
			select {
			case <-p.exited:
			case <-time.After(3 * time.Second):
				t.Errorf("stui-lsp still running 3s after its stdin closed; killing it")
				_ = cmd.Process.Kill()
				<-p.exited
			}
		}
		robustCheckLog(t, p.log.String())
	})
	return p
}

// robustCheckLog fails the test if the server's log shows a panic or a data
// race report, and prints the log of a failed test.
func robustCheckLog(t *testing.T, log string) {
	t.Helper()
	for _, bad := range []string{"panic", "DATA RACE", "fatal error:"} {
		if strings.Contains(log, bad) {
			t.Errorf("server log contains %q", bad)
		}
	}
	if t.Failed() {
		const max = 20000
		if len(log) > max {
			log = "...\n" + log[len(log)-max:]
		}
		t.Logf("server log:\n%s", log)
	}
}

type robustFrameReader interface {
	ReadFrame(ctx context.Context) ([]byte, int64, error)
}

type robustReadOnly struct{ io.ReadCloser }

func (robustReadOnly) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func (p *robustProc) read(stdout io.ReadCloser) {
	frames := jsonrpc2.NewHeaderStream(robustReadOnly{stdout}).(robustFrameReader)
	for {
		data, _, err := frames.ReadFrame(context.Background())
		if err != nil {
			p.mu.Lock()
			p.readErr = err
			for id, ch := range p.waiting {
				close(ch)
				delete(p.waiting, id)
			}
			p.mu.Unlock()
			return
		}
		var m robustMsg
		if err := json.Unmarshal(data, &m); err != nil {
			p.t.Errorf("server wrote a frame that is not JSON-RPC: %v: %q", err, data)
			continue
		}
		if m.JSONRPC != "2.0" {
			p.t.Errorf("server wrote a message without jsonrpc 2.0: %s", data)
		}
		switch {
		case m.Method != "" && m.hasID():
			p.answer(m)
		case m.Method != "":
			p.mu.Lock()
			p.notes = append(p.notes, m)
			close(p.changed)
			p.changed = make(chan struct{})
			p.mu.Unlock()
		default:
			p.mu.Lock()
			ch, ok := p.waiting[string(m.ID)]
			if ok {
				delete(p.waiting, string(m.ID))
				ch <- m
			} else {
				p.orphans = append(p.orphans, m)
				close(p.changed)
				p.changed = make(chan struct{})
			}
			p.mu.Unlock()
		}
	}
}

// answer replies to a request from the server as a plain editor would.
func (p *robustProc) answer(m robustMsg) {
	var result any
	if m.Method == protocol.MethodWorkspaceConfiguration {
		var params struct {
			Items []json.RawMessage `json:"items"`
		}
		_ = json.Unmarshal(m.Params, &params)
		result = make([]any, len(params.Items))
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": m.ID, "result": result})
	_ = p.writeFrame(body)
}

// writeRaw writes bytes to the server's stdin as they are.
func (p *robustProc) writeRaw(b []byte) error {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	_, err := p.stdin.Write(b)
	return err
}

// writeFrame writes body with a correct Content-Length header, in one write.
func (p *robustProc) writeFrame(body []byte) error {
	frame := append([]byte("Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...)
	return p.writeRaw(frame)
}

// send writes a request and returns the channel its reply arrives on.
func (p *robustProc) send(method string, params any) (string, chan robustMsg) {
	p.t.Helper()
	p.mu.Lock()
	p.nextID++
	id := strconv.Itoa(p.nextID)
	ch := make(chan robustMsg, 1)
	p.waiting[id] = ch
	p.mu.Unlock()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": p.nextIDValue(id), "method": method, "params": params})
	if err != nil {
		p.t.Fatal(err)
	}
	if err := p.writeFrame(body); err != nil {
		p.t.Fatalf("writing %s: %v", method, err)
	}
	return id, ch
}

func (p *robustProc) nextIDValue(id string) int {
	n, _ := strconv.Atoi(id)
	return n
}

// await waits for the reply on ch, failing the test after within.
func (p *robustProc) await(method string, ch chan robustMsg, within time.Duration) robustMsg {
	p.t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			p.t.Fatalf("%s: connection ended before the reply (%v)", method, p.readErr)
		}
		return m
	case <-time.After(within):
		p.t.Fatalf("%s: no reply within %v", method, within)
	}
	return robustMsg{}
}

// call sends a request and waits for its reply.
func (p *robustProc) call(method string, params any, within time.Duration) robustMsg {
	p.t.Helper()
	_, ch := p.send(method, params)
	return p.await(method, ch, within)
}

func (p *robustProc) notify(method string, params any) {
	p.t.Helper()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
	if err != nil {
		p.t.Fatal(err)
	}
	if err := p.writeFrame(body); err != nil {
		p.t.Fatalf("writing %s: %v", method, err)
	}
}

// waitFor waits until the server has sent a message that match accepts among
// the notifications (or, with orphans, the replies without a known id), and
// returns it. from skips messages already seen.
func (p *robustProc) waitFor(what string, orphans bool, from int, within time.Duration, match func(robustMsg) bool) (robustMsg, int) {
	p.t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		list := p.notes
		if orphans {
			list = p.orphans
		}
		for i := from; i < len(list); i++ {
			if match(list[i]) {
				m := list[i]
				p.mu.Unlock()
				return m, i + 1
			}
		}
		from = len(list)
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-p.exited:
			p.t.Fatalf("waiting for %s: the server exited", what)
		case <-deadline.C:
			p.t.Fatalf("waiting for %s: nothing within %v", what, within)
		}
	}
}

// countNotes counts the notifications that match.
func (p *robustProc) countNotes(match func(robustMsg) bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range p.notes {
		if match(m) {
			n++
		}
	}
	return n
}

func (p *robustProc) noteCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.notes)
}

func (p *robustProc) orphanCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.orphans)
}

// initialize runs the initialize handshake with initOptions.
func (p *robustProc) initialize(initOptions map[string]any) {
	p.t.Helper()
	m := p.call(protocol.MethodInitialize, map[string]any{
		"processId":             os.Getpid(),
		"rootUri":               nil,
		"capabilities":          map[string]any{},
		"initializationOptions": initOptions,
	}, robustReplyWithin)
	if m.Error != nil {
		p.t.Fatalf("initialize: %+v", m.Error)
	}
	p.notify(protocol.MethodInitialized, map[string]any{})
}

// shutdownAndExit ends the session as an editor does and checks that the
// process exits with status 0 within a second of exit.
func (p *robustProc) shutdownAndExit() {
	p.t.Helper()
	if m := p.call(protocol.MethodShutdown, nil, robustReplyWithin); m.Error != nil {
		p.t.Fatalf("shutdown: %+v", m.Error)
	}
	p.notify(protocol.MethodExit, nil)
	p.expectExit(0, time.Second)
}

// expectExit waits for the process to end and checks its exit code.
func (p *robustProc) expectExit(code int, within time.Duration) {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(within):
		p.t.Fatalf("stui-lsp still running %v later", within)
	}
	if got := p.state.ExitCode(); got != code {
		p.t.Errorf("exit code %d, want %d (%s)", got, code, p.state)
	}
}

func (p *robustProc) open(uri, text string) {
	p.t.Helper()
	p.notify(protocol.MethodTextDocumentDidOpen, map[string]any{
		"textDocument": map[string]any{"uri": uri, "languageId": "smalltalk", "version": 1, "text": text},
	})
}

func (p *robustProc) hover(uri string, line, char int, within time.Duration) robustMsg {
	p.t.Helper()
	return p.call(protocol.MethodTextDocumentHover, map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"position":     map[string]any{"line": line, "character": char},
	}, within)
}

func robustIsError(m robustMsg, code int64) bool { return m.Error != nil && m.Error.Code == code }

// robustAlive checks the connection still works: a request after whatever the
// test did gets its normal reply.
func robustAlive(t *testing.T, p *robustProc, uri string) {
	t.Helper()
	m := p.hover(uri, 0, 1, robustReplyWithin)
	if m.Error != nil {
		t.Fatalf("hover after the bad input: %+v", m.Error)
	}
}

func TestRobustMalformedJSONRPC(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	p := robustStart(t, bin, robustConfig{})

	// Before initialize: requests are refused, the connection stays.
	if m := p.hover("file:///nowhere.st", 0, 0, robustReplyWithin); !robustIsError(m, int64(jsonrpc2.ServerNotInitialized)) {
		t.Errorf("hover before initialize: %s, want error %d", m, jsonrpc2.ServerNotInitialized)
	}
	p.notify(protocol.MethodTextDocumentDidOpen, map[string]any{"textDocument": map[string]any{"uri": "file:///early.st", "text": "x"}})
	p.initialize(nil)
	const uri = "file:///play/robust.st"
	p.open(uri, "Object new printString.\nx := 3 + 4.\n")

	cases := []struct {
		name string
		raw  string // a whole frame body
		code int64  // the error reply expected under id null
	}{
		{"truncated JSON", `{"jsonrpc":"2.0","id":99,"method":"textDocument/hover","params":{`, int64(jsonrpc2.ParseError)},
		{"not JSON at all", `Content-Type: oops`, int64(jsonrpc2.ParseError)},
		{"number", `42`, int64(jsonrpc2.InvalidRequest)},
		{"string", `"hello"`, int64(jsonrpc2.InvalidRequest)},
		{"null", `null`, int64(jsonrpc2.InvalidRequest)},
		{"empty object", `{}`, int64(jsonrpc2.InvalidRequest)},
		{"empty batch", `[]`, int64(jsonrpc2.InvalidRequest)},
		{"batch", `[{"jsonrpc":"2.0","id":97,"method":"shutdown"},{"jsonrpc":"2.0","method":"exit"}]`, int64(jsonrpc2.InvalidRequest)},
		{"method not a string", `{"jsonrpc":"2.0","id":96,"method":7}`, int64(jsonrpc2.InvalidRequest)},
		{"invalid UTF-8 in a frame", "{\"jsonrpc\":\"2.0\",\"id\":95,\"method\":\"\xff\xfe\"}", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := p.orphanCount()
			if err := p.writeFrame([]byte(c.raw)); err != nil {
				t.Fatal(err)
			}
			if c.code != 0 {
				m, _ := p.waitFor("the error reply to "+c.name, true, before, robustReplyWithin, func(robustMsg) bool { return true })
				if !robustIsError(m, c.code) {
					t.Errorf("reply %s, want error %d", m, c.code)
				}
			}
			robustAlive(t, p, uri)
		})
	}

	t.Run("wrong jsonrpc version", func(t *testing.T) {
		before := p.orphanCount()
		id, ch := "", chan robustMsg(nil)
		p.mu.Lock()
		p.nextID++
		id = strconv.Itoa(p.nextID)
		ch = make(chan robustMsg, 1)
		p.waiting[id] = ch
		p.mu.Unlock()
		body := fmt.Sprintf(`{"jsonrpc":"1.0","id":%s,"method":"textDocument/hover","params":{"textDocument":{"uri":%q},"position":{"line":0,"character":1}}}`, id, uri)
		if err := p.writeFrame([]byte(body)); err != nil {
			t.Fatal(err)
		}
		// Either an error reply under the request's id or under id null:
		// what matters is an error and a connection that still works.
		deadline := time.After(robustReplyWithin)
		for {
			p.mu.Lock()
			var orphan *robustMsg
			if len(p.orphans) > before {
				orphan = &p.orphans[before]
			}
			changed := p.changed
			p.mu.Unlock()
			if orphan != nil {
				if orphan.Error == nil {
					t.Errorf("reply %s, want an error", orphan)
				}
				break
			}
			select {
			case m := <-ch:
				if m.Error == nil {
					t.Errorf("a request with jsonrpc 1.0 was served: %s", m)
				}
			case <-changed:
				continue
			case <-deadline:
				t.Fatalf("no reply to a jsonrpc 1.0 request within %v", robustReplyWithin)
			}
			break
		}
		robustAlive(t, p, uri)
	})

	t.Run("unknown method", func(t *testing.T) {
		if m := p.call("stui/noSuchMethod", map[string]any{"x": 1}, robustReplyWithin); !robustIsError(m, int64(jsonrpc2.MethodNotFound)) {
			t.Errorf("reply %s, want MethodNotFound", m)
		}
		p.notify("$/noSuchNotification", map[string]any{"x": 1})
		p.notify("stui/noSuchNotification", "not an object")
		// Malformed cancellations must not close the connection either.
		p.notify("$/cancelRequest", map[string]any{"id": nil})
		p.notify("$/cancelRequest", map[string]any{"id": []int{1}})
		p.notify("$/cancelRequest", "nope")
		// Requests sent without an id are not run: neither a second
		// initialization nor a shutdown nobody is told about.
		p.notify(protocol.MethodInitialize, map[string]any{"capabilities": map[string]any{}})
		p.notify(protocol.MethodShutdown, nil)
		robustAlive(t, p, uri)
	})

	t.Run("wrong params", func(t *testing.T) {
		for _, params := range []any{"a string", 42, []any{1, 2}, map[string]any{"textDocument": 7}, map[string]any{"position": map[string]any{"line": -1, "character": -5}, "textDocument": map[string]any{"uri": uri}}} {
			m := p.call(protocol.MethodTextDocumentHover, params, robustReplyWithin)
			if m.Error == nil && string(m.Result) != "null" {
				t.Errorf("hover with params %v: %s, want an error or null", params, m)
			}
		}
		m := p.call(protocol.MethodWorkspaceExecuteCommand, map[string]any{"command": "stui.evaluate", "arguments": []any{"not an object"}}, robustReplyWithin)
		if !robustIsError(m, int64(jsonrpc2.InvalidParams)) {
			t.Errorf("executeCommand with a bad argument: %s, want InvalidParams", m)
		}
		robustAlive(t, p, uri)
	})

	t.Run("positions outside the document", func(t *testing.T) {
		for _, pos := range [][2]int{{0, 100000}, {1000, 0}, {1000, 1000}, {1<<31 - 1, 1<<31 - 1}, {1<<32 - 1, 1<<32 - 1}} {
			m := p.hover(uri, pos[0], pos[1], robustReplyWithin)
			if m.Error != nil && m.Error.Code != int64(jsonrpc2.InvalidParams) {
				t.Errorf("hover at %v: %s", pos, m)
			}
		}
		rng := map[string]any{"start": map[string]any{"line": 5000, "character": 9}, "end": map[string]any{"line": 1, "character": 0}}
		p.notify(protocol.MethodTextDocumentDidChange, map[string]any{
			"textDocument":   map[string]any{"uri": uri, "version": 2},
			"contentChanges": []any{map[string]any{"range": rng, "text": "y := 1.\n"}},
		})
		m := p.call(protocol.MethodWorkspaceExecuteCommand, map[string]any{"command": "stui.evaluate", "arguments": []any{map[string]any{"uri": uri, "range": rng}}}, robustReplyWithin)
		if m.Error == nil {
			t.Errorf("evaluate of a range outside the document without an image: %s, want an error", m)
		}
		robustAlive(t, p, uri)
	})

	t.Run("invalid UTF-8 in a document", func(t *testing.T) {
		const bad = "file:///play/bad-utf8.st"
		// Raw bytes, not JSON escapes: a lone Latin-1 byte, 0xFF 0xFE, a
		// truncated sequence and an encoded surrogate.
		text := "x := 'caf\xe9 \xff\xfe\xc3'.\\n\xed\xa0\x80 y := x size.\\n"
		body := `{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"` + bad + `","languageId":"smalltalk","version":1,"text":"` + text + `"}}}`
		if err := p.writeFrame([]byte(body)); err != nil {
			t.Fatal(err)
		}
		if m := p.hover(bad, 0, 0, robustReplyWithin); m.Error != nil || string(m.Result) == "null" {
			t.Errorf("hover on x in a document with invalid UTF-8: %s, want a hover (the document should be open)", m)
		}
		for _, ch := range []int{0, 5, 8, 11, 14, 40} {
			if m := p.hover(bad, 0, ch, robustReplyWithin); m.Error != nil {
				t.Errorf("hover at 0:%d: %s", ch, m)
			}
			p.hover(bad, 1, ch, robustReplyWithin)
		}
		robustAlive(t, p, uri)
	})

	p.shutdownAndExit()
}

// robustLargeDocument starts an initialized server for a test of a document
// of at least size bytes, one statement a line made by lineFormat from the
// line's number and that number modulo 100, and answers the text and its
// line count. Under -race it skips: such a document is too slow there.
func robustLargeDocument(t *testing.T, size int, lineFormat string) (p *robustProc, text string, lines int) {
	t.Helper()
	if robustRace() {
		t.Skipf("skipping: a %d MB document is too slow under -race", size>>20)
	}
	p = robustStart(t, buildCommand(t, "stui-lsp"), robustConfig{})
	p.initialize(nil)
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, lineFormat, i, i%100)
	}
	text = b.String()
	return p, text, strings.Count(text, "\n")
}

func TestRobustLargeDocument(t *testing.T) {
	p, text, lines := robustLargeDocument(t, 10<<20, "v%d := (Array new: %d) collect: [:e | e printString , 'caf\u00e9 \U0001F600'].\n")
	const uri = "file:///play/large.st"
	start := time.Now()
	p.open(uri, text)
	for _, pos := range [][2]int{{0, 1}, {lines / 2, 12}, {lines - 1, 3}} {
		m := p.hover(uri, pos[0], pos[1], 30*time.Second)
		if m.Error != nil {
			t.Errorf("hover at %v: %s", pos, m)
		}
	}
	p.notify(protocol.MethodTextDocumentDidChange, map[string]any{
		"textDocument": map[string]any{"uri": uri, "version": 2},
		"contentChanges": []any{map[string]any{
			"range": map[string]any{"start": map[string]any{"line": lines / 2, "character": 0}, "end": map[string]any{"line": lines/2 + 1, "character": 0}},
			"text":  "changed := 1.\n",
		}},
	})
	p.notify(protocol.MethodTextDocumentDidChange, map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": 3},
		"contentChanges": []any{map[string]any{"text": text + "last := 2.\n"}},
	})
	if m := p.hover(uri, lines, 1, 30*time.Second); m.Error != nil {
		t.Errorf("hover after the changes: %s", m)
	}
	t.Logf("10 MB document: %d lines, open + 3 hovers + 2 changes + hover in %v", lines, time.Since(start).Round(time.Millisecond))
	p.shutdownAndExit()
}

func TestRobustBrokenFramingEndsTheConnection(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	for _, c := range []struct{ name, raw string }{
		{"bad Content-Length", "Content-Length: abc\r\n\r\n{}"},
		{"no Content-Length", "X-Nothing: 1\r\n\r\n{}"},
		{"absurd Content-Length", "Content-Length: 99999999999999999999\r\n\r\n{}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := robustStart(t, bin, robustConfig{})
			p.initialize(nil)
			if err := p.writeRaw([]byte(c.raw)); err != nil {
				t.Fatal(err)
			}
			// The stream cannot be resynchronised after a broken header: the
			// server ends, without hanging and without a panic.
			select {
			case <-p.exited:
			case <-time.After(3 * time.Second):
				t.Fatalf("server still running 3s after a broken header")
			}
		})
	}
}

func TestRobustStdinClosed(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	t.Run("after initialize", func(t *testing.T) {
		p := robustStart(t, bin, robustConfig{})
		p.initialize(nil)
		p.open("file:///play/a.st", "x := 1.\n")
		if err := p.stdin.Close(); err != nil {
			t.Fatal(err)
		}
		p.expectExit(0, time.Second)
	})
	t.Run("before anything", func(t *testing.T) {
		p := robustStart(t, bin, robustConfig{})
		if err := p.stdin.Close(); err != nil {
			t.Fatal(err)
		}
		p.expectExit(0, time.Second)
	})
	t.Run("in the middle of a frame", func(t *testing.T) {
		p := robustStart(t, bin, robustConfig{})
		p.initialize(nil)
		if err := p.writeRaw([]byte("Content-Length: 100\r\n\r\n{\"jsonrpc\":")); err != nil {
			t.Fatal(err)
		}
		if err := p.stdin.Close(); err != nil {
			t.Fatal(err)
		}
		p.expectExit(0, time.Second)
	})
}

// TestRobustEditorKilled kills the editor (a helper process holding the
// server's pipes) with SIGKILL and checks that the server ends too: its stdin
// reaches end of file. The server's stderr is a pipe the test reads, so its
// end of file tells that the server is gone without polling.
func TestRobustEditorKilled(t *testing.T) {
	if os.Getenv("STUI_E2E_EDITOR_HELPER") != "" {
		robustEditorHelper()
		return
	}
	bin := buildCommand(t, "stui-lsp")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	helper := exec.Command(os.Args[0], "-test.run=^TestRobustEditorKilled$")
	helper.Env = append(robustEnv(t), "STUI_E2E_EDITOR_HELPER="+bin)
	helper.ExtraFiles = []*os.File{w}
	helperOut, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	// The helper prints the server's pid once the server answered initialize.
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(helperOut).ReadString('\n')
		line <- s
	}()
	var pid int
	select {
	case s := <-line:
		if pid, err = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(s, "server pid "))); err != nil {
			t.Fatalf("helper said %q", s)
		}
	case <-time.After(20 * time.Second):
		_ = helper.Process.Kill()
		t.Fatal("helper did not start the server")
	}
	if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	logCh := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(r)
		logCh <- string(b)
	}()
	select {
	case log := <-logCh:
		robustCheckLog(t, log)
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("server (pid %d) still running 3s after its editor was killed", pid)
	}
}

// robustEditorHelper is the editor of TestRobustEditorKilled: it starts the
// server with stderr on fd 3, initializes, prints the server's pid and waits
// to be killed.
func robustEditorHelper() {
	bin := os.Getenv("STUI_E2E_EDITOR_HELPER")
	cmd := exec.Command(bin)
	cmd.Stderr = os.NewFile(3, "stderr-pipe")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		fmt.Println("start:", err)
		os.Exit(1)
	}
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`
	fmt.Fprintf(stdin, "Content-Length: %d\r\n\r\n%s", len(body), body)
	frames := jsonrpc2.NewHeaderStream(robustReadOnly{stdout}).(robustFrameReader)
	if _, _, err := frames.ReadFrame(context.Background()); err != nil {
		fmt.Println("read:", err)
		os.Exit(1)
	}
	fmt.Printf("server pid %d\n", cmd.Process.Pid)
	// Wait to be killed: that is the point of the test.
	time.Sleep(time.Hour)
}
