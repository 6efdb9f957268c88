package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func TestRequestBeforeInitializeIsRefused(t *testing.T) {
	a, b := osPipes(t)
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), a, Options{CacheDir: t.TempDir()}) }()
	conn := jsonrpc2.NewConn(jsonrpc2.NewHeaderStream(b), jsonrpc2.WithCodec(lspCodec{}))
	conn.Go(context.Background(), jsonrpc2.MethodNotFoundHandler)
	defer conn.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := conn.Call(ctx, "textDocument/hover", map[string]any{}, nil)
	var rpcErr *jsonrpc2.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc2.ServerNotInitialized {
		t.Fatalf("hover before initialize: got %v, want ServerNotInitialized", err)
	}
	// The connection is still usable: initialize works afterwards.
	var res protocol.InitializeResult
	if _, err := conn.Call(ctx, "initialize", &protocol.InitializeParams{}, &res); err != nil {
		t.Fatalf("initialize after a refused request: %v", err)
	}
	if res.ServerInfo.Name != "stui-lsp" {
		t.Errorf("serverInfo.name = %q", res.ServerInfo.Name)
	}
}

func TestUnknownMethodsAndNotifications(t *testing.T) {
	e := startEditor(t, editorOptions{})
	// An unknown notification must not end the connection.
	if err := e.conn.Notify(context.Background(), "$/somethingNew", map[string]any{"x": 1}); err != nil {
		t.Fatal(err)
	}
	err := e.call("custom/unknown", map[string]any{}, nil)
	var rpcErr *jsonrpc2.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc2.MethodNotFound {
		t.Fatalf("unknown request: got %v, want MethodNotFound", err)
	}
	if err := e.call("shutdown", nil, nil); err != nil {
		t.Fatalf("shutdown after unknown messages: %v", err)
	}
	err = e.call("textDocument/hover", &protocol.HoverParams{}, nil)
	if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc2.InvalidRequest {
		t.Fatalf("request after shutdown: got %v, want InvalidRequest", err)
	}
}

func TestExitEndsServe(t *testing.T) {
	e := startEditor(t, editorOptions{})
	if err := e.call("shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.conn.Notify(context.Background(), "exit", nil); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-e.done:
		if err != nil {
			t.Errorf("Serve after exit: %v", err)
		}
		e.done <- nil // for the cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after exit")
	}
}

func frame(body string) string {
	return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
}

func TestMalformedMessagesKeepTheConnection(t *testing.T) {
	a, b := osPipes(t)
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), a, Options{CacheDir: t.TempDir()}) }()
	defer b.Close()

	replies := make(chan map[string]any, 16)
	go func() {
		stream := jsonrpc2.NewHeaderStream(b)
		for {
			msg, _, err := stream.Read(context.Background())
			if err != nil {
				close(replies)
				return
			}
			data, _ := jsonrpc2.EncodeMessage(msg)
			var m map[string]any
			_ = json.Unmarshal(data, &m)
			replies <- m
		}
	}()
	next := func() map[string]any {
		select {
		case m, ok := <-replies:
			if !ok {
				t.Fatal("connection closed")
			}
			return m
		case <-time.After(5 * time.Second):
			t.Fatal("no reply")
		}
		return nil
	}
	write := func(s string) {
		if _, err := b.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	write(frame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}`)) // truncated JSON
	if m := next(); m["error"] == nil {
		t.Fatalf("truncated JSON: want an error reply, got %v", m)
	}
	write(frame(`{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"capabilities":{}}}`))
	if m := next(); m["result"] == nil {
		t.Fatalf("initialize after garbage: %v", m)
	}
	write(frame("\xff\xfe not utf-8 at all"))
	if m := next(); m["error"] == nil {
		t.Fatalf("invalid UTF-8: want an error reply, got %v", m)
	}
	write(frame(`{"jsonrpc":"2.0","id":3,"method":"workspace/executeCommand","params":{"command":"stui.status"}}`))
	if m := next(); m["result"] == nil {
		t.Fatalf("request after invalid UTF-8: %v", m)
	}
}

// TestFailedWriteCancelsWorkInFlight: once the editor's end of the output
// pipe is gone, an evaluation still running in the image is cancelled rather
// than left to finish for nobody.
func TestFailedWriteCancelsWorkInFlight(t *testing.T) {
	img := newFakeImage()
	started := make(chan struct{}, 1)
	cancelled := make(chan struct{})
	img.on(stuiproto.CmdEvaluate, func(ctx context.Context, _ json.RawMessage) (any, error) {
		started <- struct{}{}
		select {
		case <-ctx.Done():
			close(cancelled)
			return nil, ctx.Err()
		case <-time.After(10 * time.Second):
			return nil, errors.New("never cancelled")
		}
	})
	serverEnd, editorEnd := osPipes(t)
	// The editor's end: it writes to fromEditor and reads from toEditor.
	toEditor, fromEditor := editorEnd.(pipeEnd).r, editorEnd.(pipeEnd).w
	opts := Options{CacheDir: t.TempDir(), Dial: func(string) (Image, error) { return img, nil }, Endpoint: "tcp://127.0.0.1:1"}
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), serverEnd, opts) }()
	defer func() {
		fromEditor.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("server did not stop")
		}
	}()
	write := func(s string) {
		if _, err := fromEditor.Write([]byte(frame(s))); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`)
	if msg, _, err := jsonrpc2.NewHeaderStream(pipeEnd{toEditor, fromEditor}).Read(context.Background()); err != nil {
		t.Fatalf("initialize: %v", err)
	} else if _, ok := msg.(*jsonrpc2.Response); !ok {
		t.Fatalf("initialize: got %T", msg)
	}
	write(`{"jsonrpc":"2.0","method":"initialized","params":{}}`)
	write(`{"jsonrpc":"2.0","id":2,"method":"workspace/executeCommand","params":{"command":"stui.evaluate","arguments":[{"code":"(Delay forSeconds: 60) wait"}]}}`)
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the evaluation never reached the image")
	}
	toEditor.Close()
	// Anything the server writes now fails.
	write(`{"jsonrpc":"2.0","id":3,"method":"shutdown"}`)
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the evaluation was not cancelled after writing to the editor failed")
	}
}

func TestDidChangeAppliesInWireOrder(t *testing.T) {
	e := startEditor(t, editorOptions{})
	u := e.open("order.st", "")
	for i := 0; i < 60; i++ {
		err := e.conn.Notify(context.Background(), "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
			TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: int32(i + 2)},
			ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangePartial{
				Range: protocol.Range{Start: protocol.Position{Line: 0, Character: uint32(i)}, End: protocol.Position{Line: 0, Character: uint32(i)}},
				Text:  string(rune('a' + i%26)),
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var want strings.Builder
	for i := 0; i < 60; i++ {
		want.WriteRune(rune('a' + i%26))
	}
	// Requests run after the notifications before them were applied.
	var got struct {
		State string `json:"state"`
	}
	if err := e.executeCommand(cmdStatus, map[string]any{}, &got); err != nil {
		t.Fatal(err)
	}
	doc := mustDoc(t, e, u)
	if doc.text != want.String() {
		t.Fatalf("text after 60 incremental edits:\n got %q\nwant %q", doc.text, want.String())
	}
}

// mustDoc reaches into the server behind the editor; only for white-box tests.
func mustDoc(t *testing.T, e *editor, u uri.URI) *document {
	t.Helper()
	d, ok := e.srv.docs.get(u)
	if !ok {
		t.Fatalf("%s not open", u)
	}
	return d
}

func TestEndpointComesFromInitializationOptions(t *testing.T) {
	img := newFakeImage()
	dialled := make(chan string, 4)
	a, b := osPipes(t)
	go func() {
		_ = Serve(context.Background(), a, Options{
			CacheDir: t.TempDir(), Endpoint: "tcp://127.0.0.1:1", EndpointSource: "STUI_ENDPOINT",
			Dial: func(endpoint string) (Image, error) { dialled <- endpoint; return img, nil },
		})
	}()
	conn := jsonrpc2.NewConn(jsonrpc2.NewHeaderStream(b), jsonrpc2.WithCodec(lspCodec{}))
	conn.Go(context.Background(), jsonrpc2.MethodNotFoundHandler)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	params := &protocol.InitializeParams{InitializationOptions: []byte(`{"endpoint":"ipc:///tmp/from-init.sock","hoverTimeoutMs":300}`)}
	if _, err := conn.Call(ctx, "initialize", params, nil); err != nil {
		t.Fatal(err)
	}
	if err := conn.Notify(ctx, "initialized", &protocol.InitializedParams{}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-dialled:
		if got != "ipc:///tmp/from-init.sock" {
			t.Errorf("dialled %q, want the initializationOptions endpoint", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("never dialled the image")
	}
}

func TestSettingsMerge(t *testing.T) {
	st, err := defaultSettings().merge([]byte(`{"endpoint":"tcp://127.0.0.1:7000","maxResultChars":50,"persistSession":false,"unknown":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if st.Endpoint != "tcp://127.0.0.1:7000" || st.MaxResultChars != 50 || st.persistSession() || st.EvaluateTimeoutMS != 30000 {
		t.Errorf("merged settings %+v", st)
	}
	if _, err := defaultSettings().merge([]byte(`[1,2]`)); err == nil {
		t.Error("a non-object setting should be reported")
	}
}

func TestTheHintForTheDefaultEndpointIsStartWithNothingToType(t *testing.T) {
	const def = "ipc:///run/user/1000/stui/stui.sock"
	s := newServer(nil, Options{CacheDir: t.TempDir(), DefaultEndpoint: def})
	s.image.configure(def, "default", true)
	got := s.imageError(notConnected(stuiproto.ErrUnavailable)).Error()
	if !strings.HasSuffix(got, "Start the STUI server in your image: STUIServer start") {
		t.Errorf("hint for the default endpoint: %q, want STUIServer start", got)
	}
	s.image.configure("ipc:///tmp/other.sock", "setting", true)
	if got := s.imageError(notConnected(stuiproto.ErrUnavailable)).Error(); !strings.Contains(got, "STUIServer startOn: 'ipc:///tmp/other.sock'") {
		t.Errorf("hint for another endpoint: %q, want startOn: with it", got)
	}
}

func TestImageErrorsSayWhatHappened(t *testing.T) {
	s := newServer(nil, Options{CacheDir: t.TempDir()})
	s.image.configure("tcp://127.0.0.1:5999", "test", true)
	cases := []struct {
		err  error
		want []string
	}{
		{notConnected(fmt.Errorf("%w: nothing listens at tcp://127.0.0.1:5999", stuiproto.ErrUnavailable)), []string{"image not connected at tcp://127.0.0.1:5999 (image unavailable: nothing listens", "STUIServer startOn: 'tcp://127.0.0.1:5999'"}},
		{notConnected(errors.New("token file /t has mode 0644")), []string{"(token file /t has mode 0644)"}},
		{notConnected(notConnected(stuiproto.ErrUnavailable)), []string{"(image unavailable). Start the STUI server"}},
		{fmt.Errorf("ping: %w", stuiproto.ErrDeadline), []string{"did not answer in time", "interrupt"}},
		{&stuiproto.RemoteError{Type: "SyntaxError", Message: "Nothing more expected", Details: &stuiproto.ErrorDetails{Line: 2, Column: 5}}, []string{"SyntaxError: Nothing more expected (line 2, column 5)"}},
		{fmt.Errorf("%w: a reply without an id", stuiproto.ErrBadReply), []string{"stui: malformed reply: a reply without an id"}},
	}
	for _, c := range cases {
		got := s.imageError(c.err).Error()
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("imageError(%v) = %q, want it to contain %q", c.err, got, w)
			}
		}
		if strings.Contains(got, "stui: stui:") {
			t.Errorf("doubled prefix in %q", got)
		}
	}
}
