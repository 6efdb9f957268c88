package mcp

import (
	"context"
	"fmt"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/zap"
)

// loggedArgumentChars caps the arguments written to the log per call: a
// method's source is worth seeing, a pasted megabyte is not.
const loggedArgumentChars = 4000

// logCalls logs every tool call with its arguments, every resource read with
// its URI, and how each ended. The log goes to stderr or --log-file; stdout
// carries the protocol alone.
func (s *Server) logCalls(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		fields := []zap.Field{zap.String("method", method)}
		switch r := req.(type) {
		case *sdk.CallToolRequest:
			fields = append(fields, zap.String("tool", r.Params.Name),
				zap.String("arguments", capText(string(r.Params.Arguments), loggedArgumentChars)))
		case *sdk.ReadResourceRequest:
			fields = append(fields, zap.String("uri", r.Params.URI))
		}
		start := time.Now()
		res, err := s.recovered(ctx, next, method, req)
		fields = append(fields, zap.Duration("took", time.Since(start)))
		switch {
		case err != nil:
			s.log.Info("call failed", append(fields, zap.Error(err))...)
		case method == "tools/call":
			if r, ok := res.(*sdk.CallToolResult); ok && r.IsError {
				fields = append(fields, zap.Bool("is_error", true))
				if te, ok := r.Meta[errorMetaKey].(ToolError); ok {
					fields = append(fields, zap.String("error_type", te.ErrorType))
				}
			}
			s.log.Info("call", fields...)
		case method == "resources/read" || method == "resources/list" || method == "tools/list":
			s.log.Info("call", fields...)
		default:
			s.log.Debug("call", fields...)
		}
		return res, err
	}
}

// recovered turns a panic in a handler into an error reply: one bad call
// must not end the agent's server.
func (s *Server) recovered(ctx context.Context, next sdk.MethodHandler, method string, req sdk.Request) (res sdk.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("handler panic", zap.String("method", method), zap.Any("panic", r), zap.Stack("stack"))
			res, err = nil, fmt.Errorf("stui-lsp mcp: internal error in %s: %v", method, r)
		}
	}()
	return next(ctx, method, req)
}

// refuse answers a call of a tool left out by --read-only or --no-compile
// with a tool error saying why, instead of the SDK's bare "unknown tool".
func (s *Server) refuse(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		if r, ok := req.(*sdk.CallToolRequest); ok && method == "tools/call" {
			if why, refused := s.refused[r.Params.Name]; refused {
				res := &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: r.Params.Name + " refused: " + why}}}
				res.Meta = sdk.Meta{errorMetaKey: ToolError{ErrorType: errRefused, Message: why}}
				res.IsError = true
				return res, nil
			}
		}
		return next(ctx, method, req)
	}
}
