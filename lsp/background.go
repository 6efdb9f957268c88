package lsp

import (
	"context"
	"runtime/debug"

	"go.uber.org/zap"
)

// goBackground runs work on a goroutine of its own: work that outlives the
// request or notification that started it (compiling on save, refreshing
// inlay hints, reconnecting), or that must not hold up the read loop.
//
// work's context carries ctx's values, less the STUI request id an
// evaluation may have put there (the later work is a request of its own),
// and is cancelled when the connection ends, not when ctx is: a request's
// context is recycled as soon as its handler returns. A panic in work is
// logged as an error and ends that work alone, never the server.
//
// The context is made here, on the caller's goroutine, while ctx is still
// valid.
func (s *server) goBackground(ctx context.Context, name string, work func(ctx context.Context)) {
	workCtx, cancel := context.WithCancel(detach(ctx))
	stop := context.AfterFunc(s.alive, cancel)
	go func() {
		defer cancel()
		defer stop()
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in background work", zap.String("work", name), zap.Any("panic", p), zap.ByteString("stack", debug.Stack()))
			}
		}()
		work(workCtx)
	}()
}
