package conformance

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// One check is one line, whatever its detail holds; the summary says PASS
// or FAIL with the counts; the JSON has what an issue needs.
func TestReportFormats(t *testing.T) {
	rep := &Report{Endpoint: "tcp://127.0.0.1:5555", Ping: &stuiproto.PingResult{ProtocolVersion: "1.1.0", DialectVersion: "13.0.0"}, LeftBehind: []string{}}
	rep.System = &stuiproto.SystemInfo{PharoVersion: "Pharo-13.0.0+build.1", VMVersion: "v10.3.1", Platform: "unix"}
	rep.add(Result{Name: "evaluate", Status: StatusOK, Detail: "fine", Duration: 1500 * time.Microsecond})
	rep.add(Result{Name: "evaluate.SyntaxError", Status: StatusFail, Detail: "got\n\tthis\nsource", Duration: 2 * time.Millisecond})
	rep.add(Result{Name: "token.missing", Status: StatusSkip, Detail: "not applicable"})

	var text bytes.Buffer
	for _, r := range rep.Results {
		WriteLine(&text, r)
	}
	WriteSummary(&text, rep)
	lines := strings.Split(strings.TrimSpace(text.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 3 checks, the image, the system and the summary:\n%s", len(lines), text.String())
	}
	for i, prefix := range []string{"ok    evaluate ", "FAIL  evaluate.SyntaxError ", "skip  token.missing "} {
		if !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("line %d = %q, want it to begin %q", i, lines[i], prefix)
		}
	}
	if !strings.HasSuffix(lines[1], "got this source") {
		t.Errorf("the detail is not on one line: %q", lines[1])
	}
	if !strings.Contains(lines[4], "Pharo-13.0.0+build.1, VM v10.3.1") {
		t.Errorf("system line %q", lines[4])
	}
	if want := "FAIL: 1 ok, 1 failed, 1 skipped, of 3 checks"; !strings.HasPrefix(lines[5], want) {
		t.Errorf("summary %q, want %q", lines[5], want)
	}

	var js bytes.Buffer
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	results, _ := back["results"].([]any)
	first, _ := results[0].(map[string]any)
	if back["endpoint"] != rep.Endpoint || first["duration_ms"] != 1.5 || first["status"] != "ok" || first["name"] != "evaluate" {
		t.Errorf("JSON report:\n%s", js.String())
	}
	if sys, _ := back["system_info"].(map[string]any); sys["vm_version"] != "v10.3.1" {
		t.Errorf("the JSON report lacks the VM:\n%s", js.String())
	}
	if ping, _ := back["ping"].(map[string]any); ping["dialect_version"] != "13.0.0" {
		t.Errorf("the JSON report lacks the ping's versions:\n%s", js.String())
	}
}
