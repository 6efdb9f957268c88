package testrun

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// backendCaller calls a stuitest.Backend directly, without ZeroMQ (the e2e
// test runs the binary over the real wire).
type backendCaller struct{ b *stuitest.Backend }

func (c backendCaller) Call(ctx context.Context, command string, params, result any) error {
	raw, _ := json.Marshal(params)
	rep := c.b.ServeSTUI(ctx, &stuiproto.Request{ID: "1", Command: command, Parameters: raw})
	if rep.Status != stuiproto.StatusSuccess {
		return &stuiproto.RemoteError{Command: command, Type: rep.ErrorType, Message: rep.Error, Details: rep.Details}
	}
	return json.Unmarshal(rep.Result, result)
}

const ledgerSource = `Class {
	#name : #LedgerTest,
	#superclass : #TestCase,
	#category : #'Ledger-Tests'
}

{ #category : #tests }
LedgerTest >> testBalance [
	self assert: 1 + 1 equals: 2
]

{ #category : #tests }
LedgerTest >> testOverdraft [
	self assert: 1 - 2 equals: 0
]
`

func ledger(t *testing.T) (*stuitest.Backend, string) {
	b := stuitest.NewBackend()
	b.AddClass(stuitest.ClassFixture{Name: "LedgerTest", Superclass: "TestCase", Package: "Ledger-Tests", Methods: []stuitest.MethodFixture{
		{Source: "testBalance\n\tself assert: 1 + 1 equals: 2"},
		{Source: "testOverdraft\n\tself assert: 1 - 2 equals: 0"},
	}})
	file := filepath.Join(t.TempDir(), "LedgerTest.class.st")
	if err := os.WriteFile(file, []byte(ledgerSource), 0o644); err != nil {
		t.Fatal(err)
	}
	return b, file
}

func TestTargetsAreReadFromTheArguments(t *testing.T) {
	_, file := ledger(t)
	ts, err := ParseTargets([]string{file, "LedgerTest>>testBalance", "Ledger-Tests", "LedgerTest"})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, tg := range ts {
		got = append(got, tg.ClassName+"|"+strings.Join(tg.Selectors, ",")+"|"+tg.Package)
	}
	want := []string{"LedgerTest||", "LedgerTest|testBalance|", "||Ledger-Tests", "LedgerTest||"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("targets %v, want %v", got, want)
	}
	if _, err := ParseTargets([]string{"Foo>>"}); err == nil {
		t.Error("Foo>> with no selector was accepted")
	}
}

func TestAFailureIsReportedAtItsFileLineAndInJUnit(t *testing.T) {
	b, file := ledger(t)
	ts, _ := ParseTargets([]string{file, "NoSuchTest"})
	var out bytes.Buffer
	r := Run(context.Background(), Config{Caller: backendCaller{b}, Out: &out}, ts)
	if r.OK() || r.Passed != 1 || r.Failed != 1 || len(r.Problems) != 1 {
		t.Fatalf("report %+v\n%s", r, out.String())
	}
	for _, want := range []string{"PASS   LedgerTest>>testBalance", "FAIL   LedgerTest>>testOverdraft", "Got -1 instead of 0.",
		file + ":14", "ERROR  NoSuchTest: ClassNotFound", "2 tests: 1 passed, 1 failed, 0 errors, 0 skipped"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	var x bytes.Buffer
	if err := WriteJUnit(&x, r); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(x.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, x.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 2 || doc.Suites[1].Name != "stui-lsp" {
		t.Errorf("JUnit %+v", doc)
	}
}

// A target whose run passes its deadline keeps the tests that finished, in
// the output and in JUnit; the test that was running is an error, and the
// run fails, saying how many never ran.
func TestARunPastItsDeadlineReportsWhatFinished(t *testing.T) {
	b := stuitest.NewBackend()
	b.AddClass(stuitest.ClassFixture{Name: "SlowLedgerTest", Superclass: "TestCase", Package: "Ledger-Tests", Methods: []stuitest.MethodFixture{
		{Source: "testABalance\n\tself assert: 1 + 1 equals: 2"},
		{Source: "testBWaits\n\t(Delay forSeconds: 5) wait"},
		{Source: "testCNeverRuns\n\tself assert: true"},
		{Source: "testDNeverRuns\n\tself assert: true"},
	}})
	ts, _ := ParseTargets([]string{"SlowLedgerTest"})
	var out bytes.Buffer
	r := Run(context.Background(), Config{Caller: backendCaller{b}, TimeoutMS: 300, Out: &out}, ts)
	if r.OK() || r.Passed != 1 || r.Errors != 1 || r.NotRun != 2 || len(r.Problems) != 1 || len(r.Outcomes) != 2 {
		t.Fatalf("report %+v\n%s", r, out.String())
	}
	for _, want := range []string{"PASS   SlowLedgerTest>>testABalance",
		"ERROR  SlowLedgerTest>>testBWaits", "timed out: still running when the run passed its 300 ms",
		"ERROR  SlowLedgerTest: Timeout: the run passed its 300 ms in SlowLedgerTest>>testBWaits; 2 tests not run",
		"2 tests: 1 passed, 0 failed, 1 errors, 0 skipped", "; 2 not run; 1 targets could not run or finish"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	var x bytes.Buffer
	if err := WriteJUnit(&x, r); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(x.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, x.String())
	}
	if len(doc.Suites) != 2 || len(doc.Suites[0].Cases) != 2 || doc.Suites[0].Cases[0].Error != nil || doc.Suites[0].Cases[1].Error == nil ||
		!strings.Contains(doc.Suites[1].Cases[0].Error.Message, "2 tests not run") {
		t.Errorf("JUnit %s", x.String())
	}
}
