// Package cli holds the subcommands of stui-lsp meant for people and
// scripts rather than editors: ping, eval and doctor. Each writes its output
// to the writers it is given and returns the process exit status.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	zmq "github.com/pebbe/zmq4"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Exit statuses.
const (
	ExitOK     = 0
	ExitFailed = 1 // the image did not answer, or answered with an error
	ExitSetup  = 2 // the local setup is broken (token file, libzmq, endpoint)
)

// pingTimeout bounds ping and doctor when the context has no deadline.
const pingTimeout = 3 * time.Second

// startHint tells a person how to get an image listening at endpoint: the
// default endpoint is what STUIServer start serves, with nothing to type.
func startHint(endpoint string) string {
	start := fmt.Sprintf("STUIServer startOn: '%s'", endpoint)
	if def, _ := stuiclient.DefaultEndpointSource(); endpoint != "" && endpoint == def {
		start = "STUIServer start"
	}
	return "Is a Pharo image with the STUI server running? In the image, evaluate:\n    " + start +
		"\nor point stui-lsp elsewhere with --endpoint or STUI_ENDPOINT.\n"
}

func withDefaultTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// connect makes a client with the configured token, reporting problems on
// stderr. It returns nil and an exit status when it cannot.
//
// opts, when given, carry the token and keys the caller chose; without them
// the default token file is used if present.
func connect(endpoint string, stderr io.Writer, opts []stuiclient.Option) (*stuiclient.Client, int) {
	if opts == nil {
		tok, err := stuiclient.LoadToken("")
		switch {
		case err == nil:
			opts = append(opts, stuiclient.WithToken(tok))
		case !errors.Is(err, stuiclient.ErrNoToken):
			fmt.Fprintf(stderr, "stui-lsp: %v\n", err)
			return nil, ExitSetup
		}
	}
	c, err := stuiclient.New(endpoint, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "stui-lsp: %v\n", err)
		return nil, ExitSetup
	}
	return c, ExitOK
}

// unreachable explains a transport failure.
func unreachable(stderr io.Writer, endpoint string, err error) {
	fmt.Fprintf(stderr, "stui-lsp: no image answers at %s: %v\n%s", endpoint, err, startHint(endpoint))
}

// Ping asks the image at endpoint who it is and prints the answer with the
// round-trip time.
func Ping(ctx context.Context, endpoint string, stdout, stderr io.Writer, opts ...stuiclient.Option) int {
	c, code := connect(endpoint, stderr, opts)
	if c == nil {
		return code
	}
	defer c.Close()
	ctx, cancel := withDefaultTimeout(ctx, pingTimeout)
	defer cancel()
	start := time.Now()
	r, err := c.Ping(ctx)
	rtt := time.Since(start)
	var vm *stuiclient.VersionMismatchError
	switch {
	case errors.As(err, &vm):
		fmt.Fprintf(stderr, "warning: %v\n", vm)
	case err != nil:
		return reportError(stderr, endpoint, err)
	}
	fmt.Fprintf(stdout, "endpoint    %s\n", endpoint)
	fmt.Fprintf(stdout, "protocol    %s (this client %s)\n", r.ProtocolVersion, stuiproto.Version)
	fmt.Fprintf(stdout, "server      %s %s\n", r.ServerName, r.ServerVersion)
	fmt.Fprintf(stdout, "dialect     %s %s\n", r.Dialect, r.DialectVersion)
	fmt.Fprintf(stdout, "image       %s (up %s)\n", r.ImageName, time.Duration(r.Uptime)*time.Second)
	fmt.Fprintf(stdout, "round trip  %s\n", rtt.Round(10*time.Microsecond))
	return ExitOK
}

// Eval evaluates code in the image (without a session) and prints the
// result's printString. An error prints its type, message and place, and
// exits with ExitFailed.
func Eval(ctx context.Context, endpoint, code string, stdout, stderr io.Writer, opts ...stuiclient.Option) int {
	if strings.TrimSpace(code) == "" {
		fmt.Fprintln(stderr, "stui-lsp eval: no code given")
		return ExitSetup
	}
	c, exit := connect(endpoint, stderr, opts)
	if c == nil {
		return exit
	}
	defer c.Close()
	r, err := c.Evaluate(ctx, stuiproto.EvaluateParams{Code: code, EvaluationMode: stuiproto.ModeDisplay})
	if err != nil {
		return reportError(stderr, endpoint, err)
	}
	fmt.Fprintln(stdout, r.Result)
	if r.Truncated {
		fmt.Fprintln(stderr, "(result truncated)")
	}
	return ExitOK
}

// reportError prints an image's error reply or a transport failure.
func reportError(stderr io.Writer, endpoint string, err error) int {
	var re *stuiproto.RemoteError
	if !errors.As(err, &re) {
		if errors.Is(err, stuiclient.ErrUnavailable) || errors.Is(err, stuiclient.ErrDeadline) {
			unreachable(stderr, endpoint, err)
		} else {
			fmt.Fprintf(stderr, "stui-lsp: %v\n", err)
		}
		return ExitFailed
	}
	fmt.Fprintf(stderr, "%s: %s\n", re.Type, re.Message)
	if d := re.Details; d != nil {
		if d.Line > 0 {
			fmt.Fprintf(stderr, "  at line %d, column %d\n", d.Line, d.Column)
		}
		if d.ErrorClass != "" && d.ErrorClass != re.Message {
			fmt.Fprintf(stderr, "  error class %s\n", d.ErrorClass)
		}
	}
	for _, f := range re.StackTrace {
		fmt.Fprintf(stderr, "  %s\n", f)
	}
	return ExitFailed
}

// Doctor checks the local setup and whether an image answers. It exits
// non-zero only when libzmq itself is unusable: an image that does not
// answer is information, not a failure of the check.
func Doctor(ctx context.Context, endpoint string, stdout, stderr io.Writer, opts ...stuiclient.Option) int {
	return DoctorWithTokenFile(ctx, endpoint, "", stdout, stderr, opts...)
}

// DoctorWithTokenFile is Doctor for a token given with --token-file (""
// for none), so that it reports the token the other commands use.
func DoctorWithTokenFile(ctx context.Context, endpoint, tokenFile string, stdout, stderr io.Writer, opts ...stuiclient.Option) int {
	status := ExitOK
	major, minor, patch := zmq.Version()
	if s, err := zmq.NewSocket(zmq.DEALER); err != nil || major < 4 {
		fmt.Fprintf(stdout, "libzmq      %d.%d.%d: UNUSABLE (%v)\n", major, minor, patch, err)
		status = ExitSetup
	} else {
		s.Close()
		fmt.Fprintf(stdout, "libzmq      %d.%d.%d\n", major, minor, patch)
	}
	if zmq.HasCurve() {
		fmt.Fprintln(stdout, "CURVE       available")
	} else {
		fmt.Fprintln(stdout, "CURVE       not available (libzmq built without libsodium)")
	}
	fmt.Fprintf(stdout, "endpoint    %s (%s)\n", endpoint, endpointSource(endpoint))
	fmt.Fprintf(stdout, "token       %s\n", tokenStatus(tokenFile))
	if status != ExitOK {
		return status
	}

	c, err := stuiclient.New(endpoint, opts...)
	if err != nil {
		fmt.Fprintf(stdout, "image       cannot connect: %v\n", err)
		return ExitOK
	}
	defer c.Close()
	if tok, err := stuiclient.LoadToken(tokenFile); err == nil && opts == nil {
		c.Close()
		if c, err = stuiclient.New(endpoint, stuiclient.WithToken(tok)); err != nil {
			fmt.Fprintf(stdout, "image       not asked: %v\n", err)
			return ExitOK
		}
		defer c.Close()
	}
	ctx, cancel := withDefaultTimeout(ctx, pingTimeout)
	defer cancel()
	start := time.Now()
	r, err := c.Ping(ctx)
	var vm *stuiclient.VersionMismatchError
	switch {
	case err == nil || errors.As(err, &vm):
		fmt.Fprintf(stdout, "image       answers: %s %s, protocol %s, %s (%s)\n", r.Dialect, r.DialectVersion,
			r.ProtocolVersion, r.ImageName, time.Since(start).Round(10*time.Microsecond))
		if vm != nil {
			fmt.Fprintf(stdout, "            warning: %v\n", vm)
		}
	default:
		fmt.Fprintf(stdout, "image       no answer: %v\n", err)
		fmt.Fprint(stdout, indent(startHint(endpoint)))
	}
	return ExitOK
}

func indent(s string) string {
	return "            " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n            ") + "\n"
}

func endpointSource(endpoint string) string {
	if env := os.Getenv("STUI_ENDPOINT"); env != "" && env == endpoint {
		return "from STUI_ENDPOINT"
	}
	if def, why := stuiclient.DefaultEndpointSource(); def == endpoint {
		return why
	}
	return "given on the command line"
}

func tokenStatus(tokenFile string) string {
	_, source, err := stuiclient.ResolveToken(tokenFile)
	switch {
	case errors.Is(err, stuiclient.ErrNoToken):
		return fmt.Sprintf("none (no %s; fine unless the image requires one)", stuiclient.DefaultTokenPath())
	case err != nil:
		return "REFUSED: " + err.Error()
	}
	return "from " + source
}
