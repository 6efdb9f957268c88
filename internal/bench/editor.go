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
)

// editor drives one stui-lsp process over its stdin and stdout as an editor
// does: Content-Length framing, many requests in flight, answers to the
// server's own requests. It decodes only the envelope of each reply, so that
// the bench measures the server, not a heavy client.
type editor struct {
	cmd    *exec.Cmd
	log    *tail // the end of the server's log (stderr)
	pid    int
	folder string

	wmu sync.Mutex
	w   io.WriteCloser

	mu      sync.Mutex
	pending map[int64]chan response
	nextID  atomic.Int64
	readErr error
	done    chan struct{}

	profiling bool

	connected     chan struct{} // closed when the server reports the image connected
	connectedOnce sync.Once

	// started is when the process was started; initialized when the
	// initialize reply arrived.
	started, initialized time.Time
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
func startEditor(ctx context.Context, exe, endpoint, folder, cacheDir, profile string, env []string) (*editor, error) {
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "STUI_ENDPOINT="+endpoint, "XDG_CACHE_HOME="+cacheDir, "STUI_TOKEN=", "STUI_LSP_CPUPROFILE="+profile)
	cmd.Env = append(cmd.Env, env...)
	log := &tail{max: 8 << 10}
	cmd.Stderr = log
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	e := &editor{cmd: cmd, log: log, folder: folder, w: stdin, pending: map[int64]chan response{}, done: make(chan struct{}), connected: make(chan struct{}), profiling: profile != ""}
	e.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e.pid = cmd.Process.Pid
	go e.read(bufio.NewReaderSize(stdout, 64<<10))

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
	return e, nil
}

// initializeLatency is the time from starting the process to the
// initialize reply.
func (e *editor) initializeLatency() time.Duration { return e.initialized.Sub(e.started) }

func (e *editor) write(msg any) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	frame := make([]byte, 0, len(body)+32)
	frame = append(frame, "Content-Length: "...)
	frame = strconv.AppendInt(frame, int64(len(body)), 10)
	frame = append(frame, "\r\n\r\n"...)
	frame = append(frame, body...)
	e.wmu.Lock()
	defer e.wmu.Unlock()
	_, err = e.w.Write(frame)
	return err
}

func (e *editor) notify(method string, params any) error {
	return e.write(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

// call sends a request and waits for its reply.
func (e *editor) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	id := e.nextID.Add(1)
	ch := make(chan response, 1)
	e.mu.Lock()
	if e.readErr != nil {
		err := e.readErr
		e.mu.Unlock()
		return nil, err
	}
	e.pending[id] = ch
	e.mu.Unlock()
	if err := e.write(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params}); err != nil {
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

func (e *editor) read(r *bufio.Reader) {
	err := e.readLoop(r)
	e.mu.Lock()
	e.readErr = err
	e.mu.Unlock()
	close(e.done)
}

func (e *editor) readLoop(r *bufio.Reader) error {
	var body []byte
	for {
		n := -1
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return err
			}
			line = bytes.TrimRight(line, "\r\n")
			if len(line) == 0 {
				break
			}
			if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(bytes.TrimSpace(k), []byte("Content-Length")) {
				if n, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
					return fmt.Errorf("bad Content-Length %q", v)
				}
			}
		}
		if n < 0 {
			return errors.New("a message without Content-Length")
		}
		if cap(body) < n {
			body = make([]byte, n)
		}
		body = body[:n]
		if _, err := io.ReadFull(r, body); err != nil {
			return err
		}
		var env envelope
		if err := json.Unmarshal(body, &env); err != nil {
			return fmt.Errorf("reply is not JSON: %w", err)
		}
		switch {
		case env.Method != "" && len(env.ID) > 0:
			// The server asks something (configuration, progress, refresh).
			var result any
			if env.Method == "workspace/configuration" {
				result = []any{nil}
			}
			go e.write(map[string]any{"jsonrpc": "2.0", "id": env.ID, "result": result})
		case env.Method != "":
			// A notification: log messages, diagnostics. Not measured.
			if env.Method == "window/logMessage" && bytes.Contains(body, []byte("image connected")) {
				e.connectedOnce.Do(func() { close(e.connected) })
			}
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
	return e.call(ctx, "textDocument/hover", map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"position":     map[string]any{"line": line, "character": char},
	})
}

func (e *editor) evaluate(ctx context.Context, code string) (json.RawMessage, error) {
	return e.call(ctx, "workspace/executeCommand", map[string]any{
		"command":   "stui.evaluate",
		"arguments": []any{map[string]any{"code": code}},
	})
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
