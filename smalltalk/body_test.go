package smalltalk

import (
	"math/rand/v2"
	"testing"
)

// parseTwoPass parses src finding each Tonel method body's end first
// (findBodyEnd) and parsing it then, as the parser did before it parsed
// bodies in one pass.
func parseTwoPass(src []byte) *File {
	onePassBodies = false
	defer func() { onePassBodies = true }()
	return Parse("x.st", src)
}

// layoutSources are Tonel methods whose brackets do not balance, or
// balance only if a bracket in the first column is not taken for the
// method's end.
var layoutSources = []string{
	"Class { #name : #A }\nA >> a [\n\tx := [ 1\n] A >> 3.\n\t^ x\n]\n",
	"Class { #name : #A }\nA >> a [\n\tx := #[ 1\n] A class >> 3.\n\t^ x\n]\n",
	"Class { #name : #A }\nA >> a [\n\tx := [ 1\n]\n{ #category : #b }\nA >> b [ ^ 2 ]\n",
	"Class { #name : #A }\nA >> a [\n\tx := [ 1\n]\nA >> b [ ^ 2 ]\n",
	"Class { #name : #A }\nA >> a [\n\tx := [ 1 ]\n]\nA >> b [ ^ 2\n",
	"Class { #name : #A }\nA >> a [\n\t^ $]\n]\nA >> b [ ^ 2 ]\n",
	"Class { #name : #A }\nA >> a [ ^ 1 ) ]\nA >> b [ ^ 2 ]\n",
	"Class { #name : #A }\nA >> a [ ^ #( [ ) ]\nA >> b [ ^ 2 ]\n",
	"Class { #name : #A }\nA >> a [ <foo: [ 1\n]> ]\nA >> b [ ^ 2 ]\n",
	"Class { #name : #A }\nA >> a [ \"]\" ^ ']' ]\nA >> b [ ^ 2 \"\n",
}

// TestOnePassBodiesEqualTwoPass checks that parsing a Tonel method body up
// to its closing bracket in one pass gives what finding the bracket first
// gives, on the fixtures, the layout cases, and random damage to them.
func TestOnePassBodiesEqualTwoPass(t *testing.T) {
	var srcs [][]byte
	for _, s := range reparseSources(t) {
		srcs = append(srcs, s)
	}
	for _, s := range layoutSources {
		srcs = append(srcs, []byte(s))
	}
	r := rand.New(rand.NewPCG(18, 1))
	for _, src := range srcs {
		for i := 0; i <= 100; i++ {
			s := src
			if i > 0 {
				start, end, text := randomEdit(r, src)
				s = append(append(append([]byte{}, src[:start]...), text...), src[end:]...)
			}
			if !sameParse(t, Parse("x.st", s), parseTwoPass(s)) {
				t.Fatalf("one-pass and two-pass parses differ on:\n%s", s)
			}
		}
	}
}

func FuzzOnePassBodies(f *testing.F) {
	addFixtureSeeds(f)
	for _, s := range layoutSources {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if !sameParse(t, Parse("x.st", src), parseTwoPass(src)) {
			t.Fatalf("one-pass and two-pass parses differ on %q", src)
		}
	})
}
