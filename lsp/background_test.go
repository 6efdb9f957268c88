package lsp

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func TestBackgroundWorkPanicIsLoggedAndTheServerGoesOn(t *testing.T) {
	core, logs := observer.New(zapcore.ErrorLevel)
	s := newServer(nil, Options{CacheDir: t.TempDir(), Logger: zap.New(core)})
	defer s.close()

	s.goBackground(context.Background(), "exploding work", func(context.Context) { panic("boom") })
	ran := make(chan struct{})
	s.goBackground(context.Background(), "later work", func(context.Context) { close(ran) })
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("background work after a panic did not run")
	}
	deadline := time.Now().Add(10 * time.Second)
	for logs.FilterMessage("panic in background work").Len() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the panic was not logged; log: %v", logs.All())
		}
		time.Sleep(5 * time.Millisecond)
	}
	entry := logs.FilterMessage("panic in background work").All()[0]
	if got := entry.ContextMap()["work"]; got != "exploding work" {
		t.Errorf("logged work %v, want the name of the work that panicked", got)
	}
}

func TestBackgroundWorkStopsWithTheConnection(t *testing.T) {
	s := newServer(nil, Options{CacheDir: t.TempDir()})
	requestCtx, endRequest := context.WithCancel(stuiproto.WithRequestID(context.Background(), "lsp-7"))
	started := make(chan context.Context, 1)
	s.goBackground(requestCtx, "long work", func(ctx context.Context) {
		started <- ctx
		<-ctx.Done()
	})
	ctx := <-started
	if id, ok := stuiproto.RequestIDFromContext(ctx); ok {
		t.Errorf("background work kept the request id %q", id)
	}
	endRequest()
	select {
	case <-ctx.Done():
		t.Fatal("background work stopped when the request that started it ended")
	case <-time.After(50 * time.Millisecond):
	}
	s.close()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("background work did not stop when the connection ended")
	}
}
