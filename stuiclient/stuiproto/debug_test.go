package stuiproto

import (
	"testing"
	"time"
)

// debugCommandsThatWait are the debugger's commands that run code or hold
// the request, and so wait longer than a caller's usual timeout.
var debugCommandsThatWait = map[string]bool{CmdDebugEvaluate: true, CmdDebugStep: true, CmdDebugResume: true, CmdDebugWait: true}

func TestDebugCommandsWaitForTheCodeTheyRun(t *testing.T) {
	if got, want := DebugEvaluateCommand.Wait(DebugEvaluateParams{TimeoutMS: 5000}), 5*time.Second+EvaluateMargin; got != want {
		t.Errorf("debug_evaluate with timeout_ms 5000 waits %v, want %v", got, want)
	}
	if got, want := DebugEvaluateCommand.Wait(DebugEvaluateParams{}), 30*time.Second+EvaluateMargin; got != want {
		t.Errorf("debug_evaluate without timeout_ms waits %v, want the default's %v", got, want)
	}
	if got, want := DebugWaitCommand.Wait(DebugWaitParams{WaitMS: 3600000}), MaxDebugWait+DebugMargin; got != want {
		t.Errorf("debug_wait with an hour's wait_ms waits %v, want the cap %v", got, want)
	}
	if got, want := DebugResumeCommand.Wait(DebugResumeParams{WaitMS: 1000}), time.Second+DebugMargin; got != want {
		t.Errorf("debug_resume with wait_ms 1000 waits %v, want %v", got, want)
	}
	for name := range debugCommandsThatWait {
		s, ok := Lookup(name)
		if !ok || s.Wait(s.NewParams()) == 0 {
			t.Errorf("%s: not in the table, or without a wait of its own", name)
		}
	}
}
