package stuitest

import (
	"context"
	"errors"
	"testing"
)

// TestParserErrorsWordedAsPharo pins the wording and the 1-based character
// position Pharo's compiler gives each syntax error, as the test backend
// reports them through the shared parser.
func TestParserErrorsWordedAsPharo(t *testing.T) {
	for _, tc := range []struct {
		code string
		msg  string
		pos  int
	}{
		{"3 +", "Variable or expression expected", 4},
		{"x := 3.\ny := (4 + 5", "')' expected", 20},
		{"'open", "Unmatched ' in string literal", 6},
		{"3 4", "Nothing more expected", 3},
		{"[ 3", "']' expected", 4},
		{"3; + 4", "Cascade must follow a message send", 2},
		{"3 + 4; 5", "Message expected", 8},
		{"x := ", "Variable or expression expected", 6},
		{"(3 + 4", "')' expected", 7},
		{"\"open", "Unmatched \" in comment", 6},
		{"3 foo: ", "Variable or expression expected", 8},
		{"'café", "Unmatched ' in string literal", 6},
		{"x := 'é'. (1", "')' expected", 13},
		{"3 + 4)", "Nothing more expected", 6},
	} {
		_, err := evaluate(context.Background(), tc.code, map[string]value{})
		var se *syntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: the evaluator answered %v, not a syntax error", tc.code, err)
			continue
		}
		if se.msg != tc.msg || se.pos != tc.pos {
			t.Errorf("%q: %q at character %d, want %q at %d", tc.code, se.msg, se.pos, tc.msg, tc.pos)
		}
	}
}
