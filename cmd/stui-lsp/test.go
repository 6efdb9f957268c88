package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stui-lsp/stui-lsp/internal/testrun"
	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

const testUsage = `Usage: stui-lsp test [--endpoint E] [--junit FILE] CLASS|Class>>selector|PACKAGE|FILE...

Runs SUnit tests in the image: a class's tests, one test, every test class
of a package, or the classes of Tonel files (the image must have loaded
them: save them from the editor, or load the package). Prints one line per
test and a summary; exit status 1 when a test failed or errored or a target
could not run, 2 on a usage or setup problem. --junit writes the outcomes as
JUnit XML, for a CI system to show.

Flags:
`

// runTest is `stui-lsp test`.
func runTest(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("stui-lsp test", testUsage, stderr)
	var cfg config
	addClientFlags(fs, &cfg)
	junit := fs.String("junit", "", "also write the outcomes to this file as JUnit XML")
	timeout := fs.Duration("timeout", stuiproto.RunTestsDefaultTimeoutMS*time.Millisecond, "how long the tests of one target may run in the image")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "stui-lsp test: give classes, packages or Tonel files, e.g. stui-lsp test CounterTest")
		return 2
	}
	targets, err := testrun.ParseTargets(fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, "stui-lsp test:", err)
		return 2
	}
	cfg.endpoint, cfg.source = resolveEndpoint(cfg.endpoint)
	if noEndpoint("stui-lsp test", cfg, stderr) {
		return 2
	}
	opts, err := clientOptions(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "stui-lsp test:", err)
		return 2
	}
	client, err := stuiclient.New(cfg.endpoint, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "stui-lsp test:", err)
		return 2
	}
	defer client.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	report := testrun.Run(ctx, testrun.Config{Caller: client, TimeoutMS: int(timeout.Milliseconds()), Out: stdout}, targets)
	if *junit != "" {
		f, err := os.Create(*junit)
		if err == nil {
			err = testrun.WriteJUnit(f, report)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "stui-lsp test: --junit:", err)
			return 2
		}
	}
	if !report.OK() {
		return 1
	}
	return 0
}
