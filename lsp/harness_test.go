package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/internal/lsptest"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// fakeImage is a struct of funcs standing in for the image in unit tests.
// Commands without a handler answer UnsupportedOperation.
type fakeImage struct {
	mu       sync.Mutex
	handlers map[string]func(ctx context.Context, params json.RawMessage) (any, error)
	calls    []fakeCall
	closed   bool
}

type fakeCall struct {
	command string
	params  json.RawMessage
}

func newFakeImage() *fakeImage {
	img := &fakeImage{handlers: map[string]func(context.Context, json.RawMessage) (any, error){}}
	n := 0
	img.on(stuiproto.CmdPing, func(context.Context, json.RawMessage) (any, error) {
		return stuiproto.PingResult{Status: "ready", ProtocolVersion: stuiproto.Version, Dialect: "Pharo"}, nil
	})
	img.on(stuiproto.CmdCreateSession, func(_ context.Context, p json.RawMessage) (any, error) {
		img.mu.Lock()
		n++
		id := fmt.Sprintf("session_%d", n)
		img.mu.Unlock()
		return stuiproto.Session{SessionID: id, IsActive: true}, nil
	})
	return img
}

func (f *fakeImage) on(command string, h func(ctx context.Context, params json.RawMessage) (any, error)) {
	f.mu.Lock()
	f.handlers[command] = h
	f.mu.Unlock()
}

func (f *fakeImage) Call(ctx context.Context, command string, params, result any) error {
	raw, _ := json.Marshal(params)
	f.mu.Lock()
	h := f.handlers[command]
	f.calls = append(f.calls, fakeCall{command, raw})
	f.mu.Unlock()
	if h == nil {
		return &stuiproto.RemoteError{Command: command, Type: stuiproto.ErrUnsupportedOperation, Message: "no handler"}
	}
	res, err := h(ctx, raw)
	if err != nil {
		return err
	}
	data, _ := json.Marshal(res)
	if result == nil {
		return nil
	}
	return json.Unmarshal(data, result)
}

func (f *fakeImage) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	return nil
}

func (f *fakeImage) callsOf(command string) []json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []json.RawMessage
	for _, c := range f.calls {
		if c.command == command {
			out = append(out, c.params)
		}
	}
	return out
}

// editor is lsptest's scripted client talking to Serve over kernel pipes,
// with the server behind it for white-box checks. It keeps the edits and
// documents the server asked it to apply and show; everything else the server
// sends is the client's to record.
type editor struct {
	t      *testing.T
	client *lsptest.Client
	conn   jsonrpc2.Conn
	done   chan error
	srv    *server

	mu      sync.Mutex
	changed <-chan struct{}
	edits   []protocol.ApplyWorkspaceEditParams
	shown   []uri.URI
}

type editorOptions struct {
	initOptions map[string]any
	utf8        bool
	image       Image // nil: no image configured
	cacheDir    string
	folder      string // workspace folder; a fresh temporary one if empty
	// initialize changes the initialize params, e.g. to play another client.
	initialize func(*protocol.InitializeParams)
	cores      Cores // Options.Cores
}

func startEditor(t *testing.T, o editorOptions) *editor {
	t.Helper()
	a, b := osPipes(t)
	if o.cacheDir == "" {
		o.cacheDir = t.TempDir()
	}
	opts := Options{CacheDir: o.cacheDir, Endpoint: "tcp://127.0.0.1:1", EndpointSource: "test", Cores: o.cores}
	if o.image != nil {
		img := o.image
		opts.Dial = func(string) (Image, error) { return img, nil }
	}
	e := &editor{t: t, done: make(chan error, 1)}
	srv := make(chan *server, 1)
	opts.started = func(s *server) { srv <- s }
	go func() { e.done <- Serve(context.Background(), a, opts) }()
	e.client = lsptest.NewClient(t, b, lsptest.Options{WaitTimeout: 5 * time.Second, OnRequest: e.handle})
	e.conn, e.changed = e.client.Conn, e.client.Changed()
	e.srv = <-srv
	t.Cleanup(func() {
		_ = e.conn.Close()
		select {
		case <-e.done:
		case <-time.After(5 * time.Second):
			t.Error("server did not stop after the editor closed the stream")
		}
	})

	yes := true
	caps := protocol.ClientCapabilities{
		Workspace: &protocol.WorkspaceClientCapabilities{
			ApplyEdit: &yes,
			InlayHint: &protocol.InlayHintWorkspaceClientCapabilities{RefreshSupport: &yes},
		},
		Window:       &protocol.WindowClientCapabilities{ShowDocument: &protocol.ShowDocumentClientCapabilities{Support: true}},
		TextDocument: &protocol.TextDocumentClientCapabilities{Hover: &protocol.HoverClientCapabilities{ContentFormat: []protocol.MarkupKind{protocol.MarkupKindMarkdown}}},
	}
	if o.utf8 {
		caps.General = &protocol.GeneralClientCapabilities{PositionEncodings: []protocol.PositionEncodingKind{protocol.PositionEncodingKindUTF8, protocol.PositionEncodingKindUTF16}}
	}
	params := &protocol.InitializeParams{Capabilities: caps}
	if o.folder == "" {
		o.folder = t.TempDir()
	}
	root := uri.File(o.folder)
	params.WorkspaceFolders = protocol.NewNullable([]protocol.WorkspaceFolder{{URI: root, Name: "ws"}})
	if o.initOptions != nil {
		params.InitializationOptions, _ = json.Marshal(o.initOptions)
	}
	if o.initialize != nil {
		o.initialize(params)
	}
	var res protocol.InitializeResult
	if err := e.call("initialize", params, &res); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if err := e.conn.Notify(context.Background(), "initialized", &protocol.InitializedParams{}); err != nil {
		t.Fatal(err)
	}
	return e
}

// handle answers the requests whose effect a test looks at.
func (e *editor) handle(method string, params json.RawMessage) (any, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch method {
	case protocol.MethodWorkspaceApplyEdit:
		var p protocol.ApplyWorkspaceEditParams
		if err := protocol.Unmarshal(params, &p); err != nil {
			return nil, true, err
		}
		e.edits = append(e.edits, p)
		return &protocol.ApplyWorkspaceEditResult{Applied: true}, true, nil
	case protocol.MethodWindowShowDocument:
		var p protocol.ShowDocumentParams
		_ = protocol.Unmarshal(params, &p)
		e.shown = append(e.shown, p.URI)
		return &protocol.ShowDocumentResult{Success: true}, true, nil
	case protocol.MethodWorkspaceConfiguration:
		return []any{nil}, true, nil
	}
	return nil, false, nil
}

func (e *editor) call(method string, params, result any) error {
	return e.client.Call(method, params, result)
}

// waitFor waits until the server pushed a message of method matching pred.
func (e *editor) waitFor(method string, pred func(json.RawMessage) bool) json.RawMessage {
	e.t.Helper()
	return e.client.WaitFor(method, pred)
}

func (e *editor) pushedOf(method string) []json.RawMessage {
	return e.client.Pushed(method)
}

// diagnostics waits for diagnostics of u whose list satisfies pred.
func (e *editor) diagnostics(u uri.URI, pred func([]protocol.Diagnostic) bool) []protocol.Diagnostic {
	e.t.Helper()
	var out []protocol.Diagnostic
	e.waitFor(protocol.MethodTextDocumentPublishDiagnostics, func(raw json.RawMessage) bool {
		var p protocol.PublishDiagnosticsParams
		if protocol.Unmarshal(raw, &p) != nil || p.URI != u {
			return false
		}
		if pred(p.Diagnostics) {
			out = p.Diagnostics
			return true
		}
		return false
	})
	return out
}

func (e *editor) open(name, text string) uri.URI {
	e.t.Helper()
	u := uri.File("/ws/" + name)
	err := e.conn.Notify(context.Background(), "textDocument/didOpen", &protocol.DidOpenTextDocumentParams{
		TextDocument: protocol.TextDocumentItem{URI: u, LanguageID: "smalltalk", Version: 1, Text: text},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *editor) executeCommand(command string, args any, result any) error {
	return e.client.ExecuteCommand(command, args, result)
}

// osPipes connects two ends with kernel pipes, as an editor and a server on
// stdio are: writes are buffered, so both sides may write at once (net.Pipe
// would deadlock where real stdio does not).
func osPipes(t *testing.T) (io.ReadWriteCloser, io.ReadWriteCloser) {
	t.Helper()
	r1, w1, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r2, w2, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	return pipeEnd{r1, w2}, pipeEnd{r2, w1}
}

type pipeEnd struct {
	r *os.File
	w *os.File
}

func (p pipeEnd) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p pipeEnd) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p pipeEnd) Close() error {
	p.w.Close()
	return p.r.Close()
}

// markers removes ⟦name⟧ markers from src and returns the text and the
// UTF-16 position of each marker, counted by lsptest independently of the
// server's position converter.
func markers(src string) (string, map[string]protocol.Position) {
	return lsptest.Markers(src)
}
