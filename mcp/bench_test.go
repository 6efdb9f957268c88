package mcp_test

import (
	"context"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// BenchmarkEvaluate measures one evaluate tool call through the SDK's client,
// the MCP server and real ZeroMQ to the stuitest backend; compare it with
// BenchmarkImageEvaluate, the STUI call alone, to see the MCP layer's share.
func BenchmarkEvaluate(b *testing.B) {
	r := newRig(b, rigOptions{})
	ctx := context.Background()
	params := &sdk.CallToolParams{Name: "evaluate", Arguments: map[string]any{"code": "3 + 4"}}
	for b.Loop() {
		res, err := r.session.CallTool(ctx, params)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}

// BenchmarkImageEvaluate is the same evaluation as one STUI call, without MCP.
func BenchmarkImageEvaluate(b *testing.B) {
	r := newRig(b, rigOptions{})
	ctx := context.Background()
	var session stuiproto.Session
	if err := stuiproto.Call(ctx, r.client, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: "bench"}, &session); err != nil {
		b.Fatal(err)
	}
	var res stuiproto.EvaluateResult
	for b.Loop() {
		if err := stuiproto.Call(ctx, r.client, stuiproto.EvaluateCommand, stuiproto.EvaluateParams{Code: "3 + 4", SessionID: session.SessionID}, &res); err != nil {
			b.Fatal(err)
		}
	}
}
