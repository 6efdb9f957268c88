package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
)

// editor drives one stui-lsp process over its stdin and stdout as an editor
// does: Content-Length framing, answers to the server's own requests. It
// decodes only the envelope of each reply, so that the bench measures the
// server, not a heavy client.
//
// It works in one of two ways. Concurrent (the default): a reader goroutine
// takes every message and hands each reply to its caller, so that many
// requests can be in flight. Inline: the caller writes its request and reads
// until its reply, on its own goroutine, one request at a time; that is how
// the latency measure works, because it is how the raw ZeroMQ baseline and
// the stdio baseline are measured, so all three carry the same client cost.
type editor struct {
	cmd    *exec.Cmd
	log    *tail // the end of the server's log (stderr)
	pid    int
	folder string

	wmu sync.Mutex
	w   io.WriteCloser

	inline bool
	imu    sync.Mutex // one inline call at a time
	r      *bufio.Reader
	rfile  *os.File // the server's stdout, for read deadlines
	body   []byte   // the last message read inline

	mu      sync.Mutex
	pending map[int64]chan response
	nextID  atomic.Int64
	readErr error
	done    chan struct{}

	profiling bool

	connected     chan struct{} // closed when the server reports the image connected
	connectedOnce sync.Once
	indexed       chan struct{} // closed when the server reports the workspace indexed
	indexedOnce   sync.Once
	indexedAt     time.Time

	// started is when the process was started; initialized when the
	// initialize reply arrived.
	started, initialized time.Time
	// initializedSent is when the initialized notification was written.
	initializedSent time.Time
}

type response struct {
	result json.RawMessage
	err    *rpcError
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("LSP error %d: %s", e.Code, e.Message) }

// startEditor starts the language server binary exe with no arguments, as
// editors run it, and initializes it against endpoint. folder is the
// workspace folder; cacheDir becomes XDG_CACHE_HOME so the sessions the
// server remembers stay out of the user's cache.
func startEditor(ctx context.Context, exe string, args []string, endpoint, folder, cacheDir, profile string, env []string, inline bool) (*editor, error) {
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "STUI_ENDPOINT="+endpoint, "XDG_CACHE_HOME="+cacheDir, "STUI_TOKEN=", "STUI_LSP_CPUPROFILE="+profile)
	cmd.Env = append(cmd.Env, env...)
	log := &tail{max: 8 << 10}
	cmd.Stderr = log
	stdin, stdout, err := stdioPipes(cmd)
	if err != nil {
		return nil, err
	}
	e := &editor{cmd: cmd, log: log, folder: folder, w: stdin, pending: map[int64]chan response{}, done: make(chan struct{}), connected: make(chan struct{}), indexed: make(chan struct{}), profiling: profile != ""}
	e.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e.pid = cmd.Process.Pid
	e.r = bufio.NewReaderSize(stdout, 64<<10)
	if f, ok := stdout.(*os.File); ok && inline {
		e.inline, e.rfile = true, f
	} else {
		go e.read()
	}

	root := "file://" + folder
	init := map[string]any{
		"processId":  os.Getpid(),
		"clientInfo": map[string]any{"name": "stui-lsp bench"},
		"rootUri":    root,
		"capabilities": map[string]any{
			"general":      map[string]any{"positionEncodings": []string{"utf-8", "utf-16"}},
			"textDocument": map[string]any{"hover": map[string]any{"contentFormat": []string{"markdown"}}},
		},
		"workspaceFolders":      []map[string]any{{"uri": root, "name": "bench"}},
		"initializationOptions": map[string]any{"endpoint": endpoint},
	}
	if _, err := e.call(ctx, "initialize", init); err != nil {
		e.kill()
		return nil, fmt.Errorf("initialize: %w", err)
	}
	e.initialized = time.Now()
	if err := e.notify("initialized", map[string]any{}); err != nil {
		e.kill()
		return nil, err
	}
	e.initializedSent = time.Now()
	return e, nil
}

// initializeLatency is the time from starting the process to the
// initialize reply.
func (e *editor) initializeLatency() time.Duration { return e.initialized.Sub(e.started) }

// message frames a JSON-RPC message. id is the request id, or, as a string,
// the id of a server request being answered; nil for a notification. body
// is the params, or the result of an answer, already encoded or not.
func message(id any, method string, body any) ([]byte, error) {
	raw, ok := body.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	msg := make([]byte, 0, len(raw)+96)
	msg = append(msg, `{"jsonrpc":"2.0"`...)
	switch id := id.(type) {
	case int64:
		msg = append(msg, `,"id":`...)
		msg = strconv.AppendInt(msg, id, 10)
	case json.RawMessage:
		msg = append(msg, `,"id":`...)
		msg = append(msg, id...)
	}
	if method != "" {
		msg = append(msg, `,"method":`...)
		msg = strconv.AppendQuote(msg, method)
		msg = append(msg, `,"params":`...)
	} else {
		msg = append(msg, `,"result":`...)
	}
	msg = append(msg, raw...)
	msg = append(msg, '}')
	frame := make([]byte, 0, len(msg)+32)
	frame = append(frame, "Content-Length: "...)
	frame = strconv.AppendInt(frame, int64(len(msg)), 10)
	frame = append(frame, "\r\n\r\n"...)
	return append(frame, msg...), nil
}

func (e *editor) write(frame []byte) error {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	_, err := e.w.Write(frame)
	return err
}

func (e *editor) notify(method string, params any) error {
	frame, err := message(nil, method, params)
	if err != nil {
		return err
	}
	return e.write(frame)
}

// answer replies to a request from the server.
func (e *editor) answer(id json.RawMessage, result any) error {
	frame, err := message(id, "", result)
	if err != nil {
		return err
	}
	return e.write(frame)
}

// call sends a request and waits for its reply. params may be encoded
// already (json.RawMessage), which keeps encoding out of a measured loop.
func (e *editor) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	if e.inline {
		return e.callInline(ctx, method, params)
	}
	id := e.nextID.Add(1)
	frame, err := message(id, method, params)
	if err != nil {
		return nil, err
	}
	ch := make(chan response, 1)
	e.mu.Lock()
	if e.readErr != nil {
		err := e.readErr
		e.mu.Unlock()
		return nil, err
	}
	e.pending[id] = ch
	e.mu.Unlock()
	if err := e.write(frame); err != nil {
		e.forget(id)
		return nil, err
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, r.err
		}
		return r.result, nil
	case <-e.done:
		e.forget(id)
		return nil, fmt.Errorf("%s: the server stopped: %w", method, e.err())
	case <-ctx.Done():
		e.forget(id)
		_ = e.notify("$/cancelRequest", map[string]any{"id": id})
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

func (e *editor) forget(id int64) {
	e.mu.Lock()
	delete(e.pending, id)
	e.mu.Unlock()
}

func (e *editor) err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.readErr
}

// envelope is what the reader decodes of every message.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
}

func (e *editor) read() {
	err := e.readLoop()
	e.mu.Lock()
	e.readErr = err
	e.mu.Unlock()
	close(e.done)
}

// readMessage reads the next message into e.body and decodes its envelope.
// It decodes as fast as the editors do (V8's JSON.parse, lua-cjson,
// serde_json), with the reference implementation of encoding/json/v2:
// encoding/json reads a reply of numbers at about 70 MB/s, so that the
// 133 KB of semantic tokens of Pharo's Morph took the bench's editor about
// 2 ms to decode, charged to the server's figure, where v2 takes a third of
// that. It checks as much: the whole message must be valid JSON.
func (e *editor) readMessage() (envelope, error) {
	var env envelope
	body, err := readFrame(e.r, e.body)
	if err != nil {
		return env, err
	}
	e.body = body
	if err := jsonv2.Unmarshal(e.body, &env); err != nil {
		return env, fmt.Errorf("reply is not JSON: %w", err)
	}
	return env, nil
}

// serverMessage deals with a request or notification from the server and
// reports whether env was one.
func (e *editor) serverMessage(env envelope, answerLater bool) bool {
	switch {
	case env.Method != "" && len(env.ID) > 0:
		// The server asks something (configuration, progress, refresh).
		var result any
		if env.Method == "workspace/configuration" {
			result = []any{nil}
		}
		if answerLater {
			go e.answer(env.ID, result)
		} else {
			_ = e.answer(env.ID, result)
		}
		return true
	case env.Method != "":
		// A notification: log messages, diagnostics. Not measured.
		if env.Method == "window/logMessage" && bytes.Contains(e.body, []byte("image connected")) {
			e.connectedOnce.Do(func() { close(e.connected) })
		}
		if env.Method == "window/logMessage" && bytes.Contains(e.body, []byte("indexed workspace")) {
			e.indexedOnce.Do(func() { e.indexedAt = time.Now(); close(e.indexed) })
		}
		return true
	}
	return false
}

// callInline writes a request and reads until its reply, on the caller's
// goroutine.
func (e *editor) callInline(ctx context.Context, method string, params any) (json.RawMessage, error) {
	e.imu.Lock()
	defer e.imu.Unlock()
	id := e.nextID.Add(1)
	frame, err := message(id, method, params)
	if err != nil {
		return nil, err
	}
	if err := e.write(frame); err != nil {
		return nil, err
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	_ = e.rfile.SetReadDeadline(deadline)
	want := strconv.FormatInt(id, 10)
	for {
		env, err := e.readMessage()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				_ = e.notify("$/cancelRequest", map[string]any{"id": id})
				return nil, fmt.Errorf("%s: no reply by %s", method, deadline.Format(time.TimeOnly))
			}
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		if e.serverMessage(env, false) || string(env.ID) != want {
			continue
		}
		if env.Error != nil {
			return nil, env.Error
		}
		return bytes.Clone(env.Result), nil
	}
}

func (e *editor) readLoop() error {
	for {
		env, err := e.readMessage()
		if err != nil {
			return err
		}
		switch {
		case e.serverMessage(env, true):
		default:
			id, err := strconv.ParseInt(string(env.ID), 10, 64)
			if err != nil {
				continue
			}
			e.mu.Lock()
			ch := e.pending[id]
			delete(e.pending, id)
			e.mu.Unlock()
			if ch != nil {
				// The reader reuses body: the result must be copied.
				ch <- response{result: bytes.Clone(env.Result), err: env.Error}
			}
		}
	}
}

// waitConnected waits until the server has reported the image connected,
// or d has passed.
func (e *editor) waitConnected(d time.Duration) bool {
	if e.inline {
		e.imu.Lock()
		defer e.imu.Unlock()
		_ = e.rfile.SetReadDeadline(time.Now().Add(d))
		for {
			select {
			case <-e.connected:
				return true
			default:
			}
			env, err := e.readMessage()
			if err != nil {
				return false
			}
			e.serverMessage(env, false)
		}
	}
	select {
	case <-e.connected:
		return true
	case <-time.After(d):
		return false
	}
}

// open sends didOpen for a document of the workspace folder.
func (e *editor) open(name, text string) (string, error) {
	uri := "file://" + filepath.Join(e.folder, name)
	return uri, e.notify("textDocument/didOpen", map[string]any{
		"textDocument": map[string]any{"uri": uri, "languageId": "smalltalk", "version": 1, "text": text},
	})
}

func (e *editor) hover(ctx context.Context, uri string, line, char int) (json.RawMessage, error) {
	return e.call(ctx, "textDocument/hover", hoverParams(uri, line, char))
}

func hoverParams(uri string, line, char int) json.RawMessage {
	p, _ := json.Marshal(map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"position":     map[string]any{"line": line, "character": char},
	})
	return p
}

func (e *editor) evaluate(ctx context.Context, code string) (json.RawMessage, error) {
	return e.call(ctx, "workspace/executeCommand", evaluateParams(code))
}

func evaluateParams(code string) json.RawMessage {
	p, _ := json.Marshal(map[string]any{
		"command":   "stui.evaluate",
		"arguments": []any{map[string]any{"code": code}},
	})
	return p
}

// close shuts the server down as an editor does (shutdown, exit) and waits
// for the process, killing it if it lingers.
func (e *editor) close() error {
	if e.profiling {
		// Let the server write its CPU profile (see cmd/stui-lsp/bench.go).
		_ = e.cmd.Process.Signal(syscall.SIGUSR2)
		time.Sleep(300 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := e.call(ctx, "shutdown", nil)
	if err == nil {
		_ = e.notify("exit", nil)
	}
	_ = e.w.Close()
	waited := make(chan error, 1)
	go func() { waited <- e.cmd.Wait() }()
	select {
	case werr := <-waited:
		if err == nil && werr != nil {
			err = fmt.Errorf("stui-lsp exited: %w", werr)
		}
	case <-time.After(5 * time.Second):
		e.kill()
		<-waited
		if err == nil {
			err = errors.New("stui-lsp did not exit after shutdown and exit")
		}
	}
	return err
}

func (e *editor) kill() {
	_ = e.cmd.Process.Kill()
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// pipeline keeps inflight requests of method with params outstanding on an
// inline editor for d, on the calling goroutine, the way the raw DEALER keeps
// its evaluations outstanding: it writes inflight requests, then writes the
// next one as each reply comes in, until d has passed and every reply is in.
// Each request is written on its own, as an editor writes it; each reply is
// read whole, matched to a request in flight and given to check, as an
// editor reads and uses it. It returns how many replies came, and in what
// time. A reply that is an error or fails check ends it with that error.
func (e *editor) pipeline(ctx context.Context, method string, params json.RawMessage, inflight int, d time.Duration, check func(json.RawMessage) error) (int, time.Duration, error) {
	if !e.inline {
		return 0, 0, errors.New("pipeline needs an inline editor")
	}
	e.imu.Lock()
	defer e.imu.Unlock()
	start := time.Now()
	end := start.Add(d)
	_ = e.rfile.SetReadDeadline(end.Add(30 * time.Second))
	waiting := make(map[int64]bool, inflight)
	send := func() error {
		id := e.nextID.Add(1)
		frame, err := message(id, method, params)
		if err != nil {
			return err
		}
		waiting[id] = true
		return e.write(frame)
	}
	for range inflight {
		if err := send(); err != nil {
			return 0, 0, err
		}
	}
	n := 0
	for len(waiting) > 0 {
		if err := ctx.Err(); err != nil {
			return n, 0, err
		}
		env, err := e.readMessage()
		if err != nil {
			return n, 0, fmt.Errorf("%s: %w", method, err)
		}
		if e.serverMessage(env, false) {
			continue
		}
		id, err := strconv.ParseInt(string(env.ID), 10, 64)
		if err != nil || !waiting[id] {
			return n, 0, fmt.Errorf("%s: a reply to no request in flight: %s", method, e.body)
		}
		delete(waiting, id)
		if env.Error != nil {
			return n, 0, fmt.Errorf("%s: %w", method, env.Error)
		}
		if err := check(env.Result); err != nil {
			return n, 0, err
		}
		n++
		if time.Now().Before(end) {
			if err := send(); err != nil {
				return n, 0, err
			}
		}
	}
	return n, time.Since(start), nil
}
