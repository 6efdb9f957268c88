package e2e

// `stui-lsp bench --versus` through the real binary, measuring it against
// itself: both servers and the bare relay answer, and every figure the
// side-by-side report names is there. Nothing here compares a time with a
// floor.

import (
	"encoding/json"
	"os/exec"
	"testing"
)

func TestBenchVersusMeasuresTwoServersSideBySide(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	cmd := exec.Command(bin, "bench", "--quick", "--samples", "200", "--duration", "200ms", "--versus", bin, "--json")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bench --versus: %v\n%s", err, out)
	}
	var rep struct {
		Servers []string  `json:"versus_servers"`
		Relay   float64   `json:"versus_relay_hover_p50_us"`
		Hover   []float64 `json:"versus_hover_p50_us"`
		Ratio   []float64 `json:"versus_hover_relay_ratio"`
		RPS     []float64 `json:"versus_evaluate_rps_8_in_flight"`
		CPU     []float64 `json:"versus_lsp_cpu_us_per_request"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("bench --versus --json: %v\n%s", err, out)
	}
	if len(rep.Servers) != 2 || rep.Servers[1] != bin || rep.Relay <= 0 {
		t.Fatalf("servers %q, relay hover %v µs:\n%s", rep.Servers, rep.Relay, out)
	}
	for name, pair := range map[string][]float64{"hover p50": rep.Hover, "hover over the relay": rep.Ratio, "evaluations/s": rep.RPS, "server CPU": rep.CPU} {
		if len(pair) != 2 || pair[0] <= 0 || pair[1] <= 0 {
			t.Errorf("%s = %v, want a positive figure for each server", name, pair)
		}
	}
}
