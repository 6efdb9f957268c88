package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stui-lsp/stui-lsp/internal/corpus"
	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// freshKeys are the class names and selectors of methods the index
// holds, in symbol order, found afresh: what a symbol table made now
// holds.
func freshKeys(ix *Index) ([]string, []symbolKey) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var keys []symbolKey
	for n, r := range ix.classes.runs {
		if r.n > 0 {
			keys = append(keys, symbolKey{name: uint32(n), class: true})
		}
	}
	for n, r := range ix.impls.runs {
		if r.n > 0 {
			keys = append(keys, symbolKey{name: uint32(n)})
		}
	}
	names := ix.names.names
	sort.Slice(keys, func(i, j int) bool {
		a, b := names[keys[i].name], names[keys[j].name]
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		if a != b {
			return a < b
		}
		return keys[i].class && !keys[j].class
	})
	return names, keys
}

// symbolsKeyByKey is Symbols as it was before the search over one text,
// over keys found afresh: MatchQuality for each key, the reference the
// faster search and the tables kept between changes are held to.
func symbolsKeyByKey(ix *Index, query string, limit int) []Symbol {
	names, keys := freshKeys(ix)
	return cutSymbols(allSymbolsOfKeys(ix, names, keys, query), limit)
}

// cutSymbols is what symbolsKeyByKey answers with limit, from its answer
// without one.
func cutSymbols(all []Symbol, limit int) []Symbol {
	if limit > 0 && len(all) > limit {
		return all[:limit]
	}
	return all
}

// allSymbolsOfKeys is symbolsKeyByKey over keys (in symbol order) and
// names found before, without a limit.
func allSymbolsOfKeys(ix *Index, names []string, keys []symbolKey, query string) []Symbol {
	var buckets [NoMatch][]symbolKey
	lq := strings.ToLower(query)
	for _, k := range keys {
		q := MatchSubstring
		if name := names[k.name]; query != "" {
			// MatchQuality, with the query lower-cased once.
			switch {
			case name == query:
				q = MatchExact
			case strings.HasPrefix(name, query):
				q = MatchPrefix
			default:
				q = matchLower(name, strings.ToLower(name), query, lq)
			}
		}
		if q != NoMatch {
			buckets[q] = append(buckets[q], k)
		}
	}
	var out []Symbol
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for q, bucket := range buckets {
		for _, k := range bucket {
			p := &ix.impls
			if k.class {
				p = &ix.classes
			}
			name := names[k.name]
			first := len(out)
			for _, l := range p.get(k.name) {
				out = append(out, Symbol{name, ix.location(name, l), q})
			}
			same := out[first:]
			sort.Slice(same, func(i, j int) bool {
				a, b := same[i].Location, same[j].Location
				if a.URI != b.URI {
					return a.URI < b.URI
				}
				return a.Range.Start < b.Range.Start
			})
		}
	}
	return out
}

func TestSymbolsFindWhatMatchQualityRanks(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.Write(dir, corpus.Shape{Files: 300, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	ix := New()
	if _, err := ix.LoadDir(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	// Names that lower-case to other lengths or to ASCII, and a NUL.
	ix.Update("file:///odd.st", smalltalk.Parse("odd.st", []byte("Class { #name : #'\u212Aelvin' }\n\n\u212Aelvin >> \u00e9t\u00e9 [ ^ 1 ]\n\u212Aelvin >> a\u0130b [ ^ 2 ]\n")))
	names, keys := freshKeys(ix)
	r := rand.New(rand.NewPCG(5, 6))
	queries := []string{"", "a", "A", "new", "printOn", "printOn:", "at:put:", "OCM", "GC", "gen", "Gen", "zzqx", "k", "K", "\u212A", "\u00e9", "\u00c9T", "i\u0307", "\x00", "a\x00b", ":", "+", "="}
	for i := 0; i < 300; i++ {
		name := names[keys[r.IntN(len(keys))].name]
		a := r.IntN(len(name))
		b := a + 1 + r.IntN(len(name)-a)
		q := name[a:b]
		switch i % 4 {
		case 1:
			q = strings.ToUpper(q)
		case 2:
			var hump []byte
			for j := 0; j < len(name); j += 1 + r.IntN(4) {
				hump = append(hump, name[j])
			}
			q = string(hump)
		case 3:
			q = string(rune('a'+r.IntN(26))) + q
		}
		queries = append(queries, q)
	}
	for _, q := range queries {
		var want []string
		for _, sel := range ix.Selectors() {
			if HasFoldPrefix(sel, q) {
				want = append(want, sel)
			}
		}
		if got := slices.Collect(ix.SelectorsWithFoldPrefix(q)); !slices.Equal(got, want) {
			t.Fatalf("SelectorsWithFoldPrefix(%q): %d selectors, want %d", q, len(got), len(want))
		}
		all := allSymbolsOfKeys(ix, names, keys, q)
		for _, limit := range []int{0, 1, 7, 200} {
			want, got := cutSymbols(all, limit), ix.Symbols(q, limit)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Symbols(%q, %d): %d results, want %d\n%s", q, limit, len(got), len(want), symbolDiff(want, got))
			}
		}
	}
}

// Files new to the index take their place in the files' order, which
// orders a name's locations, and the answers stay those of the oracle.
func TestSymbolsAfterNewFilesKeepTheURIOrder(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.Write(dir, corpus.Shape{Files: 120, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	ix := New()
	if _, err := ix.LoadDir(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	ix.Warm()
	queries := []string{"printOn:", "initialize", "new", "a", "Gen", "ex"}
	for i, uri := range []string{"file:///0first.st", "file:///zzz/last.st", FileURI(dir + "/M.class.st"), FileURI(dir + "/Zz/Extra.class.st"), "file:///0first.st"} {
		src := fmt.Sprintf("Class { #name : #Extra%d, #superclass : #Object }\n\nExtra%d >> printOn: aStream [ ^ self initialize; new ]\nExtra%d >> initialize [ ^ 1 ]\n", i, i, i)
		ix.UpdateSource(uri, "x.class.st", []byte(src))
		ix.mu.RLock()
		current := ix.order != nil && ix.order.stamp == ix.filesStamp
		ix.mu.RUnlock()
		if !current {
			t.Fatalf("after %s the files' order was made stale, not extended", uri)
		}
		for _, q := range queries {
			for _, limit := range []int{0, 3, 200} {
				if want, got := symbolsKeyByKey(ix, q, limit), ix.Symbols(q, limit); !reflect.DeepEqual(got, want) {
					t.Fatalf("after %s, Symbols(%q, %d): %d results, want %d\n%s", uri, q, limit, len(got), len(want), symbolDiff(want, got))
				}
			}
		}
	}
}

func symbolDiff(want, got []Symbol) string {
	for i := 0; i < len(want) || i < len(got); i++ {
		var a, b string
		if i < len(want) {
			a = fmt.Sprintf("%s %d %s", want[i].Name, want[i].Quality, want[i].Location.URI)
		}
		if i < len(got) {
			b = fmt.Sprintf("%s %d %s", got[i].Name, got[i].Quality, got[i].Location.URI)
		}
		if a != b {
			return fmt.Sprintf("at %d want %s, got %s", i, a, b)
		}
	}
	return ""
}
