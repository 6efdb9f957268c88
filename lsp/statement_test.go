package lsp

import "testing"

// After Print it the line reads `3 + 4 "7".`; a second Print it with the
// cursor at its end must find the statement again.
func TestStatementFoundWhenACommentFollowsIt(t *testing.T) {
	for _, tc := range []struct {
		text   string
		cursor string // the text before the cursor
		want   string // "" when no statement is meant
	}{
		{`3 + 4 "7".`, `3 + 4 "7".`, "3 + 4"},
		{`3 + 4 "7".`, `3 + 4 "7"`, "3 + 4"},
		{`3 + 4 "7".`, `3 + 4 "`, "3 + 4"},
		{"3 + 4 \"7\" \"and more\" .\n", "3 + 4 \"7\" \"and more\" .", "3 + 4"},
		{"x := 3 + 4. \"7\"\ny := 5", "x := 3 + 4. \"7\"", "x := 3 + 4"},
		// A comment that goes on to the next line separates them.
		{"3 + 4 \"7\nmore\" ", "3 + 4 \"7\nmore\" ", ""},
		{"3 + 4 .\n\"note\" ", "3 + 4 .\n\"note\" ", ""},
	} {
		f := parseDocument("p.st", tc.text)
		sp, ok := f.statementAt(len(tc.cursor))
		got := ""
		if ok {
			got = tc.text[sp.start:sp.end]
		}
		if got != tc.want {
			t.Errorf("%q with the cursor after %q: statement %q, want %q", tc.text, tc.cursor, got, tc.want)
		}
	}
}
