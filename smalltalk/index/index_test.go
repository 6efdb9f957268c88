package index

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

const fooSrc = `Class { #name : #Foo, #superclass : #Object }

{ #category : #accessing }
Foo >> size [ ^ self basicSize ]

{ #category : #accessing }
Foo class >> new [ ^ super new size; yourself ]
`

const barSrc = `Extension { #name : #Foo }

Foo >> sizeInBytes [ ^ self size * 8 ]
`

func TestIndex(t *testing.T) {
	ix := New()
	ix.Update("file:///foo.st", smalltalk.Parse("foo.st", []byte(fooSrc)))
	ix.Update("file:///bar.st", smalltalk.Parse("bar.st", []byte(barSrc)))
	ix.Update("file:///play.st", smalltalk.Parse("play.st", []byte("Foo new size printString")))

	defs := ix.ClassDefinition("Foo")
	if len(defs) != 2 || defs[0].URI != "file:///foo.st" || defs[0].Extension || !defs[1].Extension {
		t.Errorf("definitions %+v", defs)
	}
	impls := ix.Implementors("size")
	if len(impls) != 1 || impls[0].Class != "Foo" || impls[0].ClassSide {
		t.Errorf("implementors %+v", impls)
	}
	if got := ix.FirstImplementor("size"); got != "Foo" || ix.FirstImplementor("nothing") != "" {
		t.Errorf("first implementor of size: %q", got)
	}
	senders := ix.Senders("size")
	var where []string
	for _, s := range senders {
		where = append(where, s.URI+":"+s.Class)
	}
	if strings.Join(where, " ") != "file:///bar.st:Foo file:///foo.st:Foo file:///play.st:" {
		t.Errorf("senders %v", where)
	}
	if got := strings.Join(ix.Selectors(), " "); got != "new size sizeInBytes" {
		t.Errorf("selectors %q", got)
	}
	ix.Remove("file:///bar.st")
	if len(ix.Implementors("sizeInBytes")) != 0 || len(ix.ClassDefinition("Foo")) != 1 || len(ix.Senders("size")) != 2 {
		t.Errorf("remove left entries")
	}
	// Updating a file replaces its entries.
	ix.Update("file:///foo.st", smalltalk.Parse("foo.st", []byte("Class { #name : #Baz }")))
	if len(ix.ClassDefinition("Foo")) != 0 || len(ix.Classes()) != 1 || ix.Len() != 2 {
		t.Errorf("update kept stale entries: %v", ix.Classes())
	}
}

func TestSymbolsRanking(t *testing.T) {
	ix := New()
	src := `Class { #name : #OrderedCollection }
OrderedCollection >> add: x [ ^ x ]
OrderedCollection >> addAll: x [ ^ x ]
OrderedCollection >> removeAdded [ ^ 1 ]
OrderedCollection >> aDdress [ ^ 1 ]
OrderedCollection >> anotherDay [ ^ 1 ]
`
	ix.Update("u", smalltalk.Parse("u", []byte(src)))
	var got []string
	for _, s := range ix.Symbols("add:", 0) {
		got = append(got, s.Name)
	}
	if strings.Join(got, " ") != "add: addAll:" {
		t.Errorf("add: -> %v", got)
	}
	got = got[:0]
	for _, s := range ix.Symbols("ad", 0) {
		got = append(got, s.Name)
	}
	// prefix, prefix, case-insensitive prefix, substring, subsequence
	if strings.Join(got, " ") != "add: addAll: aDdress removeAdded anotherDay" {
		t.Errorf("ad -> %v", got)
	}
	if s := ix.Symbols("OC", 1); len(s) != 1 || s[0].Name != "OrderedCollection" || s[0].Quality != MatchFuzzy {
		t.Errorf("camel humps: %+v", s)
	}
}

func TestMatchQuality(t *testing.T) {
	for _, tt := range []struct {
		name, query string
		want        int
	}{
		{"Foo", "Foo", MatchExact}, {"FooBar", "Foo", MatchPrefix}, {"FooBar", "foo", MatchFoldPrefix},
		{"FooBar", "bar", MatchSubstring}, {"FooBarBaz", "FBB", MatchFuzzy}, {"Foo", "x", NoMatch},
	} {
		if got := MatchQuality(tt.name, tt.query); got != tt.want {
			t.Errorf("MatchQuality(%q, %q) = %d, want %d", tt.name, tt.query, got, tt.want)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	ix := New()
	f := smalltalk.Parse("foo.st", []byte(fooSrc))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				ix.Update("u", f)
				ix.Senders("size")
				ix.Symbols("s", 10)
				ix.Remove("u")
			}
		}()
	}
	wg.Wait()
}

func TestLoadDir(t *testing.T) {
	ix := New()
	n, err := ix.LoadDir(context.Background(), "../../testdata/smalltalk")
	if err != nil || n < 8 {
		t.Fatalf("LoadDir: %d files, %v", n, err)
	}
	if defs := ix.ClassDefinition("Counter"); len(defs) != 1 || !strings.HasSuffix(defs[0].URI, "/testdata/smalltalk/Counter.class.st") {
		t.Errorf("Counter definition %+v", defs)
	}
	if len(ix.Implementors("greet")) != 1 || len(ix.Senders("increment")) < 2 {
		t.Errorf("implementors/senders missing")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New().LoadDir(ctx, "../../testdata/smalltalk"); err == nil {
		t.Errorf("cancelled LoadDir returned no error")
	}
}

func TestFastMatchersAgreeWithMatchQuality(t *testing.T) {
	names := []string{"OrderedCollection", "printOn:", "PRINT", "Éclair", "éclair", "at:put:", "", "ocm", "OCM", "İstanbul", "ſtrange"}
	for _, name := range names {
		for _, q := range names {
			for _, query := range []string{q, strings.ToLower(q), strings.ToUpper(q)} {
				if got, want := HasFoldPrefix(name, query), MatchQuality(name, query) <= MatchFoldPrefix; got != want {
					t.Errorf("HasFoldPrefix(%q, %q) = %v, MatchQuality says %v", name, query, got, want)
				}
				ascii := subsequence(name, query)
				q := []rune(query)
				i := 0
				for _, r := range name {
					if i < len(q) && (r == q[i] || !unicode.IsUpper(q[i]) && unicode.ToLower(r) == q[i]) {
						i++
					}
				}
				if ascii != (i == len(q)) {
					t.Errorf("subsequence(%q, %q) = %v", name, query, ascii)
				}
			}
		}
	}
}

// TestSortedNamesMadeDuringChangesAreNotKeptStale: the symbol table is
// made and merged outside the lock; one made while a name came or went
// must not stay behind as the index's.
func TestSortedNamesMadeDuringChangesAreNotKeptStale(t *testing.T) {
	ix := New()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			ix.Classes()
			ix.Selectors()
			ix.Symbols("C", 5)
		}
	}()
	want := map[string]bool{}
	for i := range 300 {
		name := fmt.Sprintf("C%d", i%37)
		u := fmt.Sprintf("file:///c%d.class.st", i%37)
		if i%3 == 2 {
			ix.Remove(u)
			delete(want, name)
			continue
		}
		src := fmt.Sprintf("Class { #name : #%s, #superclass : #Object }\n\n%s >> m%d [ ^ 1 ]\n", name, name, i%37)
		ix.UpdateSource(u, "c.class.st", []byte(src))
		want[name] = true
	}
	close(stop)
	wg.Wait()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	if got := ix.Classes(); !slices.Equal(got, names) {
		t.Errorf("Classes() = %v, want %v", got, names)
	}
	if got := ix.Symbols("C", 0); len(got) != len(names) {
		t.Errorf("Symbols(C) has %d symbols, want %d", len(got), len(names))
	}
}
