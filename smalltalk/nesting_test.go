package smalltalk

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileSources are inputs whose trees nest as deep as the input is
// long; each used to overflow the goroutine's stack, which no recover
// catches, in the parser or in a walk over its tree.
var hostileSources = []struct {
	name string
	src  string
	// tooDeep is set when the parser must report the nesting limit.
	tooDeep bool
}{
	{"a megabyte of open blocks", strings.Repeat("[", 1<<20), true},
	{"a million nested parentheses", strings.Repeat("(", 1<<20) + "1" + strings.Repeat(")", 1<<20), true},
	{"nested literal arrays", strings.Repeat("#(", 1<<19), true},
	{"nested arrays inside a literal array", "#(" + strings.Repeat("(", 1<<20), true},
	{"nested brace arrays", strings.Repeat("{", 1<<20), true},
	{"closed blocks", "x := " + strings.Repeat("[", 1<<18) + strings.Repeat("]", 1<<18) + ". y := 3", true},
	{"chained assignments", strings.Repeat("a := ", 1<<18) + "3", true},
	{"a keyword argument of blocks", strings.Repeat("x ifTrue: [", 1<<16), true},
	{"a long binary chain", "x := 1" + strings.Repeat(" + 1", 1<<18), false},
	{"a long unary chain", "x := y" + strings.Repeat(" foo", 1<<18), false},
}

func TestDeepNestingIsASyntaxError(t *testing.T) {
	for _, tc := range hostileSources {
		t.Run(tc.name, func(t *testing.T) {
			for _, name := range []string{"deep.st", "Deep.class.st"} {
				src := []byte(tc.src)
				if name == "Deep.class.st" {
					src = []byte("Class { #name : #Deep }\n\nDeep >> m [\n" + tc.src + "\n]\n")
				}
				f := Parse(name, src)
				found := false
				for _, e := range f.Errors {
					if strings.Contains(e.Message, "nested more than 512 levels deep") {
						found = true
					}
				}
				if found != tc.tooDeep {
					t.Errorf("%s: nesting limit reported: %v, want %v (%d errors)", name, found, tc.tooDeep, len(f.Errors))
				}
				// Every walk over the tree must survive it too.
				checkRanges(t, f)
				f.Tokens(Range{})
				f.FoldingRanges()
				f.Outline()
				for _, off := range []int{0, len(src) / 2, len(src) - 1, len(src)} {
					f.IdentifierAt(off)
					f.StatementAt(off)
				}
				for _, m := range f.Methods {
					m.Sends()
				}
				if f.Body != nil {
					SentSelectors(f.Body)
				}
			}
			ParseExpression([]byte(tc.src))
		})
	}
}

func TestNestingUpToTheLimitParses(t *testing.T) {
	// The assignment is one level, the blocks the rest.
	src := "x := " + strings.Repeat("[", MaxNesting-1) + "3" + strings.Repeat("]", MaxNesting-1) + ". y := 4"
	f := Parse("ok.st", []byte(src))
	if len(f.Errors) != 0 {
		t.Fatalf("errors at the limit: %v", f.Errors[0])
	}
	if len(f.Statements) != 2 {
		t.Fatalf("%d statements, want 2", len(f.Statements))
	}
	src = "x := " + strings.Repeat("[", MaxNesting) + "3" + strings.Repeat("]", MaxNesting) + ". y := 4"
	f = Parse("deep.st", []byte(src))
	if len(f.Errors) != 1 || !strings.Contains(f.Errors[0].Message, "nested more than") {
		t.Fatalf("errors one past the limit: %v", f.Errors)
	}
	if len(f.Statements) != 2 {
		t.Fatalf("the statement after the deep one is lost: %d statements", len(f.Statements))
	}
}

// unclosedSources are inputs on which error recovery used to take time
// quadratic in their size.
func unclosedSources() map[string][]byte {
	random := func(alphabet string, n int) []byte {
		r := rand.New(rand.NewSource(16))
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		return b
	}
	return map[string][]byte{
		"100 KB of unclosed #( on one line":             bytes.Repeat([]byte("#("), 50_000),
		"100 KB of unclosed #( on their own lines":      bytes.Repeat([]byte("#(\n"), 33_000),
		"unclosed arrays in statements":                 bytes.Repeat([]byte("x := #(1 'a\n"), 8_000),
		"400 KB of random unclosed quotes and brackets": random("[(#(' \n{", 400_000),
	}
}

func TestErrorRecoveryIsLinear(t *testing.T) {
	for name, src := range unclosedSources() {
		f := &File{Name: "x.st", Src: src}
		p := newParser(f)
		parseStatements(f, p)
		if p.work > 4*len(src) {
			t.Errorf("%s: %d tokens read and bytes searched for %d bytes of input", name, p.work, len(src))
		}
		if len(f.Errors) == 0 {
			t.Errorf("%s: no syntax error", name)
		}
	}
}

func TestUnclosedArrayStillSparesTheLinesBelow(t *testing.T) {
	f := Parse("x.st", []byte("a := #(1 2.\nb := 3.\nc := #(4.\nd := 5"))
	if len(f.Statements) != 4 {
		t.Fatalf("%d statements, want 4: %v", len(f.Statements), f.Errors)
	}
}

func TestLineColOnALongLine(t *testing.T) {
	line := strings.Repeat("é😀a", 3000)
	src := []byte("first\n" + line + "\n" + line)
	f := Parse("x.st", src)
	for _, off := range []int{6, 7, 100, 5000, 6 + len(line), 7 + len(line), len(src) - 3, len(src)} {
		l, c := f.LineCol(off)
		start := f.LineStart(l)
		if want := utf8.RuneCount(src[start:off]) + 1; c != want {
			t.Errorf("offset %d: column %d, want %d", off, c, want)
		}
	}
}
