package stuitest_test

import (
	"context"
	"fmt"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// A server replaying the protocol vectors answers a client as the image
// would.
func Example() {
	vectors, err := stuiproto.LoadVectors("../../testdata/protocol")
	if err != nil {
		panic(err)
	}
	replay, err := stuitest.NewReplay(vectors)
	if err != nil {
		panic(err)
	}
	srv := stuitest.NewServer(replay)
	defer srv.Close()

	c, err := stuiclient.New(srv.Endpoint)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx := context.Background()

	r, err := c.Evaluate(ctx, stuiproto.EvaluateParams{Code: "3 + 4", SessionID: "session_1_1764190000_123", EvaluationMode: "display"})
	fmt.Println(r.Result, r.ResultType, err)

	_, err = c.Evaluate(ctx, stuiproto.EvaluateParams{Code: "1 / 0"})
	fmt.Println(err)
	// Output:
	// 7 SmallInteger <nil>
	// stui evaluate: RuntimeError: ZeroDivide
}

// The Backend keeps sessions and workspace variables between evaluations.
func ExampleBackend() {
	srv := stuitest.NewServer(stuitest.NewBackend())
	defer srv.Close()
	c, _ := stuiclient.New(srv.Endpoint)
	defer c.Close()
	ctx := context.Background()

	var s stuiproto.Session
	stuiproto.Call(ctx, c, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: "example"}, &s)
	c.Evaluate(ctx, stuiproto.EvaluateParams{Code: "x := 6", SessionID: s.SessionID})
	r, _ := c.Evaluate(ctx, stuiproto.EvaluateParams{Code: "x * 7", SessionID: s.SessionID})
	fmt.Println(r.Result)
	// Output: 42
}
