package smalltalk

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// generatedTonel returns a Tonel class of about the given number of lines.
func generatedTonel(lines int) []byte {
	var b strings.Builder
	b.WriteString("\"\nA generated class for benchmarks.\n\"\nClass {\n\t#name : #Generated,\n\t#superclass : #Object,\n\t#instVars : [ 'count', 'items' ],\n\t#category : #'Bench-Core'\n}\n")
	for i := 0; strings.Count(b.String(), "\n") < lines; i++ {
		fmt.Fprintf(&b, `
{ #category : #'category %d' }
Generated >> method%d: anObject with: other [
	"Method %d: does something with café and 😀."
	| tmp block |
	tmp := anObject collect: [ :each | each * 2 + %d ].
	block := [ :x :y | x max: y ].
	items add: #(1 $a 'str' #sym) -> 16r1F; add: (block value: tmp size value: other); yourself.
	count := count + 1.
	^ tmp inject: 0 into: [ :acc :e | acc + e ]
]
`, i%20, i, i, i)
	}
	return []byte(b.String())
}

func BenchmarkParseGenerated(b *testing.B) {
	src := generatedTonel(5000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Parse("Generated.class.st", src)
	}
}

// BenchmarkParseFixtures parses every fixture, for a mix of formats.
func BenchmarkParseFixtures(b *testing.B) {
	var srcs [][]byte
	n := 0
	for _, p := range fixtures(b) {
		src, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src)
		n += len(src)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, s := range srcs {
			Parse("f.st", s)
		}
	}
}

func BenchmarkOutline(b *testing.B) {
	f := Parse("Generated.class.st", generatedTonel(5000))
	b.ReportAllocs()
	for b.Loop() {
		f.Outline()
	}
}

func BenchmarkTokens(b *testing.B) {
	f := Parse("Generated.class.st", generatedTonel(5000))
	b.ReportAllocs()
	for b.Loop() {
		f.Tokens(Range{})
	}
}

func BenchmarkFoldingRanges(b *testing.B) {
	f := Parse("Generated.class.st", generatedTonel(5000))
	for b.Loop() {
		f.FoldingRanges()
	}
}

func TestGeneratedParsesCleanly(t *testing.T) {
	f := Parse("Generated.class.st", generatedTonel(5000))
	if len(f.Errors) > 0 || len(f.Methods) < 400 {
		t.Fatalf("%d errors, %d methods", len(f.Errors), len(f.Methods))
	}
}

// BenchmarkParseUnclosed parses the inputs on which error recovery used
// to be quadratic (see docs/reliability.md for the numbers).
func BenchmarkParseUnclosed(b *testing.B) {
	for name, src := range unclosedSources() {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				Parse("x.st", src)
			}
		})
	}
}

// BenchmarkParseCorpus parses every .st file below STUI_CHECK_CORPUS (such
// as Pharo's src/), read into memory first, one file after the other.
func BenchmarkParseCorpus(b *testing.B) {
	srcs, n := corpusSources(b)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range srcs {
			Parse("f.st", s)
		}
	}
}

// BenchmarkCheckCorpus runs the Checker over the same files, as
// `stui-lsp check` does before it parses any.
func BenchmarkCheckCorpus(b *testing.B) {
	srcs, n := corpusSources(b)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	var c Checker
	for b.Loop() {
		for _, s := range srcs {
			c.Clean(s)
		}
	}
}

// corpusSources reads every .st file below STUI_CHECK_CORPUS into memory.
func corpusSources(b *testing.B) ([][]byte, int) {
	dir := os.Getenv("STUI_CHECK_CORPUS")
	if dir == "" {
		b.Skip("STUI_CHECK_CORPUS not set")
	}
	var srcs [][]byte
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".st") {
			src, err := os.ReadFile(p)
			srcs = append(srcs, src)
			n += len(src)
			return err
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return srcs, n
}
