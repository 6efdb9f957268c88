package stuiproto

import (
	"testing"
	"time"
)

func TestTableNamesEveryCommandOnceWithItsTypes(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Table {
		if seen[s.Name] {
			t.Errorf("%s is in the table twice", s.Name)
		}
		seen[s.Name] = true
		if s.NewParams() == nil || s.NewResult() == nil {
			t.Errorf("%s has no params or result type", s.Name)
		}
		if got, ok := Lookup(s.Name); !ok || got.Name != s.Name {
			t.Errorf("Lookup(%q) = %v, %v", s.Name, got.Name, ok)
		}
	}
	if _, ok := Lookup("no_such_command"); ok {
		t.Error("Lookup found a command that is not in the table")
	}
}

func TestOnlyEvaluationTranscriptAndTestRunsWaitLongerThanTheCallersTimeout(t *testing.T) {
	want := 5*time.Second + EvaluateMargin
	evaluate, _ := Lookup(CmdEvaluate)
	if got := evaluate.Wait(EvaluateParams{TimeoutMS: 5000}); got != want {
		t.Errorf("evaluate with timeout_ms 5000 waits %v, want %v", got, want)
	}
	if got := evaluate.Wait(&EvaluateParams{TimeoutMS: 5000}); got != want {
		t.Errorf("evaluate with *EvaluateParams waits %v, want %v", got, want)
	}
	if got := evaluate.Wait(EvaluateParams{}); got != 0 {
		t.Errorf("evaluate without timeout_ms waits %v, want the caller's timeout (0)", got)
	}
	transcript, _ := Lookup(CmdTranscript)
	if got := transcript.Wait(TranscriptParams{WaitMS: 5000}); got != 5*time.Second+TranscriptMargin {
		t.Errorf("transcript with wait_ms 5000 waits %v", got)
	}
	if got := transcript.Wait(TranscriptParams{WaitMS: 3600000}); got != MaxTranscriptWait+TranscriptMargin {
		t.Errorf("transcript with an hour's wait_ms waits %v, want the cap", got)
	}
	runTests, _ := Lookup(CmdRunTests)
	if got, want := runTests.Wait(RunTestsParams{}), RunTestsDefaultTimeoutMS*time.Millisecond+EvaluateMargin; got != want {
		t.Errorf("run_tests without timeout_ms waits %v, want the default run's %v", got, want)
	}
	if got := runTests.Wait(RunTestsParams{TimeoutMS: 5000}); got != want {
		t.Errorf("run_tests with timeout_ms 5000 waits %v, want %v", got, want)
	}
	for _, s := range Table {
		if s.Name != CmdEvaluate && s.Name != CmdTranscript && s.Name != CmdRunTests && !debugCommandsThatWait[s.Name] && s.Wait(s.NewParams()) != 0 {
			t.Errorf("%s has a wait of its own", s.Name)
		}
	}
}

func TestVersionCheckComparesMajorVersions(t *testing.T) {
	if vm := CheckVersion(Version); vm != nil {
		t.Errorf("CheckVersion(%q) = %v", Version, vm)
	}
	if vm := CheckVersion("99.0.0"); vm == nil || vm.Server != "99.0.0" || vm.Client != Version {
		t.Errorf("CheckVersion(99.0.0) = %+v, want a mismatch", vm)
	}
}
