// Package lsptest is the scripted LSP client the tests drive the server with,
// in process (lsp's tests, over kernel pipes) or as a child process (the
// end-to-end tests, over its stdin and stdout): it records what the server
// pushes, answers the server's own requests as an editor would, and finds
// the positions of ⟦name⟧ markers in test sources on its own.
package lsptest

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// Message is one message the server sent the client: a notification, or a
// request the client answered.
type Message struct {
	Method string
	Params json.RawMessage
}

// Options tune a Client.
type Options struct {
	// CallTimeout bounds each Call; 10 seconds when zero.
	CallTimeout time.Duration
	// WaitTimeout bounds WaitFor and LatestDiagnostics; 15 seconds when zero.
	WaitTimeout time.Duration
	// OnRequest, when set, sees every message the server sends before the
	// client answers it; handled true makes its result the answer.
	OnRequest func(method string, params json.RawMessage) (result any, handled bool, err error)
}

// Client is a scripted editor on one connection to the server.
type Client struct {
	t    testing.TB
	opts Options
	// Conn is the connection, for what the helpers do not cover.
	Conn jsonrpc2.Conn

	mu      sync.Mutex
	pushed  []Message
	changed chan struct{}
}

// NewClient starts a client on rwc (LSP base-protocol framing). Close the
// connection with Conn.Close, or let the test's cleanup of the other end do
// it.
func NewClient(t testing.TB, rwc io.ReadWriteCloser, opts Options) *Client {
	if opts.CallTimeout == 0 {
		opts.CallTimeout = 10 * time.Second
	}
	if opts.WaitTimeout == 0 {
		opts.WaitTimeout = 15 * time.Second
	}
	c := &Client{t: t, opts: opts, changed: make(chan struct{}, 1)}
	c.Conn = jsonrpc2.NewConn(jsonrpc2.NewHeaderStream(rwc), jsonrpc2.WithCodec(Codec{}))
	c.Conn.Go(context.Background(), c.handle)
	return c
}

func (c *Client) handle(_ context.Context, req *jsonrpc2.Request) (any, error) {
	method := strings.Clone(req.Method())
	params := append(json.RawMessage(nil), req.Params()...)
	defer c.signal()
	if c.opts.OnRequest != nil {
		if res, handled, err := c.opts.OnRequest(method, params); handled {
			return res, err
		}
	}
	c.mu.Lock()
	c.pushed = append(c.pushed, Message{method, params})
	c.mu.Unlock()
	switch method {
	case protocol.MethodWorkspaceConfiguration:
		return []any{nil}, nil
	case protocol.MethodWorkspaceApplyEdit:
		return &protocol.ApplyWorkspaceEditResult{Applied: true}, nil
	case protocol.MethodWindowShowDocument:
		return &protocol.ShowDocumentResult{Success: true}, nil
	}
	return nil, nil
}

// Changed receives a value after the server sent a message, at most one
// waiting; waiters also look again now and then, so two waiters do not miss
// each other's wake-up.
func (c *Client) Changed() <-chan struct{} { return c.changed }

func (c *Client) signal() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// Initialize sends initialize with params, then initialized.
func (c *Client) Initialize(params *protocol.InitializeParams) *protocol.InitializeResult {
	c.t.Helper()
	var res protocol.InitializeResult
	if err := c.Call("initialize", params, &res); err != nil {
		c.t.Fatalf("initialize: %v", err)
	}
	c.Notify("initialized", &protocol.InitializedParams{})
	return &res
}

// Call sends a request and decodes its result into result (nil to ignore it).
func (c *Client) Call(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.CallTimeout)
	defer cancel()
	_, err := c.Conn.Call(ctx, method, params, result)
	return err
}

// Must is Call failing the test on an error.
func (c *Client) Must(method string, params, result any) {
	c.t.Helper()
	if err := c.Call(method, params, result); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

// Notify sends a notification, failing the test if it cannot be written.
func (c *Client) Notify(method string, params any) {
	c.t.Helper()
	if err := c.Conn.Notify(context.Background(), method, params); err != nil {
		c.t.Fatal(err)
	}
}

// Open opens a Smalltalk document.
func (c *Client) Open(u uri.URI, text string) {
	c.t.Helper()
	c.Notify("textDocument/didOpen", &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: u, LanguageID: "smalltalk", Version: 1, Text: text}})
}

// ExecuteCommand runs a workspace/executeCommand with one object argument.
func (c *Client) ExecuteCommand(command string, args, result any) error {
	raw, _ := json.Marshal(args)
	return c.Call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: command, Arguments: []protocol.LSPAny{raw}}, result)
}

// Pushed returns the params of every message of method the server sent so
// far, in order (all of them for "").
func (c *Client) Pushed(method string) []json.RawMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []json.RawMessage
	for _, m := range c.pushed {
		if method == "" || m.Method == method {
			out = append(out, m.Params)
		}
	}
	return out
}

// WaitFor waits until the server has sent a message of method matching pred
// (any, when pred is nil) and returns its params.
func (c *Client) WaitFor(method string, pred func(json.RawMessage) bool) json.RawMessage {
	c.t.Helper()
	deadline := time.After(c.opts.WaitTimeout)
	for {
		for _, p := range c.Pushed(method) {
			if pred == nil || pred(p) {
				return p
			}
		}
		select {
		case <-c.changed:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			c.t.Fatalf("no %s arrived matching the test", method)
			return nil
		}
	}
}

// LatestDiagnostics waits until the latest diagnostics published for u
// satisfy pred, and returns them.
func (c *Client) LatestDiagnostics(u uri.URI, pred func([]protocol.Diagnostic) bool) []protocol.Diagnostic {
	c.t.Helper()
	deadline := time.After(c.opts.WaitTimeout)
	var last []protocol.Diagnostic
	for {
		found := false
		for _, raw := range c.Pushed(protocol.MethodTextDocumentPublishDiagnostics) {
			var p protocol.PublishDiagnosticsParams
			if protocol.Unmarshal(raw, &p) == nil && p.URI == u {
				last, found = p.Diagnostics, true
			}
		}
		if found && pred(last) {
			return last
		}
		select {
		case <-c.changed:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			c.t.Fatalf("the latest diagnostics of %s never matched: %+v", u, last)
			return nil
		}
	}
}

// Codec is the protocol package's union-aware codec (encoding/json cannot
// decode the protocol's sealed-interface unions), passing raw messages
// through.
type Codec struct{}

func (Codec) Marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case jsonrpc2.RawMessage:
		if m == nil {
			return []byte("null"), nil
		}
		return m, nil
	case *jsonrpc2.RawMessage:
		if m == nil || *m == nil {
			return []byte("null"), nil
		}
		return *m, nil
	}
	return protocol.Marshal(v)
}

func (Codec) Unmarshal(data []byte, v any) error {
	if p, ok := v.(*jsonrpc2.RawMessage); ok {
		*p = append((*p)[:0], data...)
		return nil
	}
	return protocol.Unmarshal(data, v)
}

// Pipes connects two ends with kernel pipes, as an editor and a server on
// stdio are: writes are buffered, so both sides may write at once (net.Pipe
// would deadlock where real stdio does not).
func Pipes(t testing.TB) (server, client io.ReadWriteCloser) {
	t.Helper()
	r1, w1, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r2, w2, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	return Stream{r1, w2}, Stream{r2, w1}
}

// Stream joins a reader and a writer into one connection end; Close closes
// both.
type Stream struct {
	R io.ReadCloser
	W io.WriteCloser
}

func (s Stream) Read(b []byte) (int, error)  { return s.R.Read(b) }
func (s Stream) Write(b []byte) (int, error) { return s.W.Write(b) }
func (s Stream) Close() error {
	s.W.Close()
	return s.R.Close()
}
