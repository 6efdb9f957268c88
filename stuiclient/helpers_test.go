package stuiclient_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// noLeaks fails the test if goroutines started during it are still running
// once its cleanups (Close of clients and servers) have run.
func noLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("%d goroutines before the test, %d after:\n%s", before, n, buf)
				return
			}
			// Goroutines end asynchronously after Close returns (the
			// runtime's own bookkeeping): give them a moment.
			runtime.Gosched()
			time.Sleep(5 * time.Millisecond)
		}
	})
}

func newClient(t *testing.T, endpoint string, opts ...stuiclient.Option) *stuiclient.Client {
	t.Helper()
	c, err := stuiclient.New(endpoint, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newServer(t *testing.T, h stuitest.Handler, opts ...stuitest.Option) *stuitest.Server {
	t.Helper()
	s := stuitest.NewServer(h, opts...)
	t.Cleanup(s.Close)
	return s
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// signalling wraps a handler and reports each request for a command on a
// channel before handling it, so a test knows the server holds it.
func signalling(h stuitest.Handler, command string) (stuitest.Handler, <-chan *stuiproto.Request) {
	ch := make(chan *stuiproto.Request, 16)
	return stuitest.HandlerFunc(func(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
		if req.Command == command {
			ch <- req
		}
		return h.ServeSTUI(ctx, req)
	}), ch
}

func mustPing(t *testing.T, c *stuiclient.Client) {
	t.Helper()
	r, err := c.Ping(ctxTimeout(t, 5*time.Second))
	if err != nil {
		t.Fatalf("ping: %v", err)
	}
	if r.Message != "pong" {
		t.Fatalf("ping: %+v", r)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
