package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/mcp"
	"github.com/stui-lsp/stui-lsp/stuiclient"
)

const mcpUsage = `stui-lsp mcp: serve a live Pharo image to coding agents over MCP (stdin/stdout).

Usage:
  stui-lsp mcp [flags]

The agent evaluates in the workspace folder's image session: the editor's
(--session shared, the default) or one of its own (--session own). Every call
is logged to stderr or --log-file. See docs/mcp.md.

Flags:
`

// runMCP is `stui-lsp mcp`: the flags of the language server that say how to
// reach the image (endpoint, token, CURVE, log), plus the MCP server's own.
func runMCP(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("stui-lsp mcp", mcpUsage, stderr)
	var cfg config
	addClientFlags(fs, &cfg)
	addLogFlags(fs, &cfg)
	workspace := fs.String("workspace", "", "the workspace folder whose image session to use (default: the current directory)")
	session := fs.String("session", string(mcp.SessionShared), "shared: the editor's session for the folder; own: a session of the agent's own")
	readOnly := fs.Bool("read-only", false, "offer only the tools that change nothing in the image (no evaluate, no compile_method)")
	noCompile := fs.Bool("no-compile", false, "keep evaluate but refuse compile_method")
	maxChars := fs.Int("max-result-chars", 10000, "cut a printString and the text of a result to this many characters")
	evalTimeout := fs.Duration("evaluate-timeout", 30*time.Second, "how long one evaluation may run in the image")
	callTimeout := fs.Duration("call-timeout", 10*time.Second, "deadline of every other call to the image")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "stui-lsp mcp: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	mode, err := mcp.ParseSessionMode(*session)
	if err != nil {
		fmt.Fprintln(stderr, "stui-lsp mcp:", err)
		return 2
	}
	folder := *workspace
	if folder == "" {
		folder, _ = os.Getwd()
	}
	if abs, err := filepath.Abs(folder); err == nil {
		folder = abs
	}
	if fi, err := os.Stat(folder); err != nil || !fi.IsDir() {
		fmt.Fprintf(stderr, "stui-lsp mcp: --workspace %s is not a folder\n", folder)
		return 2
	}
	cfg.endpoint, cfg.source = resolveEndpoint(cfg.endpoint)

	log, closeLog, err := newLogger(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "stui-lsp mcp:", err)
		return 2
	}
	defer closeLog()
	if cfg.endpoint == "" {
		// No safe default (the socket's directory is not private): say why.
		log.Error("no image endpoint: pass --endpoint or set STUI_ENDPOINT", zap.String("why", cfg.source))
		return 2
	}
	opts, err := clientOptions(cfg)
	if err != nil {
		log.Error("cannot use the token or keys", zap.Error(err))
		return 2
	}
	client, err := stuiclient.New(cfg.endpoint, append(opts, stuiclient.WithLogger(log.Named("stui")))...)
	if err != nil {
		log.Error("cannot connect to the image", zap.String("endpoint", cfg.endpoint), zap.Error(err))
		return 2
	}
	defer client.Close()

	srv, err := mcp.NewServer(mcp.Options{
		Logger: log, Version: version, Image: client, Endpoint: cfg.endpoint,
		Workspace: folder, Session: mode, ReadOnly: *readOnly, NoCompile: *noCompile,
		MaxResultChars: *maxChars, EvaluateTimeout: *evalTimeout, CallTimeout: *callTimeout,
	})
	if err != nil {
		log.Error("cannot start", zap.Error(err))
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("endpoint", zap.String("endpoint", cfg.endpoint), zap.String("from", cfg.source))
	if err := srv.Run(ctx, mcp.NewStdioTransport(stdin, stdout, log)); err != nil && !errors.Is(err, io.EOF) {
		log.Error("MCP server stopped", zap.Error(err))
		return 1
	}
	return 0
}
