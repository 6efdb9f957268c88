package smalltalk

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stui-lsp/stui-lsp/internal/corpus"
)

// checkAgreesWithParse holds the Checker to Parse on one input, both
// ways: a file it calls clean parses without errors (the check would
// otherwise miss them), and a Tonel file that parses without errors is
// one it calls clean (the check would otherwise parse it for nothing).
func checkAgreesWithParse(t testing.TB, c *Checker, name string, src []byte) {
	t.Helper()
	f := Parse(name, src)
	clean := c.Clean(src)
	if clean && len(f.Errors) > 0 {
		t.Fatalf("%s: the checker calls it clean, but Parse reports %d errors, the first %q at %d:\n%s",
			name, len(f.Errors), f.Errors[0].Message, f.Errors[0].Start, clip(src))
	}
	if !clean && f.Kind.IsTonel() && len(f.Errors) == 0 {
		t.Fatalf("%s: Parse reports no error, but the checker left the file to the parser:\n%s", name, clip(src))
	}
}

func clip(src []byte) string {
	if len(src) > 2000 {
		return string(src[:2000]) + "..."
	}
	return string(src)
}

// checkSources are the Tonel files the tests damage: every fixture, the
// image side's sources, a generated class, and hand-written cases at the
// edges of what parses.
func checkSources(t testing.TB) map[string][]byte {
	srcs := map[string][]byte{"generated": generatedTonel(300)}
	for _, dir := range []string{"../testdata", "testdata", "../lsp/testdata", "../pharo"} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".st") {
				return err
			}
			src, err := os.ReadFile(p)
			srcs[p] = src
			return err
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if len(srcs) < 20 {
		t.Fatalf("only %d fixtures found", len(srcs))
	}
	for i, s := range layoutSources {
		srcs["layout"+string(rune('a'+i))] = []byte(s)
	}
	for i, s := range checkEdgeCases {
		srcs["edge"+string(rune('a'+i%26))+string(rune('a'+i/26))] = []byte(checkHeader + s + "\n")
	}
	return srcs
}

const checkHeader = "Class { #name : #Foo, #category : #'Foo-Core' }\n\n"

// checkEdgeCases are method definitions, each just inside or just outside
// what parses without an error.
var checkEdgeCases = []string{
	"Foo >> a [ ^ self b: 1 c: (2 + 3 d) ; e ]",
	"{ #category : 'x' }\nFoo class >> + other [ | t | t := other - -1. ^ t ]",
	"Foo >> a [ <primitive: 60> <foo: [ self bar ]> ^ #(a b: #c $d 'e' 1 -2 (f) #[1 2]) ]",
	"Foo >> a [ [:x :y || z | x foo; bar: y; baz ] value ]",
	"Foo >> a [ [:x ] value. [: x | ] value. [:x y ] value ]",
	"Foo >> a [ ^ { 1. self foo. 3 } ]",
	"Foo >> a [ ^ { 1. self foo. 3 ) ]",
	"Foo >> a [ ^ [ 1\n] Foo >> b [ ^ 2 ]",
	"Foo >> a [ ^ [ 1 ]\n]\nFoo >> b [ x foo ]",
	"Foo >> a [ ^ #[1 2\n] Foo class >> b [ ]",
	"Foo >> a [ ^ #[1 255 0 16rFF 1e3 2r1 256] ]",
	"Foo >> a [ ^ #[1 255 0 16rFF 1e3 2r1 255] ]",
	"Foo >> a [ ^ #[1 -2] ]",
	"Foo >> a [ ^ #[1 00000000000256] ]",
	"Foo >> a [ ^ #[1 0000000000255] ]",
	"Foo >> a [ ^ #(#[1 300]) ]",
	"Foo >> a [ ^ #( [ ) ]",
	"Foo >> a [ ^ #( { ) ]",
	"Foo >> a [ ^ #( ; . : ^ := _ ) ]",
	"Foo >> a [ ^ #( a ( b #( c ) ) ]",
	"Foo >> a [ x := y := z foo ]",
	"Foo >> a [ a foo b := 3 ]",
	"Foo >> a [ (a foo); bar ]",
	"Foo >> a [ a foo; ]",
	"Foo >> a [ a; foo ]",
	"Foo >> a [ _ foo. _ := 3. a _ b ]",
	"Foo >> a [ ^ ]",
	"Foo >> a [ ^ . ]",
	"Foo >> a [ a + ]",
	"Foo >> a [ a b: ]",
	"Foo >> a [ a - 1. a -1. a - - 1. a --1 ]",
	"Foo >> a [ ^ - 1 ]",
	"Foo >> a [ ) ]",
	"Foo >> a [ } ]",
	"Foo >> a [ \"unclosed ]",
	"Foo >> a [ 'unclosed ]",
	"Foo >> a [ ^ $ ]",
	"Foo >> a [ ^ 16rZ ]",
	"Foo >> a [ ^ 1 ` 2 ]",
	"Foo >> a [ ^ # ]",
	"#category : 'old'\nFoo >> a [ ^ 1 ]",
	"#category : 'old', #author : 'me'\nFoo >> a [ ^ 1 ]",
	"#category 'old'\nFoo >> a [ ^ 1 ]",
	"#category : \nFoo >> a [ ^ 1 ]",
	"{ #category : #'a b' }\nFoo >> a [ ]",
	"{ #category : 'it''s' }\nFoo >> a [ ]",
	"{ #category:#x }\nFoo >> a [ ]",
	"{ #author : 'x', #category : #y, #category : #z }\nFoo >> a [ ]",
	"{ #category : 3 }\nFoo >> a [ ]",
	"{ #category : -3.5e-2 }\nFoo >> a [ ]",
	"{ #category : true, #a : nil, #b : false }\nFoo >> a [ ]",
	"{ #category : yes }\nFoo >> a [ ]",
	"{ #category : Point { #x : 1 } }\nFoo >> a [ ]",
	"{ #category : OrderedCollection [ 1, 2 3 ] }\nFoo >> a [ ]",
	"{ #category : [ 1, } ] }\nFoo >> a [ ]",
	"{ \"c\" #category : 'a\\b' }\nFoo >> a [ ]",
	"{ #category : 'a\\' }\nFoo >> a [ ]",
	"{ #category : # }\nFoo >> a [ ]",
	"{ #category : #: }\nFoo >> a [ ]",
	"{ #category : #a:: }\nFoo >> a [ ]",
	"{ #category : #x \nFoo >> a [ ^ 1 ]",
	"{ #category #x }\nFoo >> a [ ^ 1 ]",
	"{ #category : #x } \"between\" Foo >> a [ ^ 1 ]",
	"{ #category : #x } \"unclosed Foo >> a [ ^ 1 ]",
	"\"unclosed Foo >> a [ ^ 1 ]",
	"Foo >> a: [ ]",
	"Foo >> a: b c [ ]",
	"Foo >> a: b c: [ ]",
	"Foo >> + [ ]",
	"Foo >> [ ]",
	"Foo >> a b [ ]",
	"Foo class foo >> a [ ]",
	"Foo classSide >> a [ ]",
	"Foo class >> a ^ 1 ]",
	"Foo > a [ ]",
	"Foo >> a [ <foo> | a | <bar> | b | <baz> ^ a ]",
	"Foo >> a [ <foo> | | <bar> ^ a ]",
	"Foo >> a [ | a | | b | | c | ^ a ]",
	"Foo >> a [ | a ^ a ]",
	"Foo >> a [ <> ]",
	"Foo >> a [ < > ]",
	"Foo >> a [ <foo ]",
	"Foo >> a [ <foo: > ]",
	"Foo >> a [ <foo: 1 bar: #x> ]",
	"Foo >> a [ <foo: 1 + 2> ]",
	"Foo >> a [ <+ 1> <- > <| #x> <== [> ]",
	"Foo >> a [ <foo>> ]",
	"Foo >> a [ < + > < - > < | #x > ^ 1 ]",
	"Foo >> a [ < - -1 > ^ 1 ]",
	"Foo >> a [ < - ) > ^ 1 ]",
	"Foo >> a [ ^ a ifTrue: [ b ] ifFalse: [ c foo: d ] ]",
	"Foo >> a [ ^ 16r1F + 2e3 + $  + #+ + #foo:bar: ]",
	"Foo >> a [ ^ a ==> b ~~ c ]",
	"Foo >> a [ ^ a foo:bar: b ]",
	"Foo >> a [ ^ a ± b ]",
	"Foo >> a [ ^ é + ü ]",
	"Foo >> a [ ^ a \u00a0 b ]",
	"\"comment\" Foo >> a [ \"x\" ^ 1 \"y\" ]",
	"Foo >> a [ ^ 1 ] junk",
	"Foo >> a [ ^ 1 ] Foo >> b [ ^ 2 ] ]",
	"Foo >> a [ ^ [ [ 1 ] ]",
	"Foo >> a [\n^ [ 1\n]\n]",
	"Foo >> a [ ^ [:x | x\n] value: 3 ]\n{ #category : #x }",
	strings.Repeat("Foo >> a [ ^ [ ", 3) + strings.Repeat("] ", 3) + "]",
	"Foo >> a [ ^ " + strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300) + " ]",
	"Foo >> a [ ^ " + strings.Repeat("[", MaxNesting-1) + strings.Repeat("]", MaxNesting-1) + " ]",
	"Foo >> a [ ^ " + strings.Repeat("[", MaxNesting) + strings.Repeat("]", MaxNesting) + " ]",
	"Foo >> a [ ^ " + strings.Repeat("[", MaxNesting+1) + strings.Repeat("]", MaxNesting+1) + " ]",
	"Foo >> a [ ^ " + strings.Repeat("#(", MaxNesting) + strings.Repeat(")", MaxNesting) + " ]",
	"Foo >> a [ ^ " + strings.Repeat("#(", MaxNesting+1) + strings.Repeat(")", MaxNesting+1) + " ]",
	"Foo >> a [ ^ " + strings.Repeat("a := ", MaxNesting) + "1 ]",
	"Foo >> a [ ^ " + strings.Repeat("a := ", MaxNesting+1) + "1 ]",
	"Foo >> a [ ^ " + strings.Repeat("a := (", MaxNesting/2) + "1" + strings.Repeat(")", MaxNesting/2) + " ]",
	"Foo >> a [ ^ " + strings.Repeat("a := (", MaxNesting/2+1) + "1" + strings.Repeat(")", MaxNesting/2+1) + " ]",
}

func TestCheckerAgreesWithParseOnEveryFixture(t *testing.T) {
	var c Checker
	clean := 0
	for name, src := range checkSources(t) {
		checkAgreesWithParse(t, &c, name, src)
		if c.Clean(src) {
			clean++
		}
	}
	if clean < 40 {
		t.Errorf("the checker called only %d fixtures clean", clean)
	}
}

// damage returns src with one random change: bytes dropped, the end cut,
// or a piece inserted that starts, ends or breaks a construct.
func damage(r *rand.Rand, src []byte) []byte {
	if len(src) == 0 {
		return src
	}
	at := r.IntN(len(src) + 1)
	switch r.IntN(6) {
	case 0:
		return src[:at]
	case 1:
		end := min(len(src), at+1+r.IntN(4))
		return append(append([]byte{}, src[:at]...), src[end:]...)
	}
	pieces := []string{"[", "]", "(", ")", "{", "}", "#(", "#[", "'", "\"", "$", "#", "|", "||", "<", ">", ":", ":=", "_", ".", ";", "^",
		"-", "-1", "256", "255", "16r", "1e", " ", "\n", "\n]\n", "\nFoo >> b [ ", "x", "foo:", "class ", ">>", "é", "`", "\\", "{ #category : #x }\n"}
	return append(append(append([]byte{}, src[:at]...), pieces[r.IntN(len(pieces))]...), src[at:]...)
}

func TestCheckerAgreesWithParseOnDamagedFixtures(t *testing.T) {
	var c Checker
	r := rand.New(rand.NewPCG(18, 27))
	n := 60
	if testing.Short() {
		n = 20
	}
	for name, src := range checkSources(t) {
		if len(src) > 16<<10 {
			continue
		}
		for range n {
			s := damage(r, src)
			if r.IntN(4) == 0 {
				s = damage(r, s)
			}
			checkAgreesWithParse(t, &c, name+" (damaged)", s)
		}
	}
}

func TestCheckerAgreesWithParseOnAGeneratedCorpus(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.Write(dir, corpus.Shape{Files: 300, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	checkTreeAgreesWithParse(t, dir, 3)
}

// TestCheckerAgreesWithParseOnATree runs the comparison on the tree named
// by STUI_CHECK_CORPUS, such as Pharo's src/: every file, and damaged
// copies of each.
func TestCheckerAgreesWithParseOnATree(t *testing.T) {
	dir := os.Getenv("STUI_CHECK_CORPUS")
	if dir == "" {
		t.Skip("set STUI_CHECK_CORPUS to a source tree (for example Pharo's src/) to compare on it")
	}
	checkTreeAgreesWithParse(t, dir, 3)
}

// checkTreeAgreesWithParse compares the checker with Parse on every *.st
// file below dir and on damaged copies of each: the end cut at a random
// place, a byte dropped, and damaged more times.
func checkTreeAgreesWithParse(t *testing.T, dir string, damaged int) {
	t.Helper()
	var c Checker
	r := rand.New(rand.NewPCG(18, 28))
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".st") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		checkAgreesWithParse(t, &c, p, src)
		if len(src) == 0 {
			return nil
		}
		at := r.IntN(len(src))
		checkAgreesWithParse(t, &c, p+" (cut)", src[:at])
		checkAgreesWithParse(t, &c, p+" (a byte dropped)", append(append([]byte{}, src[:at]...), src[at+1:]...))
		for range damaged {
			checkAgreesWithParse(t, &c, p+" (damaged)", damage(r, src))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("no source files below %s", dir)
	}
}

// FuzzCheckerAgreesWithParse holds the checker to Parse on any input.
//
//	go test ./smalltalk/ -run XXX -fuzz FuzzCheckerAgreesWithParse -fuzztime 60s
func FuzzCheckerAgreesWithParse(f *testing.F) {
	for _, src := range checkSources(f) {
		if len(src) <= 64<<10 {
			f.Add(src)
		}
	}
	addFixtureSeeds(f)
	for _, s := range checkEdgeCases {
		f.Add([]byte("Extension { #name : #Foo }\n" + s))
	}
	for _, s := range []string{"", "Class {", "Class { #name : }", "Trait { #name : #T }\nT >> a [ ]", "Package { #name : 'P' }", "Class { #name : #A }\nA >> a [ ^ 1 ]\n!"} {
		f.Add([]byte(s))
	}
	var c Checker
	f.Fuzz(func(t *testing.T, src []byte) {
		checkAgreesWithParse(t, &c, "fuzz.st", src)
	})
}

// The parser and the checker share isByteElement, so the agreement tests
// cannot see it wrong: its rule is pinned here on its own.
func TestByteArrayElementsAbove255AreErrors(t *testing.T) {
	for src, bad := range map[string]bool{
		"#[0 1 255]": false, "#[256]": true, "#[00000256]": true, "#[0000255]": false,
		"#[99999999999999999999999]": true, "#[16rFFF 1e3 2r11111111111]": false,
	} {
		f := Parse("x.st", []byte(src))
		if got := len(f.Errors) > 0; got != bad {
			t.Errorf("%s: errors %v, want an error: %v", src, f.Errors, bad)
		}
	}
}
