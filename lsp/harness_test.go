package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

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

// editor is a scripted LSP client talking to Serve over a pipe. It records
// what the server pushes and answers the server's own requests.
type editor struct {
	t    *testing.T
	conn jsonrpc2.Conn
	done chan error
	srv  *server

	mu      sync.Mutex
	pushed  []pushed
	changed chan struct{}
	edits   []protocol.ApplyWorkspaceEditParams
	shown   []uri.URI
}

type pushed struct {
	method string
	params json.RawMessage
}

type editorOptions struct {
	initOptions map[string]any
	utf8        bool
	image       Image // nil: no image configured
	cacheDir    string
	folder      string // workspace folder; a fresh temporary one if empty
	// initialize changes the initialize params, e.g. to play another client.
	initialize func(*protocol.InitializeParams)
}

func startEditor(t *testing.T, o editorOptions) *editor {
	t.Helper()
	a, b := osPipes(t)
	if o.cacheDir == "" {
		o.cacheDir = t.TempDir()
	}
	opts := Options{CacheDir: o.cacheDir, Endpoint: "tcp://127.0.0.1:1", EndpointSource: "test"}
	if o.image != nil {
		img := o.image
		opts.Dial = func(string) (Image, error) { return img, nil }
	}
	e := &editor{t: t, done: make(chan error, 1), changed: make(chan struct{}, 1)}
	srv := make(chan *server, 1)
	opts.started = func(s *server) { srv <- s }
	go func() { e.done <- Serve(context.Background(), a, opts) }()
	e.conn = jsonrpc2.NewConn(jsonrpc2.NewHeaderStream(b), jsonrpc2.WithCodec(lspCodec{}))
	e.conn.Go(context.Background(), e.handle)
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

func (e *editor) handle(ctx context.Context, req *jsonrpc2.Request) (any, error) {
	method := strings.Clone(req.Method())
	params := append(json.RawMessage(nil), req.Params()...)
	e.mu.Lock()
	defer func() {
		e.mu.Unlock()
		select {
		case e.changed <- struct{}{}:
		default:
		}
	}()
	switch method {
	case protocol.MethodWorkspaceApplyEdit:
		var p protocol.ApplyWorkspaceEditParams
		if err := protocol.Unmarshal(params, &p); err != nil {
			return nil, err
		}
		e.edits = append(e.edits, p)
		return &protocol.ApplyWorkspaceEditResult{Applied: true}, nil
	case protocol.MethodWindowShowDocument:
		var p protocol.ShowDocumentParams
		_ = protocol.Unmarshal(params, &p)
		e.shown = append(e.shown, p.URI)
		return &protocol.ShowDocumentResult{Success: true}, nil
	case protocol.MethodWorkspaceConfiguration:
		return []any{nil}, nil
	}
	e.pushed = append(e.pushed, pushed{method, params})
	if req.IsCall() {
		return nil, nil
	}
	return nil, nil
}

func (e *editor) call(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := e.conn.Call(ctx, method, params, result)
	return err
}

// waitFor waits until the server pushed a message of method matching pred.
func (e *editor) waitFor(method string, pred func(json.RawMessage) bool) json.RawMessage {
	e.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		e.mu.Lock()
		for _, p := range e.pushed {
			if p.method == method && (pred == nil || pred(p.params)) {
				e.mu.Unlock()
				return p.params
			}
		}
		e.mu.Unlock()
		select {
		case <-e.changed:
		case <-deadline:
			e.t.Fatalf("no %s arrived matching the test", method)
			return nil
		}
	}
}

func (e *editor) pushedOf(method string) []json.RawMessage {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []json.RawMessage
	for _, p := range e.pushed {
		if p.method == method {
			out = append(out, p.params)
		}
	}
	return out
}

// latestDiagnostics waits for diagnostics of u whose list satisfies pred.
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
	raw, _ := json.Marshal(args)
	return e.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: command, Arguments: []protocol.LSPAny{raw}}, result)
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

var markerPattern = regexp.MustCompile(`⟦(\w+)⟧`)

// markers removes ⟦name⟧ markers from src and returns the text and the
// UTF-16 position of each marker, so tests need no hand-counted columns.
func markers(src string) (string, map[string]protocol.Position) {
	offsets := map[string]int{}
	text := ""
	last := 0
	for _, m := range markerPattern.FindAllStringSubmatchIndex(src, -1) {
		text += src[last:m[0]]
		offsets[src[m[2]:m[3]]] = len(text)
		last = m[1]
	}
	text += src[last:]
	ix := newLineIndex(text)
	out := map[string]protocol.Position{}
	names := make([]string, 0, len(offsets))
	for name := range offsets {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		out[name] = ix.position(offsets[name], encodingUTF16)
	}
	return text, out
}
