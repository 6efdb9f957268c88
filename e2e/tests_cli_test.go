package e2e

import (
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runTestCommand runs `stui-lsp test` against endpoint and answers its exit
// status and output.
func runTestCommand(t *testing.T, bin, endpoint string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"test", "--endpoint", endpoint}, args...)...)
	cmd.Env = append(os.Environ(), "STUI_TOKEN=", "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("stui-lsp test did not end: %s", out)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, string(out)
}

// The test backend's TallyTest has one test of each outcome. stui-lsp test
// prints each with its file:line, exits 1, and writes JUnit XML that a CI
// system reads back with the same counts.
func TestTestCommandRunsATonelFileAndWritesJUnit(t *testing.T) {
	lsp := buildCommand(t, "stui-lsp")
	endpoint := editorStartImage(t, buildCommand(t, "stui-testimage"))
	file := filepath.Join("testdata", "tests", "TallyTest.class.st")
	junit := filepath.Join(t.TempDir(), "report.xml")

	code, out := runTestCommand(t, lsp, endpoint, "--junit", junit, file)
	if code != 1 {
		t.Errorf("exit %d with failing tests, want 1:\n%s", code, out)
	}
	for _, want := range []string{
		"PASS   TallyTest>>testAdds",
		"FAIL   TallyTest>>testCarries",
		"Got 10 instead of 11.",
		file + ":18",
		"ERROR  TallyTest>>testDivides",
		"SKIP   TallyTest>>testLater",
		"ERROR  TallyTest>>testWaits",
		"TestTookTooMuchTime",
		"5 tests: 1 passed, 1 failed, 2 errors, 1 skipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Error   *struct{} `xml:"error"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the JUnit report does not parse: %v\n%s", err, data)
	}
	if doc.Tests != 5 || doc.Failures != 1 || doc.Errors != 2 || doc.Skipped != 1 || len(doc.Suites) != 1 || doc.Suites[0].Name != "TallyTest" {
		t.Fatalf("JUnit counts %+v, want 5 tests, 1 failure, 2 errors, 1 skipped in suite TallyTest:\n%s", doc, data)
	}
	for _, c := range doc.Suites[0].Cases {
		if c.Name == "testCarries" && (c.Failure == nil || c.Failure.Message != "Got 10 instead of 11." || !strings.Contains(c.Failure.Text, file+":18")) {
			t.Errorf("testCarries in JUnit: %+v", c.Failure)
		}
	}

	if code, out := runTestCommand(t, lsp, endpoint, "TallyTest>>testAdds"); code != 0 || !strings.Contains(out, "1 tests: 1 passed, 0 failed") {
		t.Errorf("one passing test: exit %d:\n%s", code, out)
	}
	if code, out := runTestCommand(t, lsp, endpoint, "Tally-Tests"); code != 1 || !strings.Contains(out, "5 tests:") {
		t.Errorf("the package: exit %d:\n%s", code, out)
	}
	if code, out := runTestCommand(t, lsp, endpoint, "NoSuchTest"); code != 1 || !strings.Contains(out, "ClassNotFound") {
		t.Errorf("a class the image lacks: exit %d, want 1 and ClassNotFound:\n%s", code, out)
	}
	if code, _ := runTestCommand(t, lsp, endpoint); code != 2 {
		t.Errorf("no target: exit %d, want 2", code)
	}
}
