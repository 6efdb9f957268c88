package mcp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/stui-lsp/stui-lsp/mcp"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// noImage answers nothing: the transport test needs no image.
type noImage struct{}

func (noImage) Call(context.Context, string, any, any) error {
	return errors.New("no image in this test")
}

// A stray line from a client gets a JSON-RPC error and the session goes on;
// stdout carries nothing but JSON-RPC messages.
func TestStdioTransportAnswersBadLinesAndReadsOn(t *testing.T) {
	srv, err := mcp.NewServer(mcp.Options{Image: noImage{}, Workspace: t.TempDir(), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, mcp.NewStdioTransport(inR, outW, nil)) }()

	lines := []string{
		`this is not json`,
		`[{"jsonrpc":"2.0","id":9,"method":"ping"}]`,
		`{"id":7,"foo":1}`,
		`{"jsonrpc":"2.0","id":8}`,
		strings.Repeat("a", 17<<20),
		``,
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
	}
	go func() {
		for _, l := range lines {
			if _, err := io.WriteString(inW, l+"\n"); err != nil {
				return
			}
		}
	}()

	type message struct {
		ID     json.RawMessage `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	var errs []string
	var gotList bool
	sc := bufio.NewScanner(outR)
	sc.Buffer(nil, 1<<20)
	for !gotList && sc.Scan() {
		var m message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("stdout carries a line that is not JSON: %q", sc.Text())
		}
		switch {
		case m.Error != nil:
			errs = append(errs, m.Error.Message)
		case string(m.ID) == "2":
			gotList = strings.Contains(string(m.Result), `"evaluate"`)
		}
	}
	if !gotList {
		t.Fatalf("no tools/list answer after the bad lines (errors %v, scan %v)", errs, sc.Err())
	}
	want := []string{"not JSON", "batches are not supported", "invalid message version", "neither a request", "longer than"}
	if len(errs) != len(want) {
		t.Fatalf("errors %q, want one each for %q", errs, want)
	}
	for _, w := range want {
		found := false
		for _, e := range errs {
			found = found || strings.Contains(e, w)
		}
		if !found {
			t.Fatalf("errors %q, want one saying %q", errs, w)
		}
	}
	_ = inW.Close()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("Run after stdin closed: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not stop when stdin closed")
	}
}

// panickyImage panics on browse_class and answers ping.
type panickyImage struct{}

func (panickyImage) Call(_ context.Context, command string, _, result any) error {
	if command == stuiproto.CmdBrowseClass {
		panic("a bug in a handler")
	}
	if p, ok := result.(*stuiproto.PingResult); ok {
		p.ProtocolVersion = stuiproto.Version
	}
	return nil
}

// A panic in a handler fails that call alone.
func TestAPanicFailsOneCall(t *testing.T) {
	srv, err := mcp.NewServer(mcp.Options{Image: panickyImage{}, Workspace: t.TempDir(), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	serverSide, clientSide := sdk.NewInMemoryTransports()
	if _, err := srv.Connect(ctx, serverSide); err != nil {
		t.Fatal(err)
	}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx, clientSide, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	_, err = cs.CallTool(ctx, &sdk.CallToolParams{Name: "browse_class", Arguments: map[string]any{"class_name": "Counter"}})
	if err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("a panicking call answered %v, want an internal error", err)
	}
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "system_info", Arguments: map[string]any{}})
	if err != nil || res.IsError {
		t.Fatalf("the call after the panic: %v %+v", err, res)
	}
}
