package e2e

// `stui-lsp bench --workspace` through the real binary, on a generated
// corpus of Pharo's shape scaled down: the figures are reported with the
// keys docs/performance.md names, and the requests behind them were
// answered. Nothing here compares a time with a floor.

import (
	"encoding/json"
	"os/exec"
	"testing"
)

func TestBenchWorkspaceReportsTheWorkspaceFigures(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	cmd := exec.Command(bin, "bench", "--quick", "--samples", "200", "--duration", "200ms", "--corpus", "300", "--json")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	var rep map[string]any
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, out)
	}
	for _, key := range []string{"workspace_files", "workspace_index_ms", "workspace_rss_mb", "workspace_rss_after_mb", "workspace_symbol_p99_ms",
		"references_p50_ms", "completion_p99_ms", "edit_tokens_p50_ms", "rename_tokens_p50_ms", "check_mb_per_s", "hover_relay_ratio"} {
		v, ok := rep[key].(float64)
		if !ok || v <= 0 {
			t.Errorf("%s = %v, want a positive figure", key, rep[key])
		}
	}
	if rep["workspace_files"] != float64(300+300/40+1) {
		t.Errorf("workspace_files = %v, want the 300 classes and their package files", rep["workspace_files"])
	}
	if n, _ := rep["checkout_files"].(float64); n < 100 || n > 200 {
		t.Errorf("checkout_files = %v, want about half the 300 classes", rep["checkout_files"])
	}
	if ms, _ := rep["checkout_ms"].(float64); ms <= 0 {
		t.Errorf("checkout_ms = %v", rep["checkout_ms"])
	}
	if n, _ := rep["references_results"].(float64); n < 5 {
		t.Errorf("references answered %v senders of the busy selector", rep["references_results"])
	}
}
