package stuitest

import (
	"context"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// The groundwork of evaluating on smalltalk/'s AST: for each syntax error the
// evaluator reports in Pharo's words, the parser's error of the same code,
// worded by its kind, says the same thing at the same character.
func TestParserErrorsWordedAsPharo(t *testing.T) {
	for _, code := range []string{
		"3 +", "x := 3.\ny := (4 + 5", "'open", "3 4", "[ 3", "3; + 4", "3 + 4; 5",
		"x := ", "(3 + 4", "\"open", "3 foo: ", "'café", "x := 'é'. (1", "3 + 4)",
	} {
		_, err := evaluate(context.Background(), code, map[string]value{})
		var se *syntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: the evaluator answered %v, not a syntax error", code, err)
			continue
		}
		msg, at, ok := pharoSyntaxError(smalltalk.ParseExpression([]byte(code)))
		if !ok || msg != se.msg {
			t.Errorf("%q: the parser's error reads %q, the evaluator's %q", code, msg, se.msg)
			continue
		}
		if pos := utf8.RuneCountInString(code[:at]) + 1; pos != se.pos {
			t.Errorf("%q: %q at character %d, the evaluator's at %d", code, msg, pos, se.pos)
		}
	}
}
