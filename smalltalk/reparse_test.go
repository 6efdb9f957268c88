package smalltalk

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// sameParse reports whether two parses of the same text are equal, field by
// field, and where they differ first.
func sameParse(t testing.TB, got, want *File) bool {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return true
	}
	switch {
	case !reflect.DeepEqual(got.Errors, want.Errors):
		t.Logf("errors %v, want %v", got.Errors, want.Errors)
	case !reflect.DeepEqual(got.Comments, want.Comments):
		t.Logf("comments %v, want %v", got.Comments, want.Comments)
	case len(got.Methods) != len(want.Methods):
		t.Logf("%d methods, want %d", len(got.Methods), len(want.Methods))
	default:
		for i := range got.Methods {
			if !reflect.DeepEqual(got.Methods[i], want.Methods[i]) {
				gv, wv := reflect.ValueOf(*got.Methods[i]), reflect.ValueOf(*want.Methods[i])
				for j := 0; j < gv.NumField(); j++ {
					if gv.Field(j).CanInterface() && !reflect.DeepEqual(gv.Field(j).Interface(), wv.Field(j).Interface()) || !gv.Field(j).CanInterface() && fmt.Sprint(gv.Field(j)) != fmt.Sprint(wv.Field(j)) {
						t.Logf("method %d (%s) differs in %s: %v, want %v", i, want.Methods[i].Selector, gv.Type().Field(j).Name, gv.Field(j), wv.Field(j))
					}
				}
				break
			}
		}
	}
	return false
}

// randomEdit is an edit of the kinds typing makes: a character typed or
// deleted, a word pasted, a bracket or quote that unbalances the method.
func randomEdit(r *rand.Rand, src []byte) (start, end int, text string) {
	start = r.IntN(len(src) + 1)
	end = start
	if r.IntN(3) == 0 && start < len(src) {
		end = min(len(src), start+1+r.IntN(8))
	}
	pieces := []string{"", "x", " ", "\n", "self foo. ", "[", "]", "'", "\"", "^ 3 + 4", "#(", ":=", "|", "é", "{ #category : #x }\nFoo >> bar [ ]\n"}
	return start, end, pieces[r.IntN(len(pieces))]
}

func reparseSources(t testing.TB) map[string][]byte {
	srcs := map[string][]byte{"generated": generatedTonel(300)}
	for _, p := range fixtures(t) {
		if !strings.HasSuffix(p, ".class.st") && !strings.HasSuffix(p, ".extension.st") {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs[p] = src
	}
	return srcs
}

// The incremental parse gives exactly what a full parse gives, after each
// of a run of random edits to the same text.
func TestReparseEqualsAFullParse(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 5))
	reused := 0
	srcs := reparseSources(t)
	names := slices.Sorted(maps.Keys(srcs))
	for _, name := range names {
		f := Parse(name, srcs[name])
		for i := 0; i < 200; i++ {
			start, end, text := randomEdit(r, f.Src)
			got := Reparse(f, start, end, text)
			want := Parse(name, got.Src)
			if !sameParse(t, got, want) {
				t.Fatalf("%s: after edit %d (%d-%d → %q) the incremental parse differs from a full one", name, i, start, end, text)
			}
			if f2, _ := reparseMethod(f, start, end, len(text), got.Src); f2 != nil {
				reused++
			}
			f = got
		}
	}
	if reused == 0 {
		t.Errorf("no edit was parsed incrementally")
	}
}

// An edit in a method's header (its selector typed, its class side
// named, an argument renamed) is parsed again with that method alone, and
// gives what a full parse gives.
func TestReparseOfAHeaderEditParsesOneMethod(t *testing.T) {
	src := []byte("Class {\n\t#name : #Foo,\n\t#superclass : #Object,\n\t#category : #Bar\n}\n\n" +
		"{ #category : #accessing }\nFoo >> first [\n\t^ 1\n]\n\n" +
		"{ #category : #accessing }\nFoo >> at: index put: value [\n\t^ index + value\n]\n\n" +
		"{ #category : #accessing }\nFoo >> last [\n\t^ 3\n]\n")
	f := Parse("Foo.class.st", src)
	at := func(s string) int { return strings.Index(string(f.Src), s) }
	cases := []struct {
		name              string
		start, end        int
		text              string
		wantMethod        int
		wantSelector      string
		wantClassSideToBe bool
	}{
		{"a letter typed at the end of a unary selector", at("first [") + len("first"), at("first [") + len("first"), "x", 0, "firstx", false},
		{"a letter taken from a unary selector", at("last [") + 3, at("last [") + 4, "", 2, "las", false},
		{"a keyword part renamed", at("put: value"), at("put: value") + len("put"), "with", 1, "at:with:", false},
		{"an argument renamed", at("index put"), at("index put") + len("index"), "i", 1, "at:put:", false},
		{"the class side named", at("Foo >> last") + len("Foo"), at("Foo >> last") + len("Foo"), " class", 2, "last", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, method := ReparseMethod(f, c.start, c.end, c.text)
			if !sameParse(t, got, Parse("Foo.class.st", got.Src)) {
				t.Fatal("differs from a full parse")
			}
			if method != c.wantMethod {
				t.Fatalf("parsed again method %d, want %d (-1: the whole file)", method, c.wantMethod)
			}
			if m := got.Methods[method]; m.Selector != c.wantSelector || m.ClassSide != c.wantClassSideToBe {
				t.Fatalf("method %s (class side %v), want %s (%v)", m.Selector, m.ClassSide, c.wantSelector, c.wantClassSideToBe)
			}
		})
	}
	// Before the header's first character the edit may join what comes
	// before it: the file is parsed in full.
	if _, method := ReparseMethod(f, at("Foo >> last"), at("Foo >> last"), "x"); method != -1 {
		t.Errorf("an edit before a header parsed method %d alone", method)
	}
}

func FuzzReparse(f *testing.F) {
	for _, src := range reparseSources(f) {
		f.Add(src, uint64(1))
	}
	f.Fuzz(func(t *testing.T, src []byte, seed uint64) {
		r := rand.New(rand.NewPCG(seed, 18))
		old := Parse("fuzz.class.st", src)
		for i := 0; i < 8; i++ {
			start, end, text := randomEdit(r, old.Src)
			got := Reparse(old, start, end, text)
			if !sameParse(t, got, Parse("fuzz.class.st", got.Src)) {
				t.Fatalf("edit %d (%d-%d → %q) of %q", i, start, end, text, old.Src)
			}
			old = got
		}
	})
}

// BenchmarkReparse: a character typed inside a method in the middle of a
// 200 KB class, the methods after it moved.
func BenchmarkReparse(b *testing.B) {
	src := generatedTonel(6000)
	f := Parse("Generated.class.st", src)
	m := f.Methods[len(f.Methods)/2]
	at := m.BodyRange.Start + 2
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, i := ReparseMethod(f, at, at, "x"); i < 0 {
			b.Fatal("parsed in full")
		}
	}
}
