package index

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// tonelFixtures are the Tonel class and extension files of testdata, by
// path.
func tonelFixtures(t *testing.T) map[string][]byte {
	out := map[string][]byte{}
	paths, _ := filepath.Glob("../../testdata/smalltalk/*.st")
	for _, p := range paths {
		if !strings.HasSuffix(p, ".class.st") && !strings.HasSuffix(p, ".extension.st") {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = src
	}
	if len(out) < 2 {
		t.Fatalf("only %d Tonel fixtures", len(out))
	}
	var b strings.Builder
	b.WriteString("Class {\n\t#name : #Generated,\n\t#superclass : #Object,\n\t#instVars : [ 'count' ],\n\t#category : #'Demo'\n}\n")
	for i := range 40 {
		fmt.Fprintf(&b, "\n{ #category : #'c%d' }\nGenerated >> method%d: x [\n\t\"A comment.\"\n\t| t |\n\tt := x collect: [ :e | e + %d ].\n\tcount := count + 1.\n\t^ t inject: 0 into: [ :a :e | a max: e ]\n]\n", i%4, i, i)
	}
	out["generated/Generated.class.st"] = []byte(b.String())
	return out
}

// typing is an edit of the kinds typing makes: mostly inside a method
// body, sometimes in its header's pattern (a selector being named),
// sometimes anywhere.
func typing(r *rand.Rand, f *smalltalk.File) (start, end int, text string) {
	start = r.IntN(len(f.Src) + 1)
	if len(f.Methods) > 0 && r.IntN(5) > 0 {
		m := f.Methods[r.IntN(len(f.Methods))]
		if n := m.BodyRange.End - m.BodyRange.Start - 2; n > 0 {
			start = m.BodyRange.Start + 1 + r.IntN(n)
		}
		if p := m.PatternRange; r.IntN(4) == 0 && p.End > p.Start {
			start = p.Start + 1 + r.IntN(p.End-p.Start)
		}
	}
	end = start
	if r.IntN(4) == 0 && start < len(f.Src) {
		end = min(len(f.Src), start+1+r.IntN(3))
	}
	// Mostly what keeps the method whole; sometimes what breaks it.
	safe := []string{"", "x", " ", "\n", "self foo. ", "self at: 1 put: 2. ", "Counter new. "}
	breaking := []string{"(", "]", "'", "^ 3 + 4", ":="}
	if r.IntN(6) == 0 {
		return start, end, breaking[r.IntN(len(breaking))]
	}
	return start, end, safe[r.IntN(len(safe))]
}

// After random edits to one file of an index holding others, the index
// updated method by method (several edits at a time when they stay in one
// method, as the server sends them) lists exactly what an index made
// afresh lists, and its sorted names are the same.
func TestUpdateMethodEqualsAFreshIndex(t *testing.T) {
	files := tonelFixtures(t)
	paths := slices.Sorted(func(yield func(string) bool) {
		for p := range files {
			if !yield(p) {
				return
			}
		}
	})
	r := rand.New(rand.NewPCG(18, 9))
	incremental, headerEdits := 0, 0
	for _, edited := range paths {
		ix := New()
		for _, p := range paths {
			ix.Update(FileURI(p), smalltalk.Parse(p, files[p]))
		}
		uri := FileURI(edited)
		indexed := smalltalk.Parse(edited, files[edited])
		ix.Update(uri, indexed)
		cur, method := indexed, -1
		for i := 0; i < 120; i++ {
			if i%10 == 0 {
				// Errors left by earlier edits send every edit to a full
				// parse: start again from the file as it is on disk.
				cur = smalltalk.Parse(edited, files[edited])
				ix.Update(uri, cur)
				indexed = cur
			}
			start, end, text := typing(r, cur)
			inHeader := false
			for _, m := range cur.Methods {
				if m.ClassRange.Start < start && start < m.BodyRange.Start {
					inHeader = true
				}
			}
			next, m := smalltalk.ReparseMethod(cur, start, end, text)
			if m >= 0 && inHeader {
				headerEdits++
			}
			switch {
			case cur == indexed:
				method = m
			case m != method:
				method = -1
			}
			cur = next
			if r.IntN(3) == 0 && method >= 0 {
				continue // the next edit comes before the index takes this one
			}
			if method >= 0 {
				incremental++
			}
			ix.UpdateMethod(uri, indexed, cur, method)
			indexed, method = cur, -1

			fresh := New()
			for _, p := range paths {
				if p != edited {
					fresh.Update(FileURI(p), smalltalk.Parse(p, files[p]))
				}
			}
			fresh.Update(uri, smalltalk.Parse(edited, cur.Src))
			if got, want := ix.Listing(), fresh.Listing(); got != want {
				t.Fatalf("%s after edit %d (%d-%d → %q): the index differs from a fresh one:\n%s", edited, i, start, end, text, listingDifference(got, want))
			}
			if !slices.Equal(ix.Selectors(), fresh.Selectors()) || !slices.Equal(ix.Classes(), fresh.Classes()) {
				t.Fatalf("%s after edit %d: the sorted names differ from a fresh index's", edited, i)
			}
		}
	}
	t.Logf("%d of the updates were made method by method, %d edits in a method's header parsed with that method alone", incremental, headerEdits)
	if headerEdits == 0 {
		t.Errorf("no edit of a method's header was parsed with its method alone")
	}
	if incremental == 0 {
		t.Error("no update was made method by method")
	}
}

// An index that does not hold the text the edit started from is updated in
// full.
func TestUpdateMethodFromAnotherTextUpdatesTheWholeFile(t *testing.T) {
	files := tonelFixtures(t)
	var path string
	for p, src := range files {
		if f := smalltalk.Parse(p, src); len(f.Methods) > 1 && len(f.Errors) == 0 {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("no fixture with two methods")
	}
	uri := FileURI(path)
	base := smalltalk.Parse(path, files[path])
	m := base.Methods[0]
	at := m.BodyRange.Start + 1
	edited, method := smalltalk.ReparseMethod(base, at, at, "self zork. ")
	if method != 0 {
		t.Fatalf("the edit was parsed as method %d", method)
	}
	ix := New()
	ix.Update(uri, smalltalk.Parse(path, append([]byte("\"older\"\n"), files[path]...)))
	ix.UpdateMethod(uri, base, edited, method)
	fresh := New()
	fresh.Update(uri, smalltalk.Parse(path, edited.Src))
	if got, want := ix.Listing(), fresh.Listing(); got != want {
		t.Fatalf("the index differs from a fresh one:\n%s", listingDifference(got, want))
	}
}

func listingDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		if i >= len(g) || i >= len(w) || g[i] != w[i] {
			var gl, wl string
			if i < len(g) {
				gl = g[i]
			}
			if i < len(w) {
				wl = w[i]
			}
			return "got  " + gl + "\nwant " + wl
		}
	}
	return ""
}
