// Command stui-lsp is a language server that brings a live Pharo Smalltalk
// image into any editor. Without arguments it serves LSP on stdin/stdout; the
// subcommands are for people and scripts.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/stui-lsp/stui-lsp/internal/check"
	"github.com/stui-lsp/stui-lsp/internal/cli"
	"github.com/stui-lsp/stui-lsp/lsp"
	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

const usage = `stui-lsp: a language server for a live Pharo Smalltalk image.

Usage:
  stui-lsp [flags]               serve LSP on stdin/stdout (what editors run)
  stui-lsp ping [flags]          check that an image answers
  stui-lsp mcp [flags]           serve the image to coding agents over MCP (stui-lsp mcp -h)
  stui-lsp eval [flags] CODE     evaluate CODE in the image and print the result
  stui-lsp doctor [flags]        self-check: libzmq, endpoint, token, image
  stui-lsp check PATH...         report Smalltalk syntax errors (file:line:col)
  stui-lsp image start|stop|status [DIR]  start, stop or check the workspace's image (.stui.json)
  stui-lsp keygen PREFIX         make a CURVE key pair: PREFIX.key (secret), PREFIX.pub
  stui-lsp bench [--quick]       measure latency, throughput and memory (stui-lsp bench -h)
  stui-lsp conformance [--json]  check the image against the STUI protocol (stui-lsp conformance -h)
  stui-lsp test [--junit FILE] CLASS|PACKAGE|FILE...  run SUnit tests in the image (stui-lsp test -h)
  stui-lsp dap [flags]           a debug adapter (DAP on stdin/stdout) for the image (stui-lsp dap -h)
  stui-lsp version               print the version

Flags:
`

func main() {
	monitorAwake = restoreGodebug()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type config struct {
	endpoint  string
	source    string
	logFile   string
	logLevel  string
	tokenFile string
	// CURVE: the image's public key file and this client's secret key file.
	curveServerKey, curveSecretKey string
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "bench" || cmd == benchBackendCommand || cmd == benchRelayCommand {
		return runBench(cmd, args, stdin, stdout, stderr)
	}
	if cmd == "mcp" {
		return runMCP(args, stdin, stdout, stderr)
	}
	if cmd == "conformance" {
		return runConformance(args, stdout, stderr)
	}
	if cmd == "test" {
		return runTest(args, stdout, stderr)
	}
	if cmd == "dap" {
		return runDAP(args, stdin, stdout, stderr)
	}
	sub, known := smallSubcommands[cmd]
	if !known {
		fmt.Fprintf(stderr, "stui-lsp: unknown command %q (stui-lsp -h lists the commands)\n", cmd)
		return 2
	}
	var cfg config
	fs := sub.flagSet(cmd, &cfg, stderr)
	if code, done := parseFlags(fs, args); done {
		return code
	}
	cfg.endpoint, cfg.source = resolveEndpoint(cfg.endpoint)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch cmd {
	case "serve":
		return serve(ctx, cfg, stdin, stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "stui-lsp %s (STUI protocol %s)\n", version, stuiproto.Version)
		return 0
	case "ping":
		if noEndpoint("stui-lsp ping", cfg, stderr) {
			return 2
		}
		opts, err := clientOptions(cfg)
		if err != nil {
			fmt.Fprintln(stderr, "stui-lsp:", err)
			return 2
		}
		return cli.Ping(ctx, cfg.endpoint, stdout, stderr, opts...)
	case "eval":
		if fs.NArg() == 0 {
			fmt.Fprintln(stderr, "stui-lsp eval: give the code to evaluate, e.g. stui-lsp eval '3 + 4'")
			return 2
		}
		if noEndpoint("stui-lsp eval", cfg, stderr) {
			return 2
		}
		opts, err := clientOptions(cfg)
		if err != nil {
			fmt.Fprintln(stderr, "stui-lsp:", err)
			return 2
		}
		return cli.Eval(ctx, cfg.endpoint, strings.Join(fs.Args(), " "), stdout, stderr, opts...)
	case "doctor":
		opts, err := clientOptions(cfg)
		if err != nil {
			fmt.Fprintln(stdout, "warning     not using the token or keys:", err)
			opts = nil
		}
		return cli.DoctorWithTokenFile(ctx, cfg.endpoint, cfg.tokenFile, stdout, stderr, opts...)
	case "check":
		stop() // nothing to clean up: SIGINT and SIGTERM end it at once
		if fs.NArg() == 0 {
			fmt.Fprintln(stderr, "stui-lsp check: give files or folders to check")
			return 2
		}
		return check.Run(fs.Args(), stdout, stderr)
	case "keygen":
		stop()
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "stui-lsp keygen: give a file name prefix, e.g. stui-lsp keygen ~/.config/stui/client")
			return 2
		}
		// The documented prefix is ~/.config/stui/client, whose directory
		// may not exist yet (on an image's host, say): make what is missing,
		// private, as the image side makes ~/.config/stui.
		if err := os.MkdirAll(filepath.Dir(fs.Arg(0)), 0o700); err != nil {
			fmt.Fprintln(stderr, "stui-lsp keygen:", err)
			return 1
		}
		public, err := stuiclient.GenerateCurveKeys(fs.Arg(0))
		if err != nil {
			fmt.Fprintln(stderr, "stui-lsp keygen:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s.key: secret key (mode 0600, keep it private)\n%s.pub: public key %s\n", fs.Arg(0), fs.Arg(0), public)
		return 0
	case "image":
		return runImage(ctx, cfg, fs.Args(), stdout, stderr)
	case "help":
		fs.Usage()
		return 0
	}
	panic("stui-lsp: smallSubcommands has " + cmd + ", which run does not handle")
}

// resolveEndpoint applies the order flag, $STUI_ENDPOINT, default.
func resolveEndpoint(flagValue string) (string, string) {
	if flagValue != "" {
		return flagValue, "--endpoint"
	}
	if env := os.Getenv("STUI_ENDPOINT"); env != "" {
		return env, "STUI_ENDPOINT"
	}
	return stuiclient.DefaultEndpointSource()
}

// noEndpoint reports, for a subcommand that must reach the image, that no
// endpoint was given and there is no safe default, with the reason (the
// per-user socket's directory is not private): a bare "endpoint \"\"" would
// not tell the user what to do. It answers whether it reported.
func noEndpoint(name string, cfg config, stderr io.Writer) bool {
	if cfg.endpoint != "" {
		return false
	}
	fmt.Fprintf(stderr, "%s: %s; pass --endpoint or set STUI_ENDPOINT\n", name, cfg.source)
	return true
}

func serve(ctx context.Context, cfg config, stdin io.Reader, stdout, stderr io.Writer) int {
	log, closeLog, err := newLogger(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "stui-lsp:", err)
		return 2
	}
	defer closeLog()
	dial := func(endpoint string) (lsp.Image, error) {
		opts, err := clientOptions(cfg)
		if err != nil {
			return nil, err
		}
		return stuiclient.New(endpoint, append(opts, stuiclient.WithLogger(log.Named("stui")))...)
	}
	opts := lsp.Options{
		Logger:            log,
		Version:           version,
		Dial:              dial,
		DialWithTokenFile: dialWithTokenFile(log),
		Endpoint:          cfg.endpoint,
		EndpointSource:    cfg.source,
		DefaultEndpoint:   stuiclient.DefaultEndpoint(),
	}
	stdin, cores := requestCores(stdin)
	if cores != nil {
		opts.Cores = cores
		log.Debug("requests on one core, indexing on all", zap.Int("cores", cores.wide), zap.Bool("monitorAwake", monitorAwake))
	}
	err = lsp.Serve(ctx, stdio{stdin, stdout}, opts)
	if err != nil {
		log.Error("server stopped", zap.Error(err))
		return 1
	}
	return 0
}

// clientOptions are the token and CURVE keys every client of the image uses,
// the server's and the subcommands' alike. A token or key file that exists but
// cannot be used is an error: sending nothing would only earn a bare refusal.
func clientOptions(cfg config) ([]stuiclient.Option, error) {
	var opts []stuiclient.Option
	curve, err := loadCurve(cfg)
	if err != nil {
		return nil, err
	}
	if curve != nil {
		opts = append(opts, curve)
	}
	tok, err := loadToken(cfg.tokenFile)
	if err != nil {
		return nil, err
	}
	if tok != "" {
		opts = append(opts, stuiclient.WithToken(tok))
	}
	return opts, nil
}

// loadCurve reads the CURVE keys when either flag is given (nil when
// neither is). They only work as a pair, so one alone is a usage error that
// names the other, not a failure to open a file called "".
func loadCurve(cfg config) (stuiclient.Option, error) {
	switch {
	case cfg.curveServerKey == "" && cfg.curveSecretKey == "":
		return nil, nil
	case cfg.curveSecretKey == "":
		return nil, errors.New("--curve-server-key needs --curve-secret-key (this client's secret key, as made by stui-lsp keygen)")
	case cfg.curveServerKey == "":
		return nil, errors.New("--curve-secret-key needs --curve-server-key (the image's public key file)")
	}
	return stuiclient.LoadCurve(cfg.curveServerKey, cfg.curveSecretKey)
}

// loadToken finds the shared secret by stuiclient.ResolveToken's precedence:
// the flag's file, $STUI_TOKEN, or the default token file when it exists.
// No token at all is "".
func loadToken(path string) (string, error) {
	tok, err := stuiclient.LoadToken(path)
	if errors.Is(err, stuiclient.ErrNoToken) {
		return "", nil
	}
	return tok, err
}

func newLogger(cfg config, stderr io.Writer) (*zap.Logger, func(), error) {
	level, err := zapcore.ParseLevel(cfg.logLevel)
	if err != nil {
		return nil, nil, fmt.Errorf("--log-level: %w", err)
	}
	out := zapcore.AddSync(stderr)
	closeFn := func() {}
	if cfg.logFile != "" {
		f, err := os.OpenFile(cfg.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, err
		}
		out = zapcore.AddSync(f)
		closeFn = func() { _ = f.Close() }
	}
	enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(out), level)), closeFn, nil
}

// stdio joins stdin and stdout into the stream the server reads and writes.
type stdio struct {
	io.Reader
	io.Writer
}

func (s stdio) Close() error {
	if c, ok := s.Reader.(io.Closer); ok {
		_ = c.Close()
	}
	if c, ok := s.Writer.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
