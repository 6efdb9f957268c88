package lsp

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// tonelSources are the Tonel fixtures and a generated class of Morph's
// size, by name.
func tonelSources(t testing.TB) map[string]string {
	srcs := map[string]string{"generated": largeTonelClass(200 << 10)}
	err := filepath.WalkDir("../testdata/smalltalk", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".class.st") && !strings.HasSuffix(p, ".extension.st") {
			return err
		}
		src, err := os.ReadFile(p)
		srcs[p] = string(src)
		return err
	})
	if err != nil || len(srcs) < 2 {
		t.Fatalf("no fixtures: %v", err)
	}
	return srcs
}

// typedEdit is an edit of the kinds typing makes, mostly inside a method:
// a character typed or deleted, a word pasted, a line broken (either way),
// a bracket or quote that unbalances the method.
func typedEdit(r *rand.Rand, text string) edit {
	start := r.IntN(len(text) + 1)
	for start > 0 && start < len(text) && !utf8RuneStart(text[start]) {
		start--
	}
	end := start
	if r.IntN(3) == 0 && start < len(text) {
		end = min(len(text), start+1+r.IntN(8))
		for end < len(text) && !utf8RuneStart(text[end]) {
			end++
		}
	}
	pieces := []string{"", "x", " ", "\n", "\r\n", "\r", "\t", "self foo. ", "[", "]", "'", "\"", "^ 3 + 4", "#(", ":=", "|", "é", "😀", "{ #category : #x }\nFoo >> bar [ ]\n"}
	return edit{start, end, pieces[r.IntN(len(pieces))]}
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// freshTokens encodes a parse of text made from nothing, in one run, and
// returns the document it made.
func freshTokens(text string, enc positionEncoding) ([]uint32, *document) {
	doc := newDocument("file:///fresh.class.st", "smalltalk", 1, text)
	run := encodeRun(doc.lines(), enc, doc.file().Tokens(smalltalk.Range{}), 0)
	data, _ := joinRuns([]tokenRun{run})
	return data, doc
}

// After each of a run of random edits to the same document, the semantic
// tokens made from the previous version's (the runs of untouched methods
// kept or moved), the line table made from the previous one and the syntax
// diagnostics equal those made from the text alone.
func TestTokensAfterEditsEqualAFreshComputation(t *testing.T) {
	srcs := tonelSources(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range srcs {
			if !yield(n) {
				return
			}
		}
	})
	r := rand.New(rand.NewPCG(18, 7))
	kept := 0
	for _, enc := range []positionEncoding{encodingUTF16, encodingUTF8, encodingUTF32} {
		for _, name := range names {
			edits := 150
			if name == "generated" {
				if enc != encodingUTF16 {
					continue
				}
				edits = 15
			}
			doc := newDocument(uri.URI("file:///"+filepath.Base(name)), "smalltalk", 1, srcs[name])
			doc.semanticTokens(enc)
			for i := 0; i < edits; i++ {
				e := typedEdit(r, doc.text)
				next := newDocument(doc.uri, doc.languageID, doc.version+1, applyEdit(doc.text, e))
				next.setLines(doc.lines().afterEdit(e, next.text))
				next.editedFrom(doc, e)
				got := next.semanticTokens(enc).data
				if next.reparsed >= 0 {
					kept++
				}
				fresh := newLineIndex(next.text)
				if lines := next.lines(); !slices.Equal(lines.lines, fresh.lines) || lines.ascii != fresh.ascii {
					t.Fatalf("%s: after edit %d (%d-%d → %q) the line table is %v (ascii %v), want %v (ascii %v)", name, i, e.start, e.end, e.text, lines.lines, lines.ascii, fresh.lines, fresh.ascii)
				}
				want, fromScratch := freshTokens(next.text, enc)
				if !slices.Equal(got, want) {
					g, w := decodeTokens(got), decodeTokens(want)
					at := 0
					for at < len(g) && at < len(w) && g[at] == w[at] {
						at++
					}
					t.Fatalf("%s (%v): after edit %d (%d-%d → %q) token %d differs: got %v, want %v", name, enc, i, e.start, e.end, e.text, at, g[at:min(at+3, len(g))], w[at:min(at+3, len(w))])
				}
				if got, want := syntaxDiagnostics(next), syntaxDiagnostics(fromScratch); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: after edit %d (%d-%d → %q) the diagnostics are %v, want %v", name, i, e.start, e.end, e.text, got, want)
				}
				doc = next
			}
		}
	}
	if kept == 0 {
		t.Error("no edit kept the tokens of the methods it did not touch")
	}
}

// FuzzTokensAfterEdits: the same on any text, eight edits at a time.
func FuzzTokensAfterEdits(f *testing.F) {
	for name, src := range tonelSources(f) {
		if name != "generated" {
			f.Add(src, uint64(1))
		}
	}
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		r := rand.New(rand.NewPCG(seed, 18))
		doc := newDocument("file:///fuzz.class.st", "smalltalk", 1, src)
		doc.semanticTokens(encodingUTF16)
		for i := 0; i < 8; i++ {
			e := typedEdit(r, doc.text)
			next := newDocument(doc.uri, doc.languageID, doc.version+1, applyEdit(doc.text, e))
			next.setLines(doc.lines().afterEdit(e, next.text))
			next.editedFrom(doc, e)
			if got, want := next.semanticTokens(encodingUTF16).data, first(freshTokens(next.text, encodingUTF16)); !slices.Equal(got, want) {
				t.Fatalf("edit %d (%d-%d → %q) of %q: tokens differ", i, e.start, e.end, e.text, doc.text)
			}
			if got, want := next.lines().lines, newLineIndex(next.text).lines; !slices.Equal(got, want) {
				t.Fatalf("edit %d (%d-%d → %q) of %q: line starts %v, want %v", i, e.start, e.end, e.text, doc.text, got, want)
			}
			doc = next
		}
	})
}

func first[A, B any](a A, _ B) A { return a }
