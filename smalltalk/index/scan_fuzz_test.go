package index

import (
	"strings"
	"testing"
)

// FuzzScannedIndexEqualsParsed holds the scanner to the parser on any
// input, broken syntax included: the index of a file read by
// IndexScanner (or left by it to the parser) must equal the index of its
// parse tree.
//
//	go test ./smalltalk/index/ -run XXX -fuzz FuzzScannedIndexEqualsParsed -fuzztime 60s
func FuzzScannedIndexEqualsParsed(f *testing.F) {
	for _, src := range fixtureSources(f) {
		f.Add(src)
	}
	const header = "Class { #name : #Foo, #category : #'Foo-Core' }\n\n"
	for _, body := range []string{
		"Foo >> a [ ^ self b: 1 c: (2 + 3 d) ; e ]",
		"{ #category : 'x' }\nFoo class >> + other [ | t | t := other - -1. ^ t ]",
		"Foo >> a [ <primitive: 60> <foo: [ self bar ]> ^ #(a b: #c $d 'e' 1 -2 (f) #[1 2]) ]",
		"Foo >> a [ [:x :y || z | x foo; bar: y; baz ] value ]",
		"Foo >> a [ ^ { 1. self foo. 3 } ]",
		"Foo >> a [ ^ [ 1\n] Foo >> b [ ^ 2 ]",
		"Foo >> a [ ^ [ 1 ]\n]\nFoo >> b [ x foo ]",
		"Foo >> a [ ^ #[1 2\n] Foo class >> b [ ]",
		"Foo >> a [ x := y := z foo ]",
		"Foo >> a [ a foo b := 3 ]",
		"Foo >> a [ (a foo); bar ]",
		"Foo >> a [ a foo; ]",
		"Foo >> a [ _ foo. _ := 3. a _ b ]",
		"Foo >> a [ ^ ]",
		"Foo >> a [ a + ]",
		"Foo >> a [ a b: ]",
		"Foo >> a [ ) ]",
		"Foo >> a [ \"unclosed ]",
		"Foo >> a [ 'unclosed ]",
		"#category : 'old'\nFoo >> a [ ^ 1 ]",
		"{ #category : #'a b' }\nFoo >> a [ ]",
		"{ #category : 'it''s' }\nFoo >> a [ ]",
		"{ #category:#x }\nFoo >> a [ ]",
		"{ #author : 'x', #category : #y, #category : #z }\nFoo >> a [ ]",
		"{ #category : 3 }\nFoo >> a [ ]",
		"{ \"c\" #category : 'a\\b' }\nFoo >> a [ ]",
		"{ #category : # }\nFoo >> a [ ]",
		"{ #category : #x \nFoo >> a [ ^ 1 ]",
		"Foo >> a: [ ]",
		"Foo >> + [ ]",
		"Foo >> [ ]",
		"Foo class foo >> a [ ]",
		"Foo >> a [ <foo> | a | <bar> | b | <baz> ^ a ]",
		"Foo >> a [ <> ]",
		"Foo >> a [ ^ a ifTrue: [ b ] ifFalse: [ c foo: d ] ]",
		"Foo >> a [ ^ 16r1F + 2e3 + $  + #+ + #foo:bar: ]",
		"Foo >> a [ ^ a ==> b ~~ c ]",
		"\"comment\" Foo >> a [ \"x\" ^ 1 \"y\" ]",
		strings.Repeat("Foo >> a [ ^ [ ", 3) + strings.Repeat("] ", 3) + "]",
		"Foo >> a [ ^ " + strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300) + " ]",
	} {
		f.Add([]byte(header + body + "\n"))
		f.Add([]byte("Extension { #name : #Foo }\n" + body))
	}
	for _, s := range []string{"", "Class {", "Class { #name : }", "Trait { #name : #T }\nT >> a [ ]", "Package { #name : 'P' }", "Class { #name : #A }\nA >> a [ ^ 1 ]\n!"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		want, got := parsedListing("fuzz.st", src), scannedListing("fuzz.st", src)
		if got != want {
			t.Errorf("the scanned index differs from the parsed one on %q:\n%s", src, firstDifference(want, got))
		}
	})
}
