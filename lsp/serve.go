// Package lsp is the stui-lsp language server: it turns editor requests into
// STUI calls against the image session of the editor's workspace, and answers
// what it can from the Smalltalk files alone when no image is connected.
//
// The package depends on the image only through the small Image interface; the
// ZeroMQ client is wired in by cmd/stui-lsp.
package lsp

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.uber.org/zap"
)

// Options configures a server. The zero value serves with no image and no log.
type Options struct {
	// Logger receives the server's log. It must not write to the LSP stream.
	Logger *zap.Logger
	// Version is reported in serverInfo.
	Version string
	// Dial connects to the image at an endpoint. Nil means no image at all.
	Dial func(endpoint string) (Image, error)
	// DialWithTokenFile connects to an image stui-lsp launched on an
	// endpoint of its own, with the token it generated. Nil means Dial.
	DialWithTokenFile func(endpoint, tokenFile string) (Image, error)
	// Endpoint is used when neither initializationOptions nor the stui.endpoint
	// setting names one; EndpointSource says where it came from (for the log).
	Endpoint       string
	EndpointSource string
	// DefaultEndpoint is the one the image's STUIServer start serves, which
	// the hint for a missing image then names instead of startOn:.
	DefaultEndpoint string
	// CacheDir holds remembered session ids and generated read-only documents.
	// Empty means the user's cache directory.
	CacheDir string

	// Cores lets a process that keeps its requests on one core use every
	// core where that pays. Nil: the process's cores are left as they are.
	Cores Cores

	// started lets white-box tests reach the server behind a connection.
	started func(*server)
}

// Cores is how a process that runs its requests on one core (see
// cmd/stui-lsp) lets the server use every core.
type Cores interface {
	// Parallel runs work written to use every core (indexing) with all of
	// them.
	Parallel(work func())
	// Hold keeps every core in use from Hold(true) until Hold(false): the
	// server holds them while its heap is large enough that a collection
	// on one core would keep requests waiting.
	Hold(wide bool)
}

// coresAsTheyAre is the Cores of a process that leaves its cores as they are.
type coresAsTheyAre struct{}

func (coresAsTheyAre) Parallel(work func()) { work() }
func (coresAsTheyAre) Hold(bool)            {}

// Serve runs the language server over rwc (LSP base protocol framing) until
// the client sends exit, closes the stream, or ctx is cancelled.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opts Options) error {
	// Requests are cancelled with the connection, and the connection is
	// cancelled when the editor can no longer be written to: the answers of
	// the work in flight could not reach it.
	connCtx, cancelConn := context.WithCancel(ctx)
	defer cancelConn()
	framed := newBoundedStream(rwc)
	var calls atomic.Int64
	framed.out.othersInFlight = func() bool { return calls.Load() > 0 }
	stream := newTolerantStream(framed, cancelConn)
	conn := jsonrpc2.NewConn(stream, jsonrpc2.WithCodec(lspCodec{}))
	s := newServer(conn, opts)
	if opts.started != nil {
		opts.started(s)
	}
	conn.Go(connCtx, countCalls(&calls, s.handler()))
	exited := false
	select {
	case <-conn.Done():
	case <-s.exited:
		exited = true
	case <-ctx.Done():
	}
	// Closing the image client can take a moment (it may be mid-reconnect);
	// the editor waits for this process to end, so that happens on its own.
	s.goBackground(ctx, "close the image client", func(context.Context) { s.close() })
	closed := make(chan struct{})
	s.goBackground(ctx, "close the connection", func(context.Context) {
		defer close(closed)
		conn.Close()
	})
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

// countCalls keeps n at the number of calls h is handling. A call's answer
// is written after h returns, so while it is written n counts the others.
func countCalls(n *atomic.Int64, h jsonrpc2.Handler) jsonrpc2.Handler {
	return func(ctx context.Context, req *jsonrpc2.Request) (any, error) {
		if req.IsCall() {
			n.Add(1)
			defer n.Add(-1)
		}
		return h(ctx, req)
	}
}
