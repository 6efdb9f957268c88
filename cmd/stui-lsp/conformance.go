package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/stui-lsp/stui-lsp/internal/conformance"
)

const conformanceUsage = `Usage: stui-lsp conformance [--endpoint E] [--json] [flags]

Checks the image at the endpoint against the STUI protocol (docs/protocol.md):
every command with its documented errors, then sessions, concurrency,
interrupt, truncation, non-Error exceptions, compile round trips and the
token. One line per check, then a summary; exit status 1 when a check fails.
--json prints one report to paste into an issue instead. docs/conformance.md
says what each check means. The run creates sessions, a class
STUIConformanceFixture in package STUI-Conformance and its methods, and
removes what the protocol lets it remove.

Flags:
`

// runConformance is `stui-lsp conformance`.
func runConformance(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("stui-lsp conformance", conformanceUsage, stderr)
	var cfg config
	addClientFlags(fs, &cfg)
	asJSON := fs.Bool("json", false, "print the report as JSON (to paste into an issue) instead of one line per check")
	timeout := fs.Duration("timeout", conformance.DefaultCallTimeout, "how long each request waits for its reply (evaluations with a timeout_ms: that long plus two seconds, if longer)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "stui-lsp conformance: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	cfg.endpoint, cfg.source = resolveEndpoint(cfg.endpoint)
	if noEndpoint("stui-lsp conformance", cfg, stderr) {
		return 2
	}

	run := conformance.Config{Endpoint: cfg.endpoint, ClientVersion: version, CallTimeout: *timeout}
	curve, err := loadCurve(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "stui-lsp conformance:", err)
		return 2
	}
	if curve != nil {
		run.Options = append(run.Options, curve)
	}
	tok, err := loadToken(cfg.tokenFile)
	if err != nil {
		fmt.Fprintln(stderr, "stui-lsp conformance:", err)
		return 2
	}
	run.Token = tok
	if !*asJSON {
		conformance.WriteHeader(stdout, cfg.endpoint, tok != "")
		run.Progress = func(res conformance.Result) { conformance.WriteLine(stdout, res) }
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	report, err := conformance.Run(ctx, run)
	if err != nil {
		fmt.Fprintln(stderr, "stui-lsp conformance:", err)
		return 2
	}
	if *asJSON {
		if err := conformance.WriteJSON(stdout, report); err != nil {
			fmt.Fprintln(stderr, "stui-lsp conformance:", err)
			return 2
		}
	} else {
		conformance.WriteSummary(stdout, report)
	}
	if report.Failed() {
		return 1
	}
	return 0
}
