package check

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunClean(t *testing.T) {
	var out, errOut bytes.Buffer
	status := Run([]string{"../../testdata/smalltalk/Counter.class.st", "../../testdata/smalltalk/playground.st"}, &out, &errOut)
	if status != 0 || out.Len() != 0 {
		t.Errorf("status %d, output %q", status, out.String())
	}
	if !strings.HasPrefix(errOut.String(), "checked 2 files (") || !strings.Contains(errOut.String(), ": 0 syntax errors") {
		t.Errorf("summary %q", errOut.String())
	}
}

func TestRunErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	status := Run([]string{"../../testdata/smalltalk/broken"}, &out, &errOut)
	if status != 1 {
		t.Errorf("status %d", status)
	}
	want := "../../testdata/smalltalk/broken/playground.st:2:10: expected argument after '+', found '.'\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}

func TestRunUnreadable(t *testing.T) {
	var out, errOut bytes.Buffer
	if status := Run([]string{"does/not/exist"}, &out, &errOut); status != 2 {
		t.Errorf("status %d", status)
	}
	if !strings.Contains(errOut.String(), "cannot read does/not/exist") {
		t.Errorf("stderr %q", errOut.String())
	}
}
