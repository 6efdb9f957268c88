package check

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestCorpus checks a large source tree named by STUI_CHECK_CORPUS (for
// example Pharo's src/ directory) and fails on any syntax error. It is
// skipped when the variable is unset.
func TestCorpus(t *testing.T) {
	dir := os.Getenv("STUI_CHECK_CORPUS")
	if dir == "" {
		t.Skip("STUI_CHECK_CORPUS not set")
	}
	var out, errOut bytes.Buffer
	status := Run([]string{dir}, &out, &errOut)
	t.Log(strings.TrimSpace(errOut.String()))
	if status != 0 {
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) > 200 {
			lines = lines[:200]
		}
		t.Errorf("status %d, errors:\n%s", status, strings.Join(lines, "\n"))
	}
}
