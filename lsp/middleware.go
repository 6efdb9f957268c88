package lsp

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

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
			// Checked first: the fields of a line nobody logs still cost
			// an allocation on every request.
			if ce := s.log.Check(zap.DebugLevel, "request"); ce != nil {
				ce.Write(zap.String("method", method), zap.Stringer("id", idString(req)), zap.Duration("took", time.Since(start)), zap.Error(err))
			}
		}()
		s.beforeRequest(method)
		result, err = dispatch(ctx, req)
		if err != nil && ctx.Err() != nil {
			// Whatever the handler made of it (an image error, once the
			// cancelled call failed), the request was cancelled: editors
			// show RequestCancelled quietly and anything else as an error.
			err = protocol.ErrRequestCancelled
		}
		return result, err
	}
	cancelling := protocol.CancelHandler(h)
	return func(ctx context.Context, req *jsonrpc2.Request) (any, error) {
		s.handled.Add(1)
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
// every frame, which cost more CPU than the handlers themselves. 12 kB of
// padding lands the stack at 16 kB, the largest size the runtime allocates
// and frees from per-core caches; a 32 kB stack came from the heap, under
// its lock, and went back there when the goroutine ended, for every request.
//
//go:noinline
func growStack(i, j int) byte {
	var pad [12 << 10]byte
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

// detach returns a context for work that outlives the request it started in.
// A request's context is recycled when its handler returns, so anything kept
// longer must step up to the connection's context, minus its cancellation.
// It also drops the STUI request id an evaluation may have put there: the
// later work is a request of its own.
func detach(ctx context.Context) context.Context {
	return stuiproto.WithRequestID(context.WithoutCancel(jsonrpc2.DetachContext(ctx)), "")
}
