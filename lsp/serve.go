// Package lsp is the stui-lsp language server: it turns editor requests into
// STUI calls against the image session of the editor's workspace, and answers
// what it can from the Smalltalk files alone when no image is connected.
//
// The package depends on the image only through the small Image interface; the
// ZeroMQ client is wired in by cmd/stui-lsp.
package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Options configures a server. The zero value serves with no image and no log.
type Options struct {
	// Logger receives the server's log. It must not write to the LSP stream.
	Logger *zap.Logger
	// Version is reported in serverInfo.
	Version string
	// Dial connects to the image at an endpoint. Nil means no image at all.
	Dial func(endpoint string) (Image, error)
	// Endpoint is used when neither initializationOptions nor the stui.endpoint
	// setting names one; EndpointSource says where it came from (for the log).
	Endpoint       string
	EndpointSource string
	// CacheDir holds remembered session ids and generated read-only documents.
	// Empty means the user's cache directory.
	CacheDir string

	// started lets white-box tests reach the server behind a connection.
	started func(*server)
}

// Serve runs the language server over rwc (LSP base protocol framing) until
// the client sends exit, closes the stream, or ctx is cancelled.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opts Options) error {
	// Requests are cancelled with the connection, and the connection is
	// cancelled when the editor can no longer be written to: the answers of
	// the work in flight could not reach it.
	connCtx, cancelConn := context.WithCancel(ctx)
	defer cancelConn()
	stream := newTolerantStream(jsonrpc2.NewHeaderStream(rwc), cancelConn)
	conn := jsonrpc2.NewConn(stream, jsonrpc2.WithCodec(lspCodec{}))
	s := newServer(conn, opts)
	if opts.started != nil {
		opts.started(s)
	}
	conn.Go(connCtx, s.handler())
	exited := false
	select {
	case <-conn.Done():
	case <-s.exited:
		exited = true
	case <-ctx.Done():
	}
	// Closing the image client can take a moment (it may be mid-reconnect);
	// the editor waits for this process to end, so that happens on its own.
	go s.close()
	closed := make(chan struct{})
	go func() { conn.Close(); close(closed) }()
	// After exit there is nobody left to answer, and the read loop may stay
	// blocked on a stdin pipe the editor keeps open (a blocking pipe read
	// cannot be interrupted): wait for it only briefly, so the process ends
	// promptly as the specification asks.
	drain := 2 * time.Second
	if exited {
		drain = 200 * time.Millisecond
	}
	select {
	case <-closed:
	case <-time.After(drain):
		if !exited {
			// A handler stuck on the image must not keep the process alive
			// after the editor is gone; the stream is closed already.
			s.log.Warn("connection did not drain in time")
		}
	}
	if err := conn.Err(); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.ErrClosedPipe) {
		return err
	}
	return nil
}

// lspCodec marshals LSP payloads with the protocol package's union-aware
// codec; encoding/json cannot decode the protocol's sealed-interface unions.
type lspCodec struct{}

func (lspCodec) Marshal(v any) ([]byte, error) {
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

func (lspCodec) Unmarshal(data []byte, v any) error {
	if p, ok := v.(*jsonrpc2.RawMessage); ok {
		*p = append((*p)[:0], data...)
		return nil
	}
	return protocol.Unmarshal(data, v)
}

// frameReader is the raw-frame side of jsonrpc2's header stream.
type frameReader interface {
	ReadFrame(ctx context.Context) ([]byte, int64, error)
}

// tolerantStream answers a frame that is not valid JSON-RPC with a parse error
// instead of letting it end the connection, as JSON-RPC 2.0 asks. Framing
// errors (a broken header) still end it: after one the stream cannot be
// trusted to find the next message boundary.
//
// It also reports a failed write (the editor is gone, or its end of the pipe
// is closed) to writeFailed.
type tolerantStream struct {
	jsonrpc2.Stream
	frames      frameReader
	writeFailed func()
}

func newTolerantStream(s jsonrpc2.Stream, writeFailed func()) *tolerantStream {
	fr, _ := s.(frameReader)
	return &tolerantStream{Stream: s, frames: fr, writeFailed: writeFailed}
}

func (t *tolerantStream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	n, err := t.Stream.Write(ctx, msg)
	if err != nil && ctx.Err() == nil {
		t.writeFailed()
	}
	return n, err
}

func (t *tolerantStream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	growStack(0, 1)
	if t.frames == nil {
		return t.Stream.Read(ctx)
	}
	for {
		frame, n, err := t.frames.ReadFrame(ctx)
		if err != nil {
			return nil, 0, err
		}
		msg, err := jsonrpc2.DecodeMessage(frame)
		if err == nil {
			return msg, n, nil
		}
		// Valid JSON that is not a request object (a number, null, a batch,
		// which LSP does not use) is an Invalid Request; anything else a
		// Parse error.
		code := jsonrpc2.ParseError
		if body := bytes.TrimSpace(frame); len(body) > 0 && validJSON(body) {
			code = jsonrpc2.InvalidRequest
		}
		reply := jsonrpc2.NewResponse(jsonrpc2.ID{}, nil, jsonrpc2.NewError(code, "stui-lsp: ignored a malformed message: "+err.Error()))
		if _, werr := t.Stream.Write(ctx, reply); werr != nil {
			return nil, 0, werr
		}
	}
}

// handler builds the connection's handler: the one middleware for logging,
// lifecycle checks, concurrency and panic recovery, around the protocol
// package's dispatcher.
func (s *server) handler() jsonrpc2.Handler {
	dispatch := protocol.ServerHandler(s, nil)
	h := func(ctx context.Context, req *jsonrpc2.Request) (result any, err error) {
		method := strings.Clone(req.Method())
		if !req.IsCall() {
			// Notifications run inline on the read loop so they apply in wire
			// order. Their errors have nobody to go to but the log.
			if !s.lifecycle.acceptsNotification(method) {
				return nil, nil
			}
			if method == protocol.MethodInitialize || method == protocol.MethodShutdown {
				// Requests sent without an id: running them would redo
				// initialization (racing with everything started by the
				// first) or shut down with nobody told.
				s.log.Warn("ignored a request sent as a notification", zap.String("method", method))
				return nil, nil
			}
			defer func() {
				if p := recover(); p != nil {
					s.log.Error("panic in notification", zap.String("method", method), zap.Any("panic", p), zap.ByteString("stack", debug.Stack()))
				}
			}()
			if _, err := dispatch(ctx, req); err != nil {
				s.log.Warn("notification failed", zap.String("method", method), zap.Error(err))
			}
			return nil, nil
		}
		// Every call is released with Async exactly once: the cancellation
		// wrapper keeps a context derived from the request, which must not be
		// recycled under it. Everything but initialize and shutdown is released
		// at once, so a hover never waits behind a 30-second evaluation; those
		// two finish first, so the notifications after them see their effect.
		if method == protocol.MethodInitialize || method == protocol.MethodShutdown {
			defer release(ctx)
		} else {
			release(ctx)
		}
		if err := s.lifecycle.acceptsCall(method); err != nil {
			return nil, err
		}
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in request", zap.String("method", method), zap.Any("panic", p), zap.ByteString("stack", debug.Stack()))
				result, err = nil, jsonrpc2.NewError(jsonrpc2.InternalError, fmt.Sprintf("stui-lsp: internal error in %s: %v", method, p))
			}
			s.log.Debug("request", zap.String("method", method), zap.Stringer("id", idString(req)), zap.Duration("took", time.Since(start)), zap.Error(err))
		}()
		result, err = dispatch(ctx, req)
		if err != nil && ctx.Err() != nil && !isJSONRPCError(err) {
			err = protocol.ErrRequestCancelled
		}
		return result, err
	}
	cancelling := protocol.CancelHandler(h)
	return func(ctx context.Context, req *jsonrpc2.Request) (any, error) {
		result, err := cancelling(requestContext(ctx), req)
		if err != nil && !req.IsCall() {
			// protocol.CancelHandler answers a malformed $/cancelRequest
			// itself, with an error; from a notification that would close
			// the connection.
			s.log.Warn("notification failed", zap.String("method", req.Method()), zap.Error(err))
			return nil, nil
		}
		return result, err
	}
}

// growStack grows the calling goroutine's stack, in one step and while it is
// still shallow, to what reading and handling a request needs. jsonrpc2 hands
// its read loop to a new goroutine at every Async, and the handler then runs
// on that goroutine, so each request starts on a fresh, small stack; left to
// grow on demand it was copied several times per request, each copy walking
// every frame, which cost more CPU than the handlers themselves.
//
//go:noinline
func growStack(i, j int) byte {
	var pad [16 << 10]byte
	pad[i%len(pad)] = 1
	return pad[j%len(pad)]
}

type pooledRequestKey struct{}

// requestContext gives a handler a standard-library context in place of
// jsonrpc2's pooled request context. The pooled one is reset when its handler
// returns, but context.WithCancel on it (protocol.CancelHandler does that for
// every call, handlers for their timeouts) starts a goroutine that calls its
// Done later; once reset, that call panics ("cannot create context from nil
// parent") and takes the whole server down. The connection's context, which
// the request steps up to, is cancelled when the connection ends or its
// writes fail, which is when jsonrpc2 would cancel the pooled one before the
// handler returns; $/cancelRequest is protocol.CancelHandler's. The pooled
// context stays reachable for release alone.
func requestContext(ctx context.Context) context.Context {
	return context.WithValue(jsonrpc2.DetachContext(ctx), pooledRequestKey{}, ctx)
}

// release lets the read loop go on while this request is handled
// (jsonrpc2.Async on the pooled request context).
func release(ctx context.Context) {
	if pooled, ok := ctx.Value(pooledRequestKey{}).(context.Context); ok {
		jsonrpc2.Async(pooled)
	}
}

type idStringer struct{ id jsonrpc2.ID }

func (i idStringer) String() string { return fmt.Sprint(i.id) }

func idString(req *jsonrpc2.Request) fmt.Stringer { return idStringer{req.ID()} }

func isJSONRPCError(err error) bool {
	var e *jsonrpc2.Error
	return errors.As(err, &e)
}

func validJSON(b []byte) bool {
	var v any
	return json.Unmarshal(b, &v) == nil
}

// detach returns a context for work that outlives the request it started in.
// A request's context is recycled when its handler returns, so anything kept
// longer must step up to the connection's context, minus its cancellation.
// It also drops the STUI request id an evaluation may have put there: the
// later work is a request of its own.
func detach(ctx context.Context) context.Context {
	return stuiproto.WithRequestID(context.WithoutCancel(jsonrpc2.DetachContext(ctx)), "")
}
