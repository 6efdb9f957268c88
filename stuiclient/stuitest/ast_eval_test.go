package stuitest

import (
	"context"
	"errors"
	"testing"
)

// Code smalltalk/'s parser reads and the old hand-written evaluator could
// not: a ^ ends a do-it with its value, and what the evaluator does not
// model is a runtime error that says so, never a wrong answer.
func TestEvaluatorOnTheSyntaxTree(t *testing.T) {
	v, err := evaluate(context.Background(), "x := 3. ^ x + 1. 5", map[string]value{})
	if err != nil || v.printString() != "4" {
		t.Errorf("a ^ in a do-it answered %s, %v; want 4", v.printString(), err)
	}
	v, err = evaluate(context.Background(), "[ ^ 7 ] value. 8", map[string]value{})
	if err != nil || v.printString() != "7" {
		t.Errorf("a ^ in a block answered %s, %v; want 7", v.printString(), err)
	}
	for _, code := range []string{"#foo", "$a", "1.5", "#(1 2) size", "[:each | each] value", "{ 1 }"} {
		_, err := evaluate(context.Background(), code, map[string]value{})
		var re *runtimeError
		if !errors.As(err, &re) || re.class != "Error" {
			t.Errorf("%q: got %v, want a RuntimeError Error", code, err)
		}
	}
	_, err = evaluate(context.Background(), "x := 1. true := 3. x", map[string]value{})
	var se *syntaxError
	if !errors.As(err, &se) || se.msg != "Cannot store into true" || se.pos != 18 {
		t.Errorf("an assignment to true: got %v, want a SyntaxError at 18", err)
	}
}

// A method whose statement is followed by more is rejected, as Pharo's
// compiler rejects it, where the old method scanner accepted it.
func TestMethodStatementFollowedByMore(t *testing.T) {
	_, err := parseMethod("foo ^ 3 4")
	var se *syntaxError
	if !errors.As(err, &se) || se.msg != "Nothing more expected" || se.pos != 9 {
		t.Fatalf("got %v, want Nothing more expected at 9", err)
	}
}

// The formatter keeps comments and lays out blocks, literal arrays and
// block arguments without stray spaces.
func TestFormatKeepsCommentsAndLiterals(t *testing.T) {
	got, err := format("foo \"why\" |a| a:=[:x|x+1]. ^#(1 $a) , #[1 2]", true)
	want := "foo\n\n\t\"why\" | a | a := [:x | x + 1].\n\t^ #(1 $a) , #[1 2]"
	if err != nil || got != want {
		t.Errorf("format = %q, %v; want %q", got, err, want)
	}
}
