// Package bench measures the language server end to end, as an editor sees
// it: the real stui-lsp binary over stdio against a STUI backend on loopback,
// with every latency and throughput set against a bare ZeroMQ round trip to
// the same backend measured in the same run. It is the body of
// `stui-lsp bench`; docs/performance.md explains the numbers.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/stui-lsp/stui-lsp/internal/corpus"
)

// Config is what `stui-lsp bench` was asked to do. Zero values pick the
// defaults of the mode (quick or full).
type Config struct {
	Quick    bool
	JSON     bool
	Soak     int           // requests in the soak
	Editors  int           // concurrent stui-lsp processes
	Duration time.Duration // per throughput level
	Samples  int           // latency samples per kind
	// InProcessBackend serves the backend from the bench process instead of
	// a bench-backend child process.
	InProcessBackend bool
	// ProfileDir, when set, receives a CPU profile of the language server of
	// each phase (latency.pprof, throughput.pprof, soak.pprof).
	ProfileDir string
	// LSPGOMAXPROCS, when positive, runs the language servers with that
	// GOMAXPROCS (the bench and the backend keep theirs).
	LSPGOMAXPROCS int
	// Exe is the stui-lsp binary to run; empty means this executable.
	Exe string
	// Workspace, when set, makes the run open that folder as an editor
	// would (see WorkspaceReport) and measure hover and throughput against
	// their baselines, instead of the full run.
	Workspace string
	// Corpus, when positive and Workspace is empty, generates a workspace
	// of that many files shaped like Pharo's (internal/corpus) to measure.
	Corpus int
	// Versus, when set, is another stui-lsp binary to measure side by side
	// with Exe (see VersusReport), instead of the full run.
	Versus string
	// Progress receives one line per phase; nil is silent.
	Progress io.Writer
}

func (c *Config) defaults() error {
	if c.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		c.Exe = exe
	}
	pick := func(v *int, quick, full int) {
		if *v <= 0 {
			*v = full
			if c.Quick {
				*v = quick
			}
		}
	}
	pick(&c.Soak, 40_000, 300_000)
	pick(&c.Editors, 10, 50)
	pick(&c.Samples, 3_000, 20_000)
	if c.Duration <= 0 {
		c.Duration = 5 * time.Second
		if c.Quick {
			c.Duration = time.Second
		}
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return nil
}

// Report is the outcome of a run; --json prints it as one object.
type Report struct {
	Machine       machine `json:"machine"`
	GOMAXPROCS    int     `json:"gomaxprocs"`
	LSPGOMAXPROCS int     `json:"lsp_gomaxprocs,omitempty"`
	Backend       string  `json:"backend"` // "process" or "in-process"
	Quick         bool    `json:"quick"`

	RawRTTP50us float64 `json:"raw_rtt_p50_us"`
	RawRTTP95us float64 `json:"raw_rtt_p95_us"`
	RawRTTP99us float64 `json:"raw_rtt_p99_us"`
	// PipeRTT is a message the size of a hover request echoed by cat(1)
	// through two pipes: what stdio alone costs a request and its reply.
	PipeRTTP50us float64 `json:"pipe_rtt_p50_us"`
	PipeRTTP99us float64 `json:"pipe_rtt_p99_us"`

	// RelayHover is the bench's hover answered by the relay (see relay.go):
	// the least any stdio server adds in this layout.
	RelayHoverP50us    float64 `json:"relay_hover_p50_us"`
	RelayHoverP99us    float64 `json:"relay_hover_p99_us"`
	RelayHoverP50Ratio float64 `json:"relay_hover_p50_ratio"`
	RelayHoverP99Ratio float64 `json:"relay_hover_p99_ratio"`
	// HoverOverRelay is hover p50 minus the relay's: stui-lsp's own share.
	HoverOverRelayP50us float64 `json:"hover_over_relay_p50_us"`

	HoverP50us    float64 `json:"hover_p50_us"`
	HoverP95us    float64 `json:"hover_p95_us"`
	HoverP99us    float64 `json:"hover_p99_us"`
	HoverP50Ratio float64 `json:"hover_p50_ratio"`
	HoverP99Ratio float64 `json:"hover_p99_ratio"`

	EvaluateP50us    float64 `json:"evaluate_p50_us"`
	EvaluateP95us    float64 `json:"evaluate_p95_us"`
	EvaluateP99us    float64 `json:"evaluate_p99_us"`
	EvaluateP50Ratio float64 `json:"evaluate_p50_ratio"`
	EvaluateP99Ratio float64 `json:"evaluate_p99_ratio"`
	LatencySamples   int     `json:"latency_samples"`

	EvaluateRPS1  float64 `json:"evaluate_rps_1_in_flight"`
	EvaluateRPS8  float64 `json:"evaluate_rps_8_in_flight"`
	EvaluateRPS64 float64 `json:"evaluate_rps_64_in_flight"`
	RawRPS1       float64 `json:"raw_rps_1_in_flight"`
	RawRPS8       float64 `json:"raw_rps_8_in_flight"`
	RawRPS64      float64 `json:"raw_rps_64_in_flight"`
	RPS8Ratio     float64 `json:"evaluate_rps_8_ratio"` // LSP over raw, same concurrency
	// RawPingRPS8 is the raw DEALER sending ping, 8 in flight: the baseline
	// before the raw side sent the server's evaluate, kept for comparison.
	RawPingRPS8 float64 `json:"raw_ping_rps_8_in_flight"`
	// CPU time per evaluation with 8 in flight, by process: robust where
	// wall-clock numbers are noisy on a shared machine.
	LSPCPUPerRequestUS     float64 `json:"lsp_cpu_us_per_request"`
	BackendCPUPerRequestUS float64 `json:"backend_cpu_us_per_request,omitempty"`
	BenchCPUPerRequestUS   float64 `json:"bench_cpu_us_per_request"`
	// The same for the raw DEALER's evaluations: the backend's and the
	// bench's CPU with no language server in between.
	RawBackendCPUPerRequestUS float64 `json:"raw_backend_cpu_us_per_request,omitempty"`
	RawBenchCPUPerRequestUS   float64 `json:"raw_bench_cpu_us_per_request"`
	// Context switches per evaluation with 8 in flight, by process, over
	// the same blocks: each wake-up of a sleeping thread is one.
	LSPSwitchesPerRequest        float64 `json:"lsp_switches_per_request"`
	BackendSwitchesPerRequest    float64 `json:"backend_switches_per_request,omitempty"`
	BenchSwitchesPerRequest      float64 `json:"bench_switches_per_request"`
	RawBackendSwitchesPerRequest float64 `json:"raw_backend_switches_per_request,omitempty"`
	RawBenchSwitchesPerRequest   float64 `json:"raw_bench_switches_per_request"`

	Editors            int     `json:"editors"`
	EditorRequests     int     `json:"editor_requests"`
	EditorErrors       int     `json:"editor_errors"`
	EditorFirstError   string  `json:"editor_first_error,omitempty"`
	EditorP50us        float64 `json:"editor_p50_us"`
	EditorP99us        float64 `json:"editor_p99_us"`
	EditorP50Ratio     float64 `json:"editor_p50_ratio"`
	EditorInitializeMS float64 `json:"editor_initialize_p50_ms"` // all editors starting at once
	EditorRSSKB        int     `json:"editor_rss_kb"`            // one editor's RSS, median

	SoakRequests int      `json:"soak_requests"`
	SoakErrors   int      `json:"soak_errors"`
	SoakSeconds  float64  `json:"soak_seconds"`
	SoakRPS      float64  `json:"soak_rps"`
	RSSStartKB   int      `json:"rss_start_kb"` // after warm-up (first tenth of the soak)
	RSSEndKB     int      `json:"rss_end_kb"`
	RSSMaxKB     int      `json:"rss_max_kb"`
	RSSGrowthPct float64  `json:"rss_growth_pct"`
	ThreadsStart int      `json:"threads_start"`
	ThreadsEnd   int      `json:"threads_end"`
	ThreadsMax   int      `json:"threads_max"`
	RSSSeries    [][3]int `json:"rss_series"` // [seconds, VmRSS kB, threads], at most 120 points

	InitializeMS    float64 `json:"initialize_ms"` // p50, process start to initialize reply
	InitializeMaxMS float64 `json:"initialize_max_ms"`
	InitializeN     int     `json:"initialize_samples"`

	// HoverRelayRatio is hover p50 over the relay's: the layout's own cost
	// set aside.
	HoverRelayRatio float64 `json:"hover_relay_ratio"`

	*WorkspaceReport
	*VersusReport

	Seconds float64 `json:"seconds"`
	// LoadAvg is /proc/loadavg at the start and the end: other work on the
	// machine shows up here before it shows up as noise.
	LoadAvg [2]string `json:"loadavg"`
}

// Run runs the benchmark and prints the report to stdout.
func Run(ctx context.Context, cfg Config, stdout io.Writer) error {
	if err := cfg.defaults(); err != nil {
		return err
	}
	began := time.Now()
	load0 := loadAvg()
	rep := &Report{Machine: describeMachine(), GOMAXPROCS: runtime.GOMAXPROCS(0), LSPGOMAXPROCS: cfg.LSPGOMAXPROCS, Quick: cfg.Quick, Backend: "process"}
	if cfg.InProcessBackend {
		rep.Backend = "in-process"
	}
	tmp, err := os.MkdirTemp("", "stui-lsp-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	be, err := startBackend(cfg.Exe, cfg.InProcessBackend)
	if err != nil {
		return err
	}
	defer be.stop()
	b := &run{cfg: cfg, rep: rep, endpoint: be.endpoint, backendPID: be.pid, tmp: tmp}
	if cfg.Workspace == "" && cfg.Corpus > 0 {
		b.cfg.Workspace = filepath.Join(tmp, "corpus")
		if _, err := corpus.Write(b.cfg.Workspace, corpus.Shape{Files: cfg.Corpus, Seed: 1}); err != nil {
			return err
		}
		cfg.Workspace = b.cfg.Workspace
	}
	logf := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, "bench: "+format+"\n", args...) }
	logf("backend at %s (%s), stui-lsp %s", be.endpoint, rep.Backend, cfg.Exe)

	type step struct {
		name string
		fn   func(context.Context) error
	}
	steps := []step{{"initialize", b.initialize}, {"latency", b.latency}, {"throughput", b.throughput}, {"editors", b.editors}, {"soak", b.soak}}
	switch {
	case cfg.Versus != "":
		steps = []step{{"versus", b.versus}}
	case cfg.Workspace != "":
		steps = []step{{"workspace", b.workspace}, {"latency", b.latency}, {"throughput", b.throughput}}
	}
	for _, s := range steps {
		logf("%s...", s.name)
		t := time.Now()
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		logf("%s done in %.1fs", s.name, time.Since(t).Seconds())
	}
	rep.HoverRelayRatio = ratio(rep.HoverP50us, rep.RelayHoverP50us)
	rep.Seconds = time.Since(began).Seconds()
	rep.LoadAvg = [2]string{load0, loadAvg()}
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(rep)
	}
	if rep.WorkspaceReport != nil {
		rep.printWorkspace(stdout)
		return nil
	}
	if rep.VersusReport != nil {
		rep.printVersus(stdout)
		return nil
	}
	rep.print(stdout)
	return nil
}

type run struct {
	cfg        Config
	rep        *Report
	endpoint   string
	backendPID int
	tmp        string
	seq        atomic.Int64
}

// newEditor starts one stui-lsp with a workspace folder of its own and opens
// the hover document.
func (b *run) newEditor(ctx context.Context) (*editor, string, error) {
	return b.newProfiledEditor(ctx, "")
}

// newProfiledEditor is newEditor with a CPU profile of the server written to
// ProfileDir/phase.pprof, if ProfileDir is set. The latency and throughput
// phases' editors make their requests inline (see editor and pipeline).
func (b *run) newProfiledEditor(ctx context.Context, phase string) (*editor, string, error) {
	profile := b.profile(phase)
	n := b.seq.Add(1)
	folder := filepath.Join(b.tmp, fmt.Sprintf("ws%d", n))
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return nil, "", err
	}
	e, err := startEditor(ctx, b.cfg.Exe, nil, b.endpoint, folder, filepath.Join(b.tmp, "cache"), profile, b.lspEnv(), phase == "latency" || phase == "throughput")
	if err != nil {
		return nil, "", err
	}
	// The first request waits for the server's own handshake with the image:
	// a request that reaches the image first makes the server start its
	// reconnection work with that request's STUI id, which a later call can
	// then collide with (see docs/performance.md).
	e.waitConnected(3 * time.Second)
	uri, err := e.open(hoverClass+".class.st", hoverDocument)
	if err != nil {
		e.kill()
		return nil, "", err
	}
	return e, uri, nil
}

// profile is where the server of phase writes its CPU profile, or "".
func (b *run) profile(phase string) string {
	if b.cfg.ProfileDir == "" || phase == "" {
		return ""
	}
	return filepath.Join(b.cfg.ProfileDir, phase+".pprof")
}

// lspEnv is the environment the servers get on top of the bench's.
func (b *run) lspEnv() []string {
	if b.cfg.LSPGOMAXPROCS > 0 {
		return []string{fmt.Sprintf("GOMAXPROCS=%d", b.cfg.LSPGOMAXPROCS)}
	}
	return nil
}

// checkHover makes one hover and checks that it came from the image.
func checkHover(ctx context.Context, e *editor, uri string) error {
	res, err := e.hover(ctx, uri, hoverLine, hoverChar)
	if err != nil {
		return err
	}
	var h struct {
		Contents struct {
			Value string `json:"value"`
		} `json:"contents"`
	}
	if err := json.Unmarshal(res, &h); err != nil {
		return fmt.Errorf("hover reply: %w", err)
	}
	if !strings.Contains(h.Contents.Value, "I am a point for the benchmark.") {
		return fmt.Errorf("hover did not come from the image: %q", h.Contents.Value)
	}
	return nil
}

func checkEvaluate(ctx context.Context, e *editor) error {
	res, err := e.evaluate(ctx, "3 + 4")
	if err != nil {
		return fmt.Errorf("%w\nstui-lsp log:\n%s", err, e.log)
	}
	return checkSeven(res)
}

// checkSeven checks that an evaluation of 3 + 4 answered 7.
func checkSeven(res json.RawMessage) error {
	var r struct {
		Result string `json:"result"`
	}
	if err := jsonv2.Unmarshal(res, &r); err != nil || r.Result != "7" {
		return fmt.Errorf("evaluate 3 + 4 answered %s", res)
	}
	return nil
}

// initialize starts stui-lsp one after another and times process start to
// initialize reply.
func (b *run) initialize(ctx context.Context) error {
	n := 20
	if b.cfg.Quick {
		n = 8
	}
	var lat latencies
	for range n {
		e, _, err := b.newEditor(ctx)
		if err != nil {
			return err
		}
		lat = append(lat, e.initializeLatency())
		if err := e.close(); err != nil {
			return err
		}
	}
	s := summarize(lat)
	b.rep.InitializeMS, b.rep.InitializeMaxMS, b.rep.InitializeN = s.P50/1e3, s.Max/1e3, n
	return nil
}

// latency alternates blocks of raw pings, hovers and evaluations, so that
// drift on a shared machine hits all three alike.
func (b *run) latency(ctx context.Context) error {
	e, uri, err := b.newProfiledEditor(ctx, "latency")
	if err != nil {
		return err
	}
	defer e.close()
	raw, err := newRawREQ(b.endpoint)
	if err != nil {
		return err
	}
	defer raw.close()
	for range 300 { // warm up: session, connections, caches
		if err := checkHover(ctx, e, uri); err != nil {
			return err
		}
		if err := checkEvaluate(ctx, e); err != nil {
			return err
		}
		if _, err := raw.roundTrip(); err != nil {
			return err
		}
	}
	pipe, err := newPipeEcho()
	if err != nil {
		return err
	}
	defer pipe.close()
	relay, err := startEditor(ctx, b.cfg.Exe, []string{RelayCommand}, b.endpoint, b.tmp, filepath.Join(b.tmp, "cache"), "", nil, true)
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	defer relay.close()
	for range 100 {
		if err := checkHover(ctx, relay, uri); err != nil {
			return fmt.Errorf("relay: %w", err)
		}
	}
	// Requests are encoded once, as the raw baseline's is.
	hoverReq, evalReq := hoverParams(uri, hoverLine, hoverChar), evaluateParams("3 + 4")
	const block = 250
	var rawLat, relayLat, hoverLat, evalLat, pipeLat latencies
	for len(rawLat) < b.cfg.Samples {
		for range block / 5 {
			d, err := pipe.roundTrip()
			if err != nil {
				return err
			}
			pipeLat = append(pipeLat, d)
		}
		for range block {
			d, err := raw.roundTrip()
			if err != nil {
				return err
			}
			rawLat = append(rawLat, d)
		}
		for range block {
			t := time.Now()
			if _, err := relay.call(ctx, "textDocument/hover", hoverReq); err != nil {
				return fmt.Errorf("relay: %w", err)
			}
			relayLat = append(relayLat, time.Since(t))
		}
		for range block {
			t := time.Now()
			if _, err := e.call(ctx, "textDocument/hover", hoverReq); err != nil {
				return err
			}
			hoverLat = append(hoverLat, time.Since(t))
		}
		for range block {
			t := time.Now()
			if _, err := e.call(ctx, "workspace/executeCommand", evalReq); err != nil {
				return err
			}
			evalLat = append(evalLat, time.Since(t))
		}
	}
	r, h, ev := summarize(rawLat), summarize(hoverLat), summarize(evalLat)
	rep := b.rep
	rep.LatencySamples = len(rawLat)
	p := summarize(pipeLat)
	rep.PipeRTTP50us, rep.PipeRTTP99us = p.P50, p.P99
	rep.RawRTTP50us, rep.RawRTTP95us, rep.RawRTTP99us = r.P50, r.P95, r.P99
	rl := summarize(relayLat)
	rep.RelayHoverP50us, rep.RelayHoverP99us = rl.P50, rl.P99
	rep.RelayHoverP50Ratio, rep.RelayHoverP99Ratio = rl.P50/r.P50, rl.P99/r.P99
	rep.HoverP50us, rep.HoverP95us, rep.HoverP99us = h.P50, h.P95, h.P99
	rep.HoverOverRelayP50us = h.P50 - rl.P50
	rep.HoverP50Ratio, rep.HoverP99Ratio = h.P50/r.P50, h.P99/r.P99
	rep.EvaluateP50us, rep.EvaluateP95us, rep.EvaluateP99us = ev.P50, ev.P95, ev.P99
	rep.EvaluateP50Ratio, rep.EvaluateP99Ratio = ev.P50/r.P50, ev.P99/r.P99
	return nil
}

// load keeps inflight requests outstanding on e until n requests are done
// (n > 0) or d has passed, and returns how many were done and failed.
func load(ctx context.Context, e *editor, uri string, inflight, n int, d time.Duration, mix bool) (done, failed int, firstErr error) {
	var count, errs atomic.Int64
	var once sync.Once
	deadline := time.Now().Add(d)
	// Encoded once, as the raw DEALER's parameters are: the editor's own
	// cost per request is its framing, writing and reading.
	hoverReq, evalReq := hoverParams(uri, hoverLine, hoverChar), evaluateParams("3 + 4")
	var wg sync.WaitGroup
	for w := range inflight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				k := count.Add(1)
				if (n > 0 && k > int64(n)) || (n == 0 && time.Now().After(deadline)) || ctx.Err() != nil {
					count.Add(-1)
					return
				}
				var err error
				if mix && (i+w)%2 == 0 {
					_, err = e.call(ctx, "textDocument/hover", hoverReq)
				} else {
					_, err = e.call(ctx, "workspace/executeCommand", evalReq)
				}
				if err != nil {
					errs.Add(1)
					once.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	return int(count.Load()), int(errs.Load()), firstErr
}

// throughput runs evaluations with 1, 8 and 64 in flight through one
// stui-lsp, and the raw DEALER's at the same concurrency. The two alternate
// in short blocks, as the latency measures do, so that other work on a
// shared machine hits both alike; each figure is the sum over its blocks.
func (b *run) throughput(ctx context.Context) error {
	e, _, err := b.newProfiledEditor(ctx, "throughput")
	if err != nil {
		return err
	}
	defer e.close()
	if err := checkEvaluate(ctx, e); err != nil {
		return err
	}
	raw, err := newRawDealer(b.endpoint, false)
	if err != nil {
		return err
	}
	defer raw.close()
	evalReq := evaluateParams("3 + 4")
	if _, _, err := e.pipeline(ctx, "workspace/executeCommand", evalReq, 8, 200*time.Millisecond, checkSeven); err != nil {
		return err
	}
	if _, _, err := raw.run(8, 100*time.Millisecond); err != nil {
		return err
	}
	blocks := max(4, int(b.cfg.Duration/(500*time.Millisecond)))
	block := b.cfg.Duration / time.Duration(blocks)
	for _, k := range []int{1, 8, 64} {
		var lspN, rawN int
		var lspTime, rawTime time.Duration
		var lspCPU, rawCPU [3]usage
		for range blocks {
			cpu0 := b.cpu(e.pid)
			n, t, err := e.pipeline(ctx, "workspace/executeCommand", evalReq, k, block, checkSeven)
			cpu1 := b.cpu(e.pid)
			if err != nil {
				return fmt.Errorf("%d in flight, after %d evaluations: %w", k, n, err)
			}
			lspN, lspTime = lspN+n, lspTime+t
			cpu2 := b.cpu(0)
			rn, rt, err := raw.run(k, block)
			if err != nil {
				return err
			}
			cpu3 := b.cpu(0)
			rawN, rawTime = rawN+rn, rawTime+rt
			for i := range lspCPU {
				lspCPU[i] = lspCPU[i].add(cpu1[i].sub(cpu0[i]))
				rawCPU[i] = rawCPU[i].add(cpu3[i].sub(cpu2[i]))
			}
		}
		rps, rawRPS := float64(lspN)/lspTime.Seconds(), float64(rawN)/rawTime.Seconds()
		switch k {
		case 1:
			b.rep.EvaluateRPS1, b.rep.RawRPS1 = rps, rawRPS
		case 8:
			b.rep.EvaluateRPS8, b.rep.RawRPS8 = rps, rawRPS
			b.rep.RPS8Ratio = rps / rawRPS
			per := func(u usage, n int) float64 { return float64(u.cpu.Nanoseconds()) / 1e3 / float64(max(n, 1)) }
			b.rep.LSPCPUPerRequestUS, b.rep.BackendCPUPerRequestUS, b.rep.BenchCPUPerRequestUS = per(lspCPU[0], lspN), per(lspCPU[1], lspN), per(lspCPU[2], lspN)
			b.rep.RawBackendCPUPerRequestUS, b.rep.RawBenchCPUPerRequestUS = per(rawCPU[1], rawN), per(rawCPU[2], rawN)
			switches := func(u usage, n int) float64 { return float64(u.switches) / float64(max(n, 1)) }
			b.rep.LSPSwitchesPerRequest, b.rep.BackendSwitchesPerRequest, b.rep.BenchSwitchesPerRequest = switches(lspCPU[0], lspN), switches(lspCPU[1], lspN), switches(lspCPU[2], lspN)
			b.rep.RawBackendSwitchesPerRequest, b.rep.RawBenchSwitchesPerRequest = switches(rawCPU[1], rawN), switches(rawCPU[2], rawN)
			ping, err := newRawDealer(b.endpoint, true)
			if err != nil {
				return err
			}
			pn, pt, err := ping.run(k, b.cfg.Duration/2)
			ping.close()
			if err != nil {
				return err
			}
			b.rep.RawPingRPS8 = float64(pn) / pt.Seconds()
		case 64:
			b.rep.EvaluateRPS64, b.rep.RawRPS64 = rps, rawRPS
		}
	}
	return nil
}

// usage is what a process has used so far: CPU time and context switches.
type usage struct {
	cpu      time.Duration
	switches int64
}

func (u usage) sub(v usage) usage { return usage{u.cpu - v.cpu, u.switches - v.switches} }
func (u usage) add(v usage) usage { return usage{u.cpu + v.cpu, u.switches + v.switches} }

// cpu returns the usage so far of the server lspPID, the backend process
// (zero when in-process) and the bench process.
func (b *run) cpu(lspPID int) [3]usage {
	var out [3]usage
	read := func(pid int) usage {
		cpu, _ := procCPU(pid)
		return usage{cpu, procSwitches(pid)}
	}
	if lspPID != 0 {
		out[0] = read(lspPID)
	}
	if b.backendPID != 0 {
		out[1] = read(b.backendPID)
	}
	out[2] = read(os.Getpid())
	return out
}

// editors starts many stui-lsp processes at once against the one backend;
// once all are up, each hovers and evaluates in turn, all at the same time.
// Every failure counts.
func (b *run) editors(ctx context.Context) error {
	n := b.cfg.Editors
	const perEditor = 40
	type result struct {
		lat   latencies
		init  time.Duration
		rss   int
		errs  int
		first error
	}
	results := make([]result, n)
	var wg, up sync.WaitGroup
	start, begin := make(chan struct{}), make(chan struct{})
	fail := func(r *result, err error) {
		r.errs++
		if r.first == nil {
			r.first = err
		}
	}
	for i := range n {
		wg.Add(1)
		up.Add(1)
		go func() {
			defer wg.Done()
			r := &results[i]
			<-start
			e, uri, err := b.newEditor(ctx)
			up.Done()
			if err != nil {
				r.errs, r.first = perEditor+1, err
				return
			}
			r.init = e.initializeLatency()
			<-begin
			for j := range perEditor {
				t := time.Now()
				if j%2 == 0 {
					err = checkHover(ctx, e, uri)
				} else {
					err = checkEvaluate(ctx, e)
				}
				r.lat = append(r.lat, time.Since(t))
				if err != nil {
					fail(r, err)
				}
			}
			r.rss, _, _ = procStatus(e.pid)
			if err := e.close(); err != nil {
				fail(r, err)
			}
		}()
	}
	close(start)
	up.Wait()
	close(begin)
	wg.Wait()
	var all, inits latencies
	var rss []time.Duration
	for _, r := range results {
		all = append(all, r.lat...)
		if r.init > 0 {
			inits = append(inits, r.init)
		}
		rss = append(rss, time.Duration(r.rss))
		b.rep.EditorErrors += r.errs
		if r.first != nil && b.rep.EditorFirstError == "" {
			b.rep.EditorFirstError = r.first.Error()
		}
	}
	s := summarize(all)
	b.rep.Editors, b.rep.EditorRequests = n, len(all)
	b.rep.EditorP50us, b.rep.EditorP99us = s.P50, s.P99
	if b.rep.RawRTTP50us > 0 {
		b.rep.EditorP50Ratio = s.P50 / b.rep.RawRTTP50us
	}
	b.rep.EditorInitializeMS = summarize(inits).P50 / 1e3
	b.rep.EditorRSSKB = int(latencies(rss).sorted()[len(rss)/2])
	return nil
}

// soak sends cfg.Soak requests (hover and evaluate in turn, 8 in flight)
// through one stui-lsp and samples its RSS and thread count.
func (b *run) soak(ctx context.Context) error {
	e, uri, err := b.newProfiledEditor(ctx, "soak")
	if err != nil {
		return err
	}
	defer e.close()
	if err := checkEvaluate(ctx, e); err != nil {
		return err
	}
	total := b.cfg.Soak
	warm := total / 10
	t0 := time.Now()
	if _, failed, ferr := load(ctx, e, uri, 8, warm, 0, true); failed > 0 {
		return fmt.Errorf("%d requests failed in the warm-up, first: %v", failed, ferr)
	}
	rss0, th0, err := procStatus(e.pid)
	if err != nil {
		return err
	}
	series := [][3]int{{int(time.Since(t0).Seconds()), rss0, th0}}
	maxRSS, maxTh := rss0, th0
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				rss, th, err := procStatus(e.pid)
				if err != nil {
					continue
				}
				maxRSS, maxTh = max(maxRSS, rss), max(maxTh, th)
				series = append(series, [3]int{int(time.Since(t0).Seconds()), rss, th})
			}
		}
	}()
	done, failed, ferr := load(ctx, e, uri, 8, total-warm, 0, true)
	close(stop)
	<-sampled
	rss1, th1, err := procStatus(e.pid)
	if err != nil {
		return err
	}
	secs := time.Since(t0).Seconds()
	series = append(series, [3]int{int(secs), rss1, th1})
	rep := b.rep
	rep.SoakRequests, rep.SoakErrors, rep.SoakSeconds = warm+done, failed, secs
	rep.SoakRPS = float64(warm+done) / secs
	rep.RSSStartKB, rep.RSSEndKB, rep.RSSMaxKB = rss0, rss1, max(maxRSS, rss1)
	rep.RSSGrowthPct = 100 * float64(rss1-rss0) / float64(rss0)
	rep.ThreadsStart, rep.ThreadsEnd, rep.ThreadsMax = th0, th1, max(maxTh, th1)
	rep.RSSSeries = thin(series, 120)
	if failed > 0 {
		return fmt.Errorf("%d of %d soak requests failed, first: %v", failed, done, ferr)
	}
	return ctx.Err()
}

func thin(s [][3]int, n int) [][3]int {
	if len(s) <= n {
		return s
	}
	out := make([][3]int, 0, n)
	for i := range n {
		out = append(out, s[i*(len(s)-1)/(n-1)])
	}
	return out
}

func (r *Report) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "machine\t%d CPUs, %s, %s, GOMAXPROCS %d, backend %s\n", r.Machine.CPUs, r.Machine.CPUModel, r.Machine.GoVersion, r.GOMAXPROCS, r.Backend)
	fmt.Fprintf(tw, "measure\tp50\tp95\tp99\tp50/raw\tp99/raw\n")
	fmt.Fprintf(tw, "raw ZeroMQ ping (REQ)\t%.0f µs\t%.0f µs\t%.0f µs\t1.00\t1.00\n", r.RawRTTP50us, r.RawRTTP95us, r.RawRTTP99us)
	fmt.Fprintf(tw, "stdio pipes alone (cat echo)\t%.0f µs\t\t%.0f µs\t%.2f\t%.2f\n", r.PipeRTTP50us, r.PipeRTTP99us, ratio(r.PipeRTTP50us, r.RawRTTP50us), ratio(r.PipeRTTP99us, r.RawRTTP99us))
	fmt.Fprintf(tw, "hover by a bare relay (no LSP)\t%.0f µs\t\t%.0f µs\t%.2f\t%.2f\n", r.RelayHoverP50us, r.RelayHoverP99us, r.RelayHoverP50Ratio, r.RelayHoverP99Ratio)
	fmt.Fprintf(tw, "hover (browse_class)\t%.0f µs\t%.0f µs\t%.0f µs\t%.2f\t%.2f\n", r.HoverP50us, r.HoverP95us, r.HoverP99us, r.HoverP50Ratio, r.HoverP99Ratio)
	fmt.Fprintf(tw, "stui.evaluate\t%.0f µs\t%.0f µs\t%.0f µs\t%.2f\t%.2f\n", r.EvaluateP50us, r.EvaluateP95us, r.EvaluateP99us, r.EvaluateP50Ratio, r.EvaluateP99Ratio)
	fmt.Fprintf(tw, "hover p50 above the relay's\t%.0f µs\t\t\t%.2f\t\n", r.HoverOverRelayP50us, ratio(r.HoverOverRelayP50us, r.RawRTTP50us))
	fmt.Fprintf(tw, "%d editors at once (hover+evaluate)\t%.0f µs\t\t%.0f µs\t%.2f\t\n", r.Editors, r.EditorP50us, r.EditorP99us, r.EditorP50Ratio)
	fmt.Fprintf(tw, "\nthroughput\tstui.evaluate\traw DEALER evaluate\tratio\n")
	fmt.Fprintf(tw, "1 in flight\t%.0f req/s\t%.0f req/s\t%.2f\n", r.EvaluateRPS1, r.RawRPS1, ratio(r.EvaluateRPS1, r.RawRPS1))
	fmt.Fprintf(tw, "8 in flight\t%.0f req/s\t%.0f req/s\t%.2f\n", r.EvaluateRPS8, r.RawRPS8, ratio(r.EvaluateRPS8, r.RawRPS8))
	fmt.Fprintf(tw, "64 in flight\t%.0f req/s\t%.0f req/s\t%.2f\n", r.EvaluateRPS64, r.RawRPS64, ratio(r.EvaluateRPS64, r.RawRPS64))
	fmt.Fprintf(tw, "raw DEALER ping, 8 in flight\t\t%.0f req/s\n", r.RawPingRPS8)
	fmt.Fprintf(tw, "CPU per evaluation, 8 in flight\tstui-lsp %.0f µs, backend %.0f µs, bench client %.0f µs; raw: backend %.0f µs, bench %.0f µs\n", r.LSPCPUPerRequestUS, r.BackendCPUPerRequestUS, r.BenchCPUPerRequestUS, r.RawBackendCPUPerRequestUS, r.RawBenchCPUPerRequestUS)
	fmt.Fprintf(tw, "context switches per evaluation\tstui-lsp %.1f, backend %.1f, bench client %.1f; raw: backend %.1f, bench %.1f\n", r.LSPSwitchesPerRequest, r.BackendSwitchesPerRequest, r.BenchSwitchesPerRequest, r.RawBackendSwitchesPerRequest, r.RawBenchSwitchesPerRequest)
	fmt.Fprintf(tw, "\n")
	fmt.Fprintf(tw, "initialize (process start to reply)\tp50 %.1f ms, max %.1f ms over %d starts; %.1f ms p50 with %d starting at once\n", r.InitializeMS, r.InitializeMaxMS, r.InitializeN, r.EditorInitializeMS, r.Editors)
	fmt.Fprintf(tw, "editors\t%d processes, %d requests, %d errors, %d kB RSS each\n", r.Editors, r.EditorRequests, r.EditorErrors, r.EditorRSSKB)
	if r.EditorFirstError != "" {
		fmt.Fprintf(tw, "first editor error\t%s\n", r.EditorFirstError)
	}
	fmt.Fprintf(tw, "soak\t%d requests in %.0f s (%.0f req/s), %d errors\n", r.SoakRequests, r.SoakSeconds, r.SoakRPS, r.SoakErrors)
	fmt.Fprintf(tw, "RSS\t%d kB after warm-up, %d kB at the end (max %d kB): %+.1f%%\n", r.RSSStartKB, r.RSSEndKB, r.RSSMaxKB, r.RSSGrowthPct)
	fmt.Fprintf(tw, "threads\t%d after warm-up, %d at the end (max %d)\n", r.ThreadsStart, r.ThreadsEnd, r.ThreadsMax)
	fmt.Fprintf(tw, "run\t%.0f s; load average %s at the start, %s at the end\n", r.Seconds, r.LoadAvg[0], r.LoadAvg[1])
	tw.Flush()
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// printWorkspace is the table of a --workspace run.
func (r *Report) printWorkspace(w io.Writer) {
	ws := r.WorkspaceReport
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "machine\t%d CPUs, %s, %s, GOMAXPROCS %d\n", r.Machine.CPUs, r.Machine.CPUModel, r.Machine.GoVersion, r.GOMAXPROCS)
	fmt.Fprintf(tw, "workspace\t%d files, %.1f MB\n", ws.Files, float64(ws.Bytes)/(1<<20))
	fmt.Fprintf(tw, "index complete after initialized\t%.0f ms (server CPU %.0f ms)\n", ws.IndexMS, ws.IndexCPUms)
	fmt.Fprintf(tw, "RSS after indexing\t%.0f MB\n", ws.RSSMB)
	fmt.Fprintf(tw, "RSS after %d mixed requests\t%.0f MB, %.0f MB 6 s later\n", ws.Requests, ws.RSSAfterMB, ws.RSSSettledMB)
	fmt.Fprintf(tw, "measure\tp50\tp99\n")
	fmt.Fprintf(tw, "workspace/symbol\t%.2f ms\t%.2f ms\n", ws.SymbolP50ms, ws.SymbolP99ms)
	fmt.Fprintf(tw, "references (%d senders)\t%.2f ms\t%.2f ms\n", ws.References, ws.ReferencesP50ms, ws.ReferencesP99ms)
	fmt.Fprintf(tw, "completion from the index\t%.2f ms\t%.2f ms\n", ws.CompletionP50ms, ws.CompletionP99ms)
	fmt.Fprintf(tw, "hover, no image\t%.2f ms\t\n", ws.HoverP50ms)
	fmt.Fprintf(tw, "edit + semanticTokens/full (%.0f KB file)\t%.2f ms\t%.2f ms\n", ws.EditFileKB, ws.EditTokensP50ms, ws.EditTokensP99ms)
	fmt.Fprintf(tw, "a selector typed in its header + semanticTokens/full\t%.2f ms\t%.2f ms\n", ws.RenameTokensP50ms, ws.RenameTokensP99ms)
	if ws.CheckoutFiles > 0 {
		fmt.Fprintf(tw, "%d files changed on disk, reported\tin the index after %.0f ms\n", ws.CheckoutFiles, ws.CheckoutMS)
	}
	fmt.Fprintf(tw, "stui-lsp check\t%.0f MB/s (%.2f s)\n", ws.CheckMBPerS, ws.CheckSeconds)
	fmt.Fprintf(tw, "hover p50 over the bare relay's\t%.2fx (hover %.0f µs, relay %.0f µs, raw %.0f µs; p99 %.2fx raw)\n", r.HoverRelayRatio, r.HoverP50us, r.RelayHoverP50us, r.RawRTTP50us, r.HoverP99Ratio)
	fmt.Fprintf(tw, "evaluations, 8 in flight\t%.0f req/s, raw DEALER evaluate %.0f req/s: %.2fx\n", r.EvaluateRPS8, r.RawRPS8, ratio(r.EvaluateRPS8, r.RawRPS8))
	fmt.Fprintf(tw, "run\t%.0f s; load average %s at the start, %s at the end\n", r.Seconds, r.LoadAvg[0], r.LoadAvg[1])
	tw.Flush()
}
