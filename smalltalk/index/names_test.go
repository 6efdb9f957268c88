package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stui-lsp/stui-lsp/internal/corpus"
	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// The symbol table is kept between changes of names (symbolView); these
// tests hold every answer that reads it to what a table made afresh, or a
// whole index made afresh from the same files, answers.

// symbolLimits are the limits the checks ask Symbols for: none, one, a
// few, the server's.
var symbolLimits = []int{0, 1, 7, 200}

// checkNames compares Classes, Selectors, SelectorsWithFoldPrefix and
// Symbols for each of queries with what keys found afresh give.
func checkNames(t testing.TB, ix *Index, queries []string, when string) {
	t.Helper()
	names, keys := freshKeys(ix)
	var classes, selectors []string
	for _, k := range keys {
		if k.class {
			classes = append(classes, names[k.name])
		} else {
			selectors = append(selectors, names[k.name])
		}
	}
	sort.Strings(classes)
	sort.Strings(selectors)
	checkTable(t, ix, names, keys, when)
	if got := ix.Classes(); !slices.Equal(got, classes) {
		t.Fatalf("%s: Classes() has %d names, want %d\n%s", when, len(got), len(classes), namesDiff(classes, got))
	}
	if got := ix.Selectors(); !slices.Equal(got, selectors) {
		t.Fatalf("%s: Selectors() has %d names, want %d\n%s", when, len(got), len(selectors), namesDiff(selectors, got))
	}
	for _, q := range queries {
		var want []string
		for _, s := range selectors {
			if HasFoldPrefix(s, q) {
				want = append(want, s)
			}
		}
		if got := slices.Collect(ix.SelectorsWithFoldPrefix(q)); !slices.Equal(got, want) {
			t.Fatalf("%s: SelectorsWithFoldPrefix(%q) has %d selectors, want %d\n%s", when, q, len(got), len(want), namesDiff(want, got))
		}
		all := allSymbolsOfKeys(ix, names, keys, q)
		for _, limit := range symbolLimits {
			if got, want := ix.Symbols(q, limit), cutSymbols(all, limit); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: Symbols(%q, %d) has %d results, want %d\n%s", when, q, limit, len(got), len(want), symbolDiff(want, got))
			}
		}
	}
}

// checkTable compares the table the index answers from, when no names
// lie over it, with one made afresh from keys: the same keys, lower-case
// forms and orders.
func checkTable(t testing.TB, ix *Index, names []string, keys []symbolKey, when string) {
	t.Helper()
	v := ix.symbolKeys()
	if v.extra != nil || len(v.gone) > 0 {
		return
	}
	got, want := v.base, newSymbolTable(names, slices.Clone(keys), 0).markHeld()
	for _, part := range []struct {
		what      string
		got, want any
	}{
		{"keys", got.keys, want.keys}, {"text", got.text, want.text}, {"starts", got.starts, want.starts},
		{"byLower", got.byLower, want.byLower}, {"classes", got.classes, want.classes},
		{"selectors", got.selectors, want.selectors}, {"rank", got.rank, want.rank},
	} {
		empty := reflect.ValueOf(part.got).Len() == 0 && reflect.ValueOf(part.want).Len() == 0
		if !empty && !reflect.DeepEqual(part.got, part.want) {
			t.Fatalf("%s: the table's %s differ from a fresh table's:\n%v\n%v", when, part.what, part.got, part.want)
		}
	}
	for i, k := range want.keys {
		if !got.holds(k) {
			t.Fatalf("%s: the table does not say it holds key %d, %q", when, i, names[k.name])
		}
	}
}

// checkAgainstFreshIndex compares what ix holds and answers with an
// index made afresh from the files ix has, as they are now.
func checkAgainstFreshIndex(t testing.TB, ix *Index, queries []string, when string) {
	t.Helper()
	fresh := New()
	ix.mu.RLock()
	files := slices.Clone(ix.files)
	ix.mu.RUnlock()
	for _, e := range files {
		if e.uri != "" {
			fresh.UpdateSource(e.uri, e.name, []byte(e.src))
		}
	}
	if got, want := ix.Listing(), fresh.Listing(); got != want {
		t.Fatalf("%s: the index differs from a fresh one\n%s", when, listingDifference(got, want))
	}
	if got, want := ix.Classes(), fresh.Classes(); !slices.Equal(got, want) {
		t.Fatalf("%s: Classes() differs from a fresh index's\n%s", when, namesDiff(want, got))
	}
	if got, want := ix.Selectors(), fresh.Selectors(); !slices.Equal(got, want) {
		t.Fatalf("%s: Selectors() differs from a fresh index's\n%s", when, namesDiff(want, got))
	}
	for _, q := range queries {
		if got, want := slices.Collect(ix.SelectorsWithFoldPrefix(q)), slices.Collect(fresh.SelectorsWithFoldPrefix(q)); !slices.Equal(got, want) {
			t.Fatalf("%s: SelectorsWithFoldPrefix(%q) differs from a fresh index's\n%s", when, q, namesDiff(want, got))
		}
		for _, limit := range symbolLimits {
			if got, want := ix.Symbols(q, limit), fresh.Symbols(q, limit); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: Symbols(%q, %d) differs from a fresh index's\n%s", when, q, limit, symbolDiff(want, got))
			}
		}
	}
}

func namesDiff(want, got []string) string {
	if i, a, b, differ := firstMismatch(want, got); differ {
		return fmt.Sprintf("at %d want %q, got %q", i, a, b)
	}
	return ""
}

// nameEdits makes the changes of names that editing a workspace makes,
// at random, to the files of an index, and the queries that look at
// them.
type nameEdits struct {
	t       *testing.T
	r       *rand.Rand
	ix      *Index
	uris    []string // the files the edits may change, indexed or not
	fresh   int      // names made so far
	gone    []string // names some edit took away
	touched []string // the names the last edits brought or took away
}

// selector returns a selector to give a method: a new one, one the index
// has, one an edit took away, or one whose lower case is odd.
func (e *nameEdits) selector() string {
	switch n := e.r.IntN(10); {
	case n < 4:
		e.fresh++
		return fmt.Sprintf([]string{"typed%d", "Typed%d", "tYPED%d", "t%d", "printOnTyped%d"}[e.fresh%5], e.fresh)
	case n < 7:
		if sels := e.ix.Selectors(); len(sels) > 0 {
			if s := sels[e.r.IntN(len(sels))]; isUnary(s) {
				return s
			}
		}
	case n < 9:
		if len(e.gone) > 0 {
			if s := e.gone[e.r.IntN(len(e.gone))]; isUnary(s) && !startsUpper(s) {
				return s
			}
		}
	}
	return []string{"\u00e9t\u00e9", "a\u0130b", "\u212Aelvin", "x", "new"}[e.r.IntN(5)]
}

func startsUpper(s string) bool { return s != "" && 'A' <= s[0] && s[0] <= 'Z' }

// step makes one change and says what it was.
func (e *nameEdits) step() string {
	uri := e.uris[e.r.IntN(len(e.uris))]
	src, ok := e.ix.Source(uri)
	if !ok || e.r.IntN(12) == 0 {
		// A new class (or the file's class renamed, with its methods).
		e.fresh++
		class := fmt.Sprintf("Typed%dClass", e.fresh)
		if len(e.gone) > 0 && e.r.IntN(3) == 0 && startsUpper(e.gone[0]) {
			class = e.gone[0]
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Class { #name : #%s, #superclass : #Object, #category : #'Typed' }\n", class)
		for range 1 + e.r.IntN(3) {
			fmt.Fprintf(&b, "\n%s >> %s [ ^ self %s ]\n", class, e.selector(), e.selector())
		}
		if ok {
			e.forget(uri)
		}
		e.ix.UpdateSource(uri, "typed.class.st", []byte(b.String()))
		e.touched = append(e.touched, class)
		return "new class " + class + " in " + uri
	}
	f := smalltalk.Parse("edited.class.st", []byte(src))
	switch n := e.r.IntN(10); {
	case n == 0:
		e.forget(uri)
		e.ix.Remove(uri)
		return "removed " + uri
	case n < 5 && len(f.Methods) > 0:
		// A method's selector typed over, as Update takes an edit
		// outside a method's body.
		m := f.Methods[e.r.IntN(len(f.Methods))]
		if !isUnary(m.Selector) {
			break
		}
		sel := e.selector()
		e.gone, e.touched = append(e.gone, m.Selector), append(e.touched, m.Selector, sel)
		edited := src[:m.SelectorRange.Start] + sel + src[m.SelectorRange.End:]
		e.ix.Update(uri, smalltalk.Parse(f.Name, []byte(edited)))
		return fmt.Sprintf("renamed %s to %s in %s", m.Selector, sel, uri)
	case n < 7 && len(f.Methods) > 0:
		m := f.Methods[e.r.IntN(len(f.Methods))]
		e.gone, e.touched = append(e.gone, m.Selector), append(e.touched, m.Selector)
		e.ix.UpdateSource(uri, f.Name, []byte(src[:m.Start]+src[m.End:]))
		return fmt.Sprintf("removed %s from %s", m.Selector, uri)
	case n < 9 && len(f.Classes) > 0:
		sel := e.selector()
		e.touched = append(e.touched, sel)
		e.ix.UpdateSource(uri, f.Name, []byte(src+fmt.Sprintf("\n%s >> %s [ ^ 1 ]\n", f.Classes[0].Name, sel)))
		return fmt.Sprintf("added %s to %s", sel, uri)
	}
	// Typing inside a method, as UpdateMethod takes it.
	start, end, text := typing(e.r, f)
	next, m := smalltalk.ReparseMethod(f, start, end, text)
	if m >= 0 {
		e.ix.UpdateMethod(uri, f, next, m)
	} else {
		e.ix.Update(uri, next)
	}
	return fmt.Sprintf("typed %q at %d in %s", text, start, uri)
}

// forget notes the names of uri's file, about to go.
func (e *nameEdits) forget(uri string) {
	if f := e.ix.File(uri); f != nil {
		for _, d := range f.Classes {
			e.gone = append(e.gone, d.Name)
		}
		for _, m := range f.Methods {
			e.gone = append(e.gone, m.Selector)
		}
	}
}

// queries are those that look at the names the last edits touched, and
// a few others.
func (e *nameEdits) queries() []string {
	// A few of the same queries each time, an empty one (every name) now
	// and then.
	fixed := []string{"", "a", "new", "printOn:", "Typed", "typ", "K", "\u212A", "\u00e9", "\u00c9T", "i\u0307", "\x00"}
	var qs []string
	for range 3 {
		qs = append(qs, fixed[e.r.IntN(len(fixed))])
	}
	for _, name := range e.touched {
		qs = append(qs, name, name[:min(len(name), 3)], strings.ToUpper(name), hump(name))
	}
	if sels := e.ix.Selectors(); len(sels) > 0 {
		s := sels[e.r.IntN(len(sels))]
		qs = append(qs, s[:1+e.r.IntN(len(s))])
	}
	e.touched = e.touched[:0]
	return qs
}

// hump is a camel-hump query for name: its first letter and its
// upper-case ones.
func hump(name string) string {
	var b strings.Builder
	for i, c := range name {
		if i == 0 || 'A' <= c && c <= 'Z' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// TestNamesStayWhatAFreshIndexHasAfterRandomEdits: renames, methods
// and classes added and removed, files removed, typing inside methods
// and loads, in random order over a generated workspace, with the table
// made again after every change, after a few or after many; after each
// step every query answers what keys found afresh answer, and every few
// steps what a whole index made afresh answers.
func TestNamesStayWhatAFreshIndexHasAfterRandomEdits(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.Write(dir, corpus.Shape{Files: 40, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	more := t.TempDir()
	if _, err := corpus.Write(more, corpus.Shape{Files: 12, Seed: 12}); err != nil {
		t.Fatal(err)
	}
	for _, overlayMax := range []int{0, 2, 256} {
		t.Run(fmt.Sprint("overlayMax=", overlayMax), func(t *testing.T) {
			ix := New()
			ix.overlayMax = overlayMax
			if _, err := ix.LoadDir(context.Background(), dir); err != nil {
				t.Fatal(err)
			}
			ix.Warm()
			e := &nameEdits{t: t, r: rand.New(rand.NewPCG(uint64(overlayMax), 7)), ix: ix, uris: ix.URIsUnder("")}
			for i := range 6 {
				e.uris = append(e.uris, fmt.Sprintf("file:///typed/new%d.class.st", i))
			}
			steps := 50
			if testing.Short() {
				steps = 30
			}
			for i := range steps {
				what := e.step()
				if e.r.IntN(25) == 0 {
					// A load over the edits: the names change by the thousand.
					if _, err := ix.LoadDir(context.Background(), more); err != nil {
						t.Fatal(err)
					}
					what += ", then a load"
				}
				// Sometimes several changes before the next query.
				if e.r.IntN(3) == 0 && i < steps-1 {
					continue
				}
				when := fmt.Sprintf("step %d (%s)", i, what)
				qs := e.queries()
				checkNames(t, ix, qs, when)
				if i%25 == 24 {
					checkAgainstFreshIndex(t, ix, qs, when)
				}
			}
			checkAgainstFreshIndex(t, ix, e.queries(), "at the end")
		})
	}
}

// TestNamesStayCurrentUnderConcurrentEditsAndQueries: queries from two
// goroutines while a third renames methods and adds and removes classes,
// the table made again every few changes meanwhile; once the edits stop,
// the answers are a fresh index's.
func TestNamesStayCurrentUnderConcurrentEditsAndQueries(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.Write(dir, corpus.Shape{Files: 60, Seed: 13}); err != nil {
		t.Fatal(err)
	}
	ix := New()
	ix.overlayMax = 4
	if _, err := ix.LoadDir(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	e := &nameEdits{t: t, r: rand.New(rand.NewPCG(13, 14)), ix: ix, uris: ix.URIsUnder("")}
	e.uris = append(e.uris, "file:///typed/new.class.st")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			queries := []string{"typ", "Typed", "new", "a", ""}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := queries[(i+g)%len(queries)]
				ix.Symbols(q, 50)
				for range ix.SelectorsWithFoldPrefix(q) {
				}
				if len(ix.Classes()) == 0 || len(ix.Selectors()) == 0 {
					t.Error("a query found no names")
					return
				}
			}
		}()
	}
	for range 150 {
		e.step()
	}
	close(stop)
	wg.Wait()
	qs := e.queries()
	checkNames(t, ix, qs, "after the edits")
	checkAgainstFreshIndex(t, ix, qs, "after the edits")
}

// FuzzNamesMatchAFreshIndex: a few small files whose classes and methods
// the input adds, renames and removes, through every way the index takes
// a change; after each change the answers are those of keys found
// afresh, and at the end those of a fresh index.
func FuzzNamesMatchAFreshIndex(f *testing.F) {
	f.Add([]byte{0, 0, 1, 2, 1, 3, 4, 2, 0, 5})
	f.Add([]byte{1, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6})
	f.Add([]byte{2, 3, 7, 1, 3, 8, 2, 3, 9, 0, 0, 1, 0, 0, 1, 5, 1, 0})
	f.Add([]byte{3, 1, 1, 1, 1, 2, 1, 1, 3, 1, 4, 1, 6, 0, 2})
	classes := []string{"A", "B", "Ab", "Abc", "\u212Aelvin", "Kelvin"}
	selectors := []string{"a", "b", "ab", "Ab", "abc", "at:", "at:put:", "\u00e9t\u00e9", "a\u0130b", "new", "printOn:", "+"}
	queries := []string{"", "a", "A", "ab", "at:", "K", "\u212A", "\u00e9", "i\u0307", "OCM", "Ab", "b", "+", "\x00"}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		ix := New()
		ix.overlayMax = int(data[0] % 4)
		type file struct {
			class   string
			methods []string
		}
		files := make([]*file, 4)
		source := func(fl *file) string {
			var b strings.Builder
			fmt.Fprintf(&b, "Class { #name : #'%s', #superclass : #Object }\n", fl.class)
			for i, sel := range fl.methods {
				pattern := sel
				if parts := strings.SplitAfter(sel, ":"); strings.HasSuffix(sel, ":") {
					pattern = ""
					for j, p := range parts[:len(parts)-1] {
						pattern += fmt.Sprintf("%s a%d ", p, j)
					}
				} else if sel == "+" {
					pattern = "+ other"
				}
				fmt.Fprintf(&b, "\n%s >> %s [ ^ self %s ]\n", fl.class, pattern, selectors[i%len(selectors)])
			}
			return b.String()
		}
		uri := func(i int) string { return fmt.Sprintf("file:///fuzz/f%d.class.st", i) }
		data = data[1:]
		for step := 0; len(data) >= 3; step++ {
			op, a, b := data[0], int(data[1]), int(data[2])
			data = data[3:]
			i := a % len(files)
			fl := files[i]
			switch op % 7 {
			case 0: // a class, new or renamed
				if fl == nil {
					fl = &file{}
					files[i] = fl
				}
				fl.class = classes[b%len(classes)]
			case 1: // a method added
				if fl == nil {
					continue
				}
				fl.methods = append(fl.methods, selectors[b%len(selectors)])
			case 2: // a method renamed
				if fl == nil || len(fl.methods) == 0 {
					continue
				}
				fl.methods[b%len(fl.methods)] = selectors[(a+b)%len(selectors)]
			case 3: // a method removed
				if fl == nil || len(fl.methods) == 0 {
					continue
				}
				fl.methods = slices.Delete(fl.methods, b%len(fl.methods), b%len(fl.methods)+1)
			case 4: // the file removed
				files[i] = nil
				ix.Remove(uri(i))
				checkNames(t, ix, queries, fmt.Sprintf("step %d, f%d removed", step, i))
				continue
			case 5: // its methods' order turned about
				if fl == nil {
					continue
				}
				slices.Reverse(fl.methods)
			case 6: // a query before the change, then the change
				checkNames(t, ix, queries, fmt.Sprintf("step %d", step))
				continue
			}
			if fl == nil {
				continue
			}
			src := source(fl)
			if b%2 == 0 {
				ix.Update(uri(i), smalltalk.Parse("f.class.st", []byte(src)))
			} else {
				ix.UpdateSource(uri(i), "f.class.st", []byte(src))
			}
			if b%3 != 0 {
				checkNames(t, ix, queries, fmt.Sprintf("step %d, f%d is\n%s", step, i, src))
			}
		}
		checkNames(t, ix, queries, "at the end")
		checkAgainstFreshIndex(t, ix, queries, "at the end")
	})
}

// The seed corpus of FuzzNamesMatchAFreshIndex runs as a test; this one
// writes a load over the fuzzed kinds of change, which the fuzz target
// leaves out to stay fast.
func TestNamesAfterALoadOverRenames(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("A.class.st", "Class { #name : #A, #superclass : #Object }\n\nA >> alpha [ ^ 1 ]\nA >> beta [ ^ 2 ]\n")
	write("B.class.st", "Class { #name : #B, #superclass : #Object }\n\nB >> alpha [ ^ 3 ]\n")
	ix := New()
	ix.overlayMax = 1
	if _, err := ix.LoadDir(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	queries := []string{"", "a", "al", "gam", "B", "C"}
	checkNames(t, ix, queries, "after the first load")
	uriA := FileURI(filepath.Join(dir, "A.class.st"))
	ix.UpdateSource(uriA, "A.class.st", []byte("Class { #name : #A, #superclass : #Object }\n\nA >> gamma [ ^ 1 ]\nA >> beta [ ^ 2 ]\n"))
	checkNames(t, ix, queries, "after alpha became gamma in A")
	write("C.class.st", "Class { #name : #C, #superclass : #Object }\n\nC >> alphabet [ ^ 3 ]\n")
	if _, err := ix.LoadDir(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	checkNames(t, ix, queries, "after the second load")
	checkAgainstFreshIndex(t, ix, queries, "after the second load")
}

// TestNamesThatTieInSymbolOrder: a class and a selector of one name, names
// that differ only in case, a name and its prefixes, brought and taken
// away one at a time, each answered from the table with the change over
// it and from a table made again with it.
func TestNamesThatTieInSymbolOrder(t *testing.T) {
	base := map[string]string{
		"file:///s.class.st":  "Class { #name : #S, #superclass : #Object }\n\nS >> Ab [ ^ 1 ]\nS >> ab [ ^ 2 ]\nS >> abc [ ^ 3 ]\nS >> Typed [ ^ 4 ]\nS >> typed: x [ ^ 5 ]\n",
		"file:///ab.class.st": "Class { #name : #Abc, #superclass : #Object }\n\nAbc >> a [ ^ 1 ]\n",
	}
	changes := []struct{ uri, src string }{
		{"file:///c1.class.st", "Class { #name : #Ab, #superclass : #Object }\n\nAb >> typed [ ^ 1 ]\n"},
		{"file:///c2.class.st", "Class { #name : #Typed, #superclass : #Object }\n\nTyped >> AB [ ^ 1 ]\nTyped >> aB [ ^ 1 ]\n"},
		{"file:///c3.class.st", "Class { #name : #AB, #superclass : #Object }\n\nAB >> Abc [ ^ 1 ]\nAB >> abC [ ^ 1 ]\n"},
		{"file:///c1.class.st", ""},
		{"file:///s.class.st", "Class { #name : #S, #superclass : #Object }\n\nS >> ab [ ^ 2 ]\nS >> Typed [ ^ 4 ]\n"},
		{"file:///c4.class.st", "Class { #name : #A, #superclass : #Object }\n\nA >> A [ ^ 1 ]\nA >> Ab [ ^ 1 ]\n"},
		{"file:///c2.class.st", ""},
	}
	queries := []string{"", "a", "A", "ab", "Ab", "AB", "abc", "Abc", "typ", "Typed", "typed", "T"}
	for _, overlayMax := range []int{0, 256} {
		ix := New()
		ix.overlayMax = overlayMax
		for uri, src := range base {
			ix.UpdateSource(uri, "x.class.st", []byte(src))
		}
		checkNames(t, ix, queries, "before the changes")
		for i, c := range changes {
			if c.src == "" {
				ix.Remove(c.uri)
			} else {
				ix.UpdateSource(c.uri, "x.class.st", []byte(c.src))
			}
			checkNames(t, ix, queries, fmt.Sprintf("overlayMax %d, change %d", overlayMax, i))
		}
		checkAgainstFreshIndex(t, ix, queries, fmt.Sprintf("overlayMax %d, after the changes", overlayMax))
	}
}

// TestTypingASelectorCostsWhatItChanges: typing a new method's selector
// a character at a time, each followed by a query, leaves the table as it
// was made, with one name over it, however long the typing goes on.
func TestTypingASelectorCostsWhatItChanges(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.Write(dir, corpus.Shape{Files: 40, Seed: 21}); err != nil {
		t.Fatal(err)
	}
	ix := New()
	if _, err := ix.LoadDir(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	ix.Warm()
	made := ix.symbols
	uri := "file:///typing.class.st"
	word := strings.Repeat("abcdefghijklmnopqrstuvwxyz", 20)
	for n := 1; n <= len(word); n++ {
		src := fmt.Sprintf("Class { #name : #Typing, #superclass : #Object }\n\nTyping >> %s [ ^ 1 ]\n", word[:n])
		ix.UpdateSource(uri, "typing.class.st", []byte(src))
		if got := slices.Collect(ix.SelectorsWithFoldPrefix(word[:n])); !slices.Contains(got, word[:n]) {
			t.Fatalf("after typing %d characters, completion of them does not offer the selector", n)
		}
	}
	if ix.symbols != made {
		t.Error("the table was made again while a selector was typed")
	}
	ix.mu.RLock()
	drift := len(ix.drift)
	ix.mu.RUnlock()
	// The class and the selector being typed.
	if drift > 2 {
		t.Errorf("%d names are kept over the table, want at most 2", drift)
	}
	checkNames(t, ix, []string{word[:3], word, "Typing"}, "after the typing")
}

// TestANameChangedWhileATableIsMergedStaysChanged: a selector comes, and
// while the query after it merges the table with it, goes again and
// another query looks; the merged table has it, so the change must stay
// noted over that table, and later answers must not offer the selector.
func TestANameChangedWhileATableIsMergedStaysChanged(t *testing.T) {
	ix := New()
	ix.overlayMax = 0
	uri := "file:///a.class.st"
	source := func(selectors ...string) []byte {
		src := "Class { #name : #A, #superclass : #Object }\n"
		for _, s := range selectors {
			src += fmt.Sprintf("\nA >> %s [ ^ 1 ]\n", s)
		}
		return []byte(src)
	}
	ix.UpdateSource(uri, "a.class.st", source("alpha"))
	ix.Warm()
	ix.UpdateSource(uri, "a.class.st", source("alpha", "beta"))
	merges := 0
	ix.whileMerging = func() {
		if merges++; merges == 1 {
			ix.UpdateSource(uri, "a.class.st", source("alpha"))
			if got := ix.Symbols("beta", 0); len(got) != 0 {
				t.Errorf("beta gone while the table with it was merged, Symbols(beta) = %v", got)
			}
		}
	}
	// The query after beta came merges the table with it.
	ix.Selectors()
	checkNames(t, ix, []string{"beta", "b", ""}, "after the merge")
	ix.UpdateSource(uri, "a.class.st", source("alpha", "gamma"))
	checkNames(t, ix, []string{"beta", "b", "gamma", ""}, "gamma came after")
	if merges < 2 {
		t.Fatalf("%d merges, want the one beta started and another", merges)
	}
}
