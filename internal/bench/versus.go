package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"
)

// VersusReport is a --versus run: this server and another measured side by
// side against one backend, their blocks of hovers and of evaluations
// alternating, so that a shared machine's drift hits both alike. Index 0 is
// the server under test (--lsp or this binary), 1 the other (--versus).
type VersusReport struct {
	Servers [2]string `json:"versus_servers"`
	// Hovers one at a time, blocks of 100 alternating between the two
	// servers and the bare relay.
	RelayHoverP50us float64    `json:"versus_relay_hover_p50_us"`
	HoverP50us      [2]float64 `json:"versus_hover_p50_us"`
	HoverRelayRatio [2]float64 `json:"versus_hover_relay_ratio"`
	// Evaluations with 8 in flight, blocks of 400 ms alternating.
	EvaluateRPS8       [2]float64 `json:"versus_evaluate_rps_8_in_flight"`
	LSPCPUPerRequestUS [2]float64 `json:"versus_lsp_cpu_us_per_request"`
	LSPSwitches        [2]float64 `json:"versus_lsp_switches_per_request"`
	BackendCPUUS       [2]float64 `json:"versus_backend_cpu_us_per_request,omitempty"`
}

// versus runs this server and b.cfg.Versus side by side.
func (b *run) versus(ctx context.Context) error {
	rep := &VersusReport{Servers: [2]string{b.cfg.Exe, b.cfg.Versus}}
	var eds [2]*editor
	var uris [3]string // each server's open document; the relay asks for the class alone
	for i, exe := range rep.Servers {
		folder := filepath.Join(b.tmp, fmt.Sprintf("versus%d", i))
		if err := os.MkdirAll(folder, 0o755); err != nil {
			return err
		}
		e, err := startEditor(ctx, exe, nil, b.endpoint, folder, filepath.Join(b.tmp, "cache"), "", b.lspEnv(), true)
		if err != nil {
			return fmt.Errorf("%s: %w", exe, err)
		}
		defer e.close()
		e.waitConnected(3 * time.Second)
		if uris[i], err = e.open(hoverClass+".class.st", hoverDocument); err != nil {
			return err
		}
		eds[i] = e
	}
	relay, err := startEditor(ctx, b.cfg.Exe, []string{RelayCommand}, b.endpoint, b.tmp, filepath.Join(b.tmp, "cache"), "", nil, true)
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	defer relay.close()
	hovering := [3]*editor{eds[0], eds[1], relay}
	uris[2] = uris[0]
	for range 100 { // warm up, and check that every answer comes from the image
		for i, e := range hovering {
			if err := checkHover(ctx, e, uris[i]); err != nil {
				return fmt.Errorf("%s: %w", append(rep.Servers[:], "the relay")[i], err)
			}
		}
		for _, e := range eds {
			if err := checkEvaluate(ctx, e); err != nil {
				return err
			}
		}
	}

	var hoverReqs [3]json.RawMessage
	for i, u := range uris {
		hoverReqs[i] = hoverParams(u, hoverLine, hoverChar)
	}
	const block = 100
	var lat [3]latencies
	for round := 0; len(lat[0]) < b.cfg.Samples; round++ {
		for j := range hovering {
			i := (round + j) % len(hovering)
			for range block {
				start := time.Now()
				if _, err := hovering[i].call(ctx, "textDocument/hover", hoverReqs[i]); err != nil {
					return err
				}
				lat[i] = append(lat[i], time.Since(start))
			}
		}
	}
	relayP50 := summarize(lat[2]).P50
	rep.RelayHoverP50us = relayP50
	for i := range eds {
		rep.HoverP50us[i] = summarize(lat[i]).P50
		rep.HoverRelayRatio[i] = ratio(rep.HoverP50us[i], relayP50)
	}

	evalReq := evaluateParams("3 + 4")
	blocks := max(8, int(4*b.cfg.Duration/(400*time.Millisecond)))
	var n [2]int
	var took [2]time.Duration
	var used [2][3]usage
	for round := range blocks {
		for j := range eds {
			i := (round + j) % len(eds)
			before := b.cpu(eds[i].pid)
			k, d, err := eds[i].pipeline(ctx, "workspace/executeCommand", evalReq, 8, 400*time.Millisecond, checkSeven)
			after := b.cpu(eds[i].pid)
			if err != nil {
				return fmt.Errorf("%s: %w", rep.Servers[i], err)
			}
			n[i], took[i] = n[i]+k, took[i]+d
			for x := range used[i] {
				used[i][x] = used[i][x].add(after[x].sub(before[x]))
			}
		}
	}
	for i := range eds {
		per := float64(max(n[i], 1))
		rep.EvaluateRPS8[i] = float64(n[i]) / took[i].Seconds()
		rep.LSPCPUPerRequestUS[i] = float64(used[i][0].cpu.Nanoseconds()) / 1e3 / per
		rep.LSPSwitches[i] = float64(used[i][0].switches) / per
		rep.BackendCPUUS[i] = float64(used[i][1].cpu.Nanoseconds()) / 1e3 / per
	}
	b.rep.VersusReport = rep
	return nil
}

func (r *Report) printVersus(w io.Writer) {
	v := r.VersusReport
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "side by side\t%s\t%s\n", v.Servers[0], v.Servers[1])
	fmt.Fprintf(tw, "hover p50\t%.0f µs\t%.0f µs\n", v.HoverP50us[0], v.HoverP50us[1])
	fmt.Fprintf(tw, "over the bare relay's (%.0f µs)\t%.2f\t%.2f\n", v.RelayHoverP50us, v.HoverRelayRatio[0], v.HoverRelayRatio[1])
	fmt.Fprintf(tw, "evaluations/s, 8 in flight\t%.0f\t%.0f\n", v.EvaluateRPS8[0], v.EvaluateRPS8[1])
	fmt.Fprintf(tw, "server CPU per evaluation\t%.0f µs\t%.0f µs\n", v.LSPCPUPerRequestUS[0], v.LSPCPUPerRequestUS[1])
	fmt.Fprintf(tw, "server context switches per evaluation\t%.2f\t%.2f\n", v.LSPSwitches[0], v.LSPSwitches[1])
	fmt.Fprintf(tw, "backend CPU per evaluation\t%.0f µs\t%.0f µs\n", v.BackendCPUUS[0], v.BackendCPUUS[1])
	fmt.Fprintf(tw, "run\t%.0f s; load average %s at the start, %s at the end\n", r.Seconds, r.LoadAvg[0], r.LoadAvg[1])
	tw.Flush()
}
