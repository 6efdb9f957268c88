package smalltalk

import (
	"os"
	"strings"
	"testing"
)

func addFixtureSeeds(f *testing.F) {
	for _, p := range fixtures(f) {
		src, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, s := range []string{"", "[", "#(", "#[", "'", "\"", "$", "#", "16r", "Class {", "! !", "Foo >> [", "a := [:x || y | ]", "<"} {
		f.Add([]byte(s))
	}
	// Nesting past the parser's limit (TestDeepNestingIsASyntaxError has
	// the megabyte-deep inputs that overflowed the stack).
	for _, open := range []string{"[", "(", "#(", "{", "a := ", "x ifTrue: [", "#( ("} {
		f.Add([]byte(strings.Repeat(open, MaxNesting+8)))
	}
	// Unclosed literal arrays, which made error recovery quadratic.
	f.Add([]byte(strings.Repeat("#(", 4096)))
	f.Add([]byte(strings.Repeat("#(\n", 4096)))
}

// checkRanges verifies that every node lies within the source.
func checkRanges(t *testing.T, f *File) {
	n := len(f.Src)
	ok := func(r Range) bool { return 0 <= r.Start && r.Start <= r.End && r.End <= n }
	visit := func(x Node) {
		if !ok(x.Span()) {
			t.Fatalf("%T range %v outside [0,%d]", x, x.Span(), n)
		}
	}
	for _, m := range f.Methods {
		Walk(m, visit)
	}
	if f.Body != nil {
		Walk(f.Body, visit)
	}
	for _, e := range f.Errors {
		if !ok(e.Range) {
			t.Fatalf("error range %v outside [0,%d]", e.Range, n)
		}
	}
}

func FuzzLex(f *testing.F) {
	addFixtureSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		s := NewScanner(src, 0, len(src))
		last := -1
		for i := 0; ; i++ {
			tok := s.Next()
			if tok.Kind == EOF {
				break
			}
			if tok.End <= last || tok.Start < last || tok.End > len(src) || i > len(src)+1 {
				t.Fatalf("no progress or bad range: %v after %d", tok, last)
			}
			last = tok.End
		}
	})
}

func FuzzParse(f *testing.F) {
	addFixtureSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		file := Parse("fuzz.st", src)
		checkRanges(t, file)
		for off := 0; off <= len(src); off += 7 {
			file.IdentifierAt(off)
			file.StatementAt(off)
		}
		file.Tokens(Range{})
		file.FoldingRanges()
		file.Outline()
		ParseExpression(src)
	})
}

func FuzzTonel(f *testing.F) {
	addFixtureSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		src := append([]byte("Class { #name : #Fuzz, #instVars : [ 'a' ] }\n\n{ #category : #x }\nFuzz >> m [\n"), body...)
		src = append(src, "\n]\n\nFuzz >> n [ ^ 1 ]\n"...)
		file := Parse("Fuzz.class.st", src)
		if file.Kind != TonelClass {
			t.Fatalf("kind %v", file.Kind)
		}
		checkRanges(t, file)
		for _, m := range file.Methods {
			if m.FileOffset(len(m.Source)) > len(src) {
				t.Fatalf("source mapping outside file")
			}
		}
	})
}
