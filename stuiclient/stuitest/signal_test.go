package stuitest

import (
	"context"
	"errors"
	"testing"
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
