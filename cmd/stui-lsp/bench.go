package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stui-lsp/stui-lsp/internal/bench"
)

const benchUsage = `Usage: stui-lsp bench [flags]

Runs this stui-lsp binary over stdio as an editor does, against a STUI test
backend on loopback in a child process (stui-lsp bench-backend), and reports
hover and evaluate latency, throughput, concurrent editors, initialize time
and memory over a soak, each set against a bare ZeroMQ round trip to the same
backend measured in the same run. See docs/performance.md.

Flags:
`

// The hidden subcommands serving the bench's backend and its relay, each
// in a process of its own.
const (
	benchBackendCommand = bench.BackendCommand
	benchRelayCommand   = bench.RelayCommand
)

// runBench is `stui-lsp bench` and its hidden bench-backend and bench-relay.
func runBench(cmd string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	switch cmd {
	case benchBackendCommand:
		return bench.ServeBackend(stdin, stdout)
	case benchRelayCommand:
		return bench.ServeRelay(stdin, stdout)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := newFlagSet("stui-lsp bench", benchUsage, stderr)
	var cfg bench.Config
	fs.BoolVar(&cfg.Quick, "quick", false, "a short run (under a minute) with fewer samples and editors")
	fs.BoolVar(&cfg.JSON, "json", false, "print one JSON object instead of a table")
	fs.IntVar(&cfg.Soak, "soak", 0, "requests in the memory soak (default 300000, 40000 with --quick)")
	fs.IntVar(&cfg.Editors, "editors", 0, "concurrent stui-lsp processes sharing the backend (default 50, 10 with --quick)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "length of each throughput run (default 5s, 1s with --quick)")
	fs.IntVar(&cfg.Samples, "samples", 0, "latency samples per measure (default 20000, 3000 with --quick)")
	fs.BoolVar(&cfg.InProcessBackend, "in-process-backend", false, "serve the backend from the bench process instead of a child process")
	fs.StringVar(&cfg.ProfileDir, "cpuprofile", "", "write a CPU profile of the language server of each phase to this directory")
	fs.StringVar(&cfg.Exe, "lsp", "", "stui-lsp binary to measure (default: this one)")
	fs.IntVar(&cfg.LSPGOMAXPROCS, "lsp-gomaxprocs", 0, "run the language servers with this GOMAXPROCS")
	fs.StringVar(&cfg.Workspace, "workspace", "", "open this folder as an editor would, with no image, and measure indexing, memory, searches, edits and check (see docs/performance.md)")
	fs.IntVar(&cfg.Corpus, "corpus", 0, "with no --workspace: generate a workspace of this many Tonel files shaped like Pharo's src/ (9375 for its full size) and measure it as --workspace does")
	fs.StringVar(&cfg.Versus, "versus", "", "measure this stui-lsp binary side by side with the one under test: hovers and evaluations of the two alternate in short blocks on one backend (see docs/performance.md)")
	verbose := fs.Bool("v", false, "report progress on stderr")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if *verbose {
		cfg.Progress = stderr
	}
	start := time.Now()
	if err := bench.Run(ctx, cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "stui-lsp bench: %v (after %s)\n", err, time.Since(start).Round(time.Millisecond))
		return 1
	}
	return 0
}

// init lets the bench profile the language servers it starts:
// STUI_LSP_CPUPROFILE=file writes a CPU profile until the process gets
// SIGUSR2 (the bench sends it before closing the server); %p in the name
// becomes the process id.
func init() {
	path := os.Getenv("STUI_LSP_CPUPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(strings.ReplaceAll(path, "%p", strconv.Itoa(os.Getpid())))
	if err != nil {
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGUSR2)
	go func() {
		<-stop
		pprof.StopCPUProfile()
		f.Close()
	}()
}
