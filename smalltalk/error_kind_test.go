package smalltalk

import "testing"

// A caller that words syntax errors its own way (stuitest, as Pharo's
// compiler does) goes by Error.Kind: each broken rule has its kind, on an
// error where the source's first error starts (a lexical error and the
// parser's error about the same token start together).
func TestSyntaxErrorsSayWhichRuleTheyBroke(t *testing.T) {
	expressions := []struct {
		src  string
		want ErrorKind
	}{
		{"(3 + 4", ErrorUnclosedParen},
		{"[ 3 + 4", ErrorUnclosedBlock},
		{"{ 1. 2", ErrorUnclosedBrace},
		{"| a b", ErrorUnclosedTemporaries},
		{"[ :x 3 ]", ErrorUnclosedTemporaries},
		{"3 +", ErrorExpressionExpected},
		{"x := ", ErrorExpressionExpected},
		{"3 foo: ", ErrorExpressionExpected},
		{"3 4", ErrorStatementEnd},
		{"3 + 4)", ErrorStatementEnd},
		{"3; foo", ErrorCascadeWithoutSend},
		{"3 foo; ", ErrorCascadeMessage},
		{"'abc", ErrorUnterminatedString},
		{"3 \"comment", ErrorUnterminatedComment},
		{"3 ` 4", ErrorIllegalCharacter},
		{"$", ErrorMissingCharacter},
		{"#(1 2", ErrorOther},
	}
	for _, c := range expressions {
		f := ParseExpression([]byte(c.src))
		if len(f.Errors) == 0 {
			t.Errorf("%q: no error", c.src)
			continue
		}
		if !firstErrorsInclude(f, c.want) {
			t.Errorf("%q: first errors %+v, want one of kind %d", c.src, f.Errors, c.want)
		}
	}
	methods := []struct {
		src  string
		want ErrorKind
	}{
		{"at: ^ 1", ErrorArgumentName},
		{"+ ^ 1", ErrorArgumentName},
		{"^ 1", ErrorMethodPattern},
		{"foo ^ (1", ErrorUnclosedParen},
	}
	for _, c := range methods {
		f := ParseMethod([]byte(c.src))
		if len(f.Errors) == 0 {
			t.Errorf("method %q: no error", c.src)
			continue
		}
		if !firstErrorsInclude(f, c.want) {
			t.Errorf("method %q: first errors %+v, want one of kind %d", c.src, f.Errors, c.want)
		}
	}
}

func firstErrorsInclude(f *File, kind ErrorKind) bool {
	for _, e := range f.Errors {
		if e.Start != f.Errors[0].Start {
			return false
		}
		if e.Kind == kind {
			return true
		}
	}
	return false
}
