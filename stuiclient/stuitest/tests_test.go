package stuitest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func runTestsFor(t *testing.T, b *Backend, p stuiproto.RunTestsParams) *stuiproto.Reply {
	t.Helper()
	raw, _ := json.Marshal(p)
	return b.ServeSTUI(context.Background(), &stuiproto.Request{ID: "t", Command: stuiproto.CmdRunTests, Parameters: raw})
}

func TestEveryTestStatusComesFromRunningTheMethod(t *testing.T) {
	b := NewBackend()
	b.AddClass(ClassFixture{Name: "ShopTest", Superclass: "TestCase", Package: "Shop-Tests", Methods: []MethodFixture{
		{Source: "testTotal\n\tself assert: 2 + 3 equals: 5"},
		{Source: "testDiscount\n\tself assert: 2 + 3 equals: 5.\n\tself assert: 10 - 1 equals: 8"},
		{Source: "testRefund\n\tself foo"},
		{Source: "testLater\n\tself skip"},
		{Source: "testForever\n\tself timeLimit: 50 milliSeconds.\n\t[ true ] whileTrue"},
		{Source: "helper\n\t^ 1"},
	}})
	rep := runTestsFor(t, b, stuiproto.RunTestsParams{ClassName: "ShopTest"})
	if rep.Status != stuiproto.StatusSuccess {
		t.Fatalf("run_tests: %s: %s", rep.ErrorType, rep.Error)
	}
	var r stuiproto.RunTestsResult
	json.Unmarshal(rep.Result, &r)
	want := []struct {
		sel, status string
		line        int
	}{{"testDiscount", "fail", 3}, {"testForever", "error", 3}, {"testLater", "skip", 0}, {"testRefund", "error", 2}, {"testTotal", "pass", 0}}
	if len(r.Results) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(r.Results), len(want), r.Results)
	}
	for i, w := range want {
		got := r.Results[i]
		if got.Selector != w.sel || got.Status != w.status {
			t.Errorf("result %d = %s %s, want %s %s", i, got.Selector, got.Status, w.sel, w.status)
		}
		if w.line > 0 && (len(got.Stack) == 0 || got.Stack[len(got.Stack)-1].Line != w.line || got.Stack[len(got.Stack)-1].Selector != w.sel) {
			t.Errorf("%s: stack %+v, want the test method at line %d last", w.sel, got.Stack, w.line)
		}
	}
	if r.Passed != 1 || r.Failed != 1 || r.Errors != 2 || r.Skipped != 1 {
		t.Errorf("counts %d/%d/%d/%d, want 1 passed, 1 failed, 2 errors, 1 skipped", r.Passed, r.Failed, r.Errors, r.Skipped)
	}
	if r.Results[0].Message != "Got 9 instead of 8." {
		t.Errorf("failure message %q", r.Results[0].Message)
	}
}

func TestARunIsStoppedByAnInterruptForItsRequest(t *testing.T) {
	b := NewBackend()
	b.AddClass(ClassFixture{Name: "SlowTest", Superclass: "TestCase", Package: "Slow", Methods: []MethodFixture{
		{Source: "testWaits\n\t(Delay forSeconds: 30) wait"}}})
	done := make(chan *stuiproto.Reply, 1)
	go func() { done <- runTestsFor(t, b, stuiproto.RunTestsParams{Package: "Slow"}) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if r, _ := b.stopEvaluations(context.Background(), &stuiproto.InterruptParams{RequestID: "t"}); r.Interrupted == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run never registered as running")
		}
		time.Sleep(time.Millisecond)
	}
	if rep := <-done; rep.ErrorType != stuiproto.ErrInterrupted {
		t.Errorf("interrupted run answered %s %s", rep.Status, rep.ErrorType)
	}
}

func TestOnlyTestCaseSubclassesRun(t *testing.T) {
	b := NewBackend()
	b.AddClass(ClassFixture{Name: "Shop", Superclass: "Object", Package: "Shop"})
	if rep := runTestsFor(t, b, stuiproto.RunTestsParams{ClassName: "Shop"}); rep.ErrorType != stuiproto.ErrInvalidRequest {
		t.Errorf("a class that is not a test answered %s %s", rep.Status, rep.ErrorType)
	}
	if rep := runTestsFor(t, b, stuiproto.RunTestsParams{Package: "Shop"}); rep.ErrorType != stuiproto.ErrClassNotFound {
		t.Errorf("a package without tests answered %s %s", rep.Status, rep.ErrorType)
	}
}
