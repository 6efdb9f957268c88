package stuitest

import (
	"context"
	"errors"
	"testing"
)

func TestEvaluator(t *testing.T) {
	cases := []struct {
		code, print, class string
	}{
		{"3 + 4", "7", "SmallInteger"},
		{"3 + 4 * 2", "14", "SmallInteger"}, // binary messages: left to right
		{"3 + (4 * 2)", "11", "SmallInteger"},
		{"7 / 2", "(7/2)", "Fraction"},
		{"8 / 2", "4", "SmallInteger"},
		{"-7 // 2", "-4", "SmallInteger"},
		{"-7 \\\\ 2", "1", "SmallInteger"},
		{"'it''s' , ' ok'", "'it''s ok'", "ByteString"},
		{"'abc' size", "3", "SmallInteger"},
		{"x := 6. y := x * 7. y", "42", "SmallInteger"},
		{"undeclared", "nil", "UndefinedObject"},
		{"3 < 4", "true", "True"},
		{"(1 to: 3) asOrderedCollection", "an OrderedCollection(1 2 3)", "OrderedCollection"},
		{"[ 3 + 4 ] value", "7", "SmallInteger"},
		{"\"a comment\" 42", "42", "SmallInteger"},
		// A cascade sends each message to the receiver of the first one.
		{"3 + 4; * 10", "30", "SmallInteger"},
		{"(1 to: 3) asOrderedCollection size; yourself", "an OrderedCollection(1 2 3)", "OrderedCollection"},
		{"x := 5 negated; + 1. x", "6", "SmallInteger"},
		{"(2 + 3) printString; negated", "-5", "SmallInteger"},
		{"3 + 4 * 2; - 1", "6", "SmallInteger"},
	}
	for _, c := range cases {
		v, err := evaluate(context.Background(), c.code, map[string]value{})
		if err != nil {
			t.Errorf("%q: %v", c.code, err)
			continue
		}
		if v.printString() != c.print || v.className() != c.class {
			t.Errorf("%q = %s (%s), want %s (%s)", c.code, v.printString(), v.className(), c.print, c.class)
		}
	}
}

func TestEvaluatorErrors(t *testing.T) {
	cases := []struct {
		code      string
		syntax    bool
		msg       string
		line, col int
	}{
		{"3 +", true, "Variable or expression expected", 1, 4},
		{"x := 3.\ny := (4 + 5", true, "')' expected", 2, 12},
		{"'open", true, "Unmatched ' in string literal", 1, 6},
		{"3 4", true, "Nothing more expected", 1, 3},
		{"[ 3", true, "']' expected", 1, 4},
		{"3; + 4", true, "Cascade must follow a message send", 1, 2},
		{"3 + 4; 5", true, "Message expected", 1, 8},
		{"1 / 0", false, "ZeroDivide", 0, 0},
		{"nil foo", false, `receiver of "foo" is nil`, 0, 0},
		{"3 foo", false, "SmallInteger>>#foo", 0, 0},
	}
	for _, c := range cases {
		vars := map[string]value{}
		_, err := evaluate(context.Background(), "y := 1. "+c.code, vars)
		if !c.syntax {
			var re *runtimeError
			if !errors.As(err, &re) || re.msg != c.msg || len(re.stack) == 0 {
				t.Errorf("%q: got %v, want runtime error %q with a stack", c.code, err, c.msg)
			}
			continue
		}
		_, err = evaluate(context.Background(), c.code, vars)
		var se *syntaxError
		if !errors.As(err, &se) || se.msg != c.msg {
			t.Errorf("%q: got %v, want syntax error %q", c.code, err, c.msg)
			continue
		}
		if l, col := lineColumn(c.code, se.pos); l != c.line || col != c.col {
			t.Errorf("%q: at %d:%d, want %d:%d", c.code, l, col, c.line, c.col)
		}
		if len(vars) != 0 {
			t.Errorf("%q: a statement ran before the syntax error was found: %v", c.code, vars)
		}
	}
}

func TestEvaluatorHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errInterrupted)
	for _, code := range []string{"(Delay forSeconds: 60) wait", "[ true ] whileTrue"} {
		_, err := evaluate(ctx, code, map[string]value{})
		var st *stopped
		if !errors.As(err, &st) || !errors.Is(st.cause, errInterrupted) {
			t.Errorf("%q: got %v, want stopped by the interrupt", code, err)
		}
	}
}

func TestMethodParsing(t *testing.T) {
	cases := []struct {
		src, sel string
		args     []string
		sends    []string
	}{
		{"increment\n\tcount := self count + 1", "increment", nil, []string{"count", "+"}},
		{"at: i put: v\n\t^ items at: i put: v", "at:put:", []string{"i", "v"}, []string{"at:put:"}},
		{"+ other\n\t^ self value + other value", "+", []string{"other"}, []string{"value", "+", "value"}},
		{"do: aBlock\n\titems do: [:each | aBlock value: each]", "do:", []string{"aBlock"}, []string{"value:", "do:"}},
	}
	for _, c := range cases {
		pm, err := parseMethod(c.src)
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		if pm.selector != c.sel || len(pm.args) != len(c.args) {
			t.Errorf("%q: selector %q args %v, want %q %v", c.src, pm.selector, pm.args, c.sel, c.args)
		}
		for _, s := range c.sends {
			if !sends(c.src, s) {
				t.Errorf("%q: does not send %s; sent %v", c.src, s, pm.sent)
			}
		}
	}
}

func TestFormat(t *testing.T) {
	got, err := format("increment\ncount:=self count+1", true)
	if want := "increment\n\n\tcount := self count + 1"; err != nil || got != want {
		t.Errorf("format = %q, %v; want %q", got, err, want)
	}
	got, err = format("at: i put:v\n^items at:i put:v.\nself changed", true)
	if want := "at: i put: v\n\n\t^ items at: i put: v.\n\tself changed"; err != nil || got != want {
		t.Errorf("format = %q, %v; want %q", got, err, want)
	}
}
