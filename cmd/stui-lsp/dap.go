package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/dap"
	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

const dapUsage = `stui-lsp dap: a debug adapter (Debug Adapter Protocol on stdin/stdout) for the live Pharo image.

Usage:
  stui-lsp dap [flags]

Launch runs an expression (or the statement at a line of a file) under the
image's debugger; attach joins a suspended process. The image is reached as
the language server reaches it (endpoint, token, CURVE); launch's endpoint
argument overrides --endpoint. See docs/debugging.md.

Flags:
`

// runDAP is `stui-lsp dap`.
func runDAP(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("stui-lsp dap", dapUsage, stderr)
	var cfg config
	addClientFlags(fs, &cfg)
	addLogFlags(fs, &cfg)
	callTimeout := fs.Duration("call-timeout", 10*time.Second, "deadline of each call to the image that runs no code")
	evalTimeout := fs.Duration("evaluate-timeout", 30*time.Second, "how long launched code may run before the image suspends it")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "stui-lsp dap: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg.endpoint, cfg.source = resolveEndpoint(cfg.endpoint)
	log, closeLog, err := newLogger(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "stui-lsp dap:", err)
		return 2
	}
	defer closeLog()
	opts, err := clientOptions(cfg)
	if err != nil {
		log.Error("cannot use the token or keys", zap.Error(err))
		return 2
	}
	var mu sync.Mutex
	var clients []*stuiclient.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	dial := func(endpoint string) (stuiproto.Caller, error) {
		if endpoint == "" {
			endpoint = cfg.endpoint
		}
		if endpoint == "" {
			// No safe default (the per-user socket's directory is not
			// private): say why, and where an endpoint can come from.
			return nil, fmt.Errorf("%s; give launch's endpoint argument, --endpoint or STUI_ENDPOINT", cfg.source)
		}
		c, err := stuiclient.New(endpoint, append(opts, stuiclient.WithLogger(log.Named("stui")))...)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		clients = append(clients, c)
		mu.Unlock()
		return c, nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("endpoint", zap.String("endpoint", cfg.endpoint), zap.String("from", cfg.source))
	err = dap.Serve(ctx, stdin, stdout, dap.Options{Dial: dial, Logger: log, Endpoint: cfg.endpoint,
		CallTimeout: *callTimeout, EvaluateTimeout: *evalTimeout})
	if err != nil {
		log.Error("debug adapter stopped", zap.Error(err))
		return 1
	}
	return 0
}
