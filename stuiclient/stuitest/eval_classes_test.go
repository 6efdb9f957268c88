package stuitest

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestEvaluatorSignalsExceptions(t *testing.T) {
	cases := []struct{ code, class, msg string }{
		{"Exception signal", "Exception", "An instance of Exception"},
		{"Warning signal: 'careful'", "Warning", "careful"},
		{"x := 1. Error signal: 'bad'. x := 2", "Error", "bad"},
		{"Warning foo", "MessageNotUnderstood", "Warning class>>#foo"},
	}
	for _, c := range cases {
		vars := map[string]value{}
		_, err := evaluate(context.Background(), c.code, vars)
		var re *runtimeError
		if !errors.As(err, &re) || re.class != c.class || re.msg != c.msg {
			t.Errorf("%q: %v, want a %s %q", c.code, err, c.class, c.msg)
		}
		if x, ok := vars["x"]; ok && x.i != 1 {
			t.Errorf("%q: the statement after the signal ran (x = %s)", c.code, x.printString())
		}
	}
	v, err := evaluate(context.Background(), "Warning", map[string]value{})
	if err != nil || v.printString() != "Warning" || v.className() != "Warning class" {
		t.Errorf("Warning = %s (%s), %v; want the class", v.printString(), v.className(), err)
	}
}

func TestEvaluatorClockBoundsABusyLoop(t *testing.T) {
	start := time.Now()
	v, err := evaluate(context.Background(), "start := Time millisecondClockValue. [ Time millisecondClockValue - start < 30 ] whileTrue. Time millisecondClockValue - start", map[string]value{})
	if err != nil || v.kind != kInt || v.i < 30 {
		t.Fatalf("= %s, %v; want at least 30 (ms)", v.printString(), err)
	}
	// The clock counts whole milliseconds: the loop may end up to one
	// short of 30 by this test's finer clock.
	if d := time.Since(start); d < 25*time.Millisecond {
		t.Errorf("the loop ended after %v", d)
	}
}
