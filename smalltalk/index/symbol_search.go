package index

import (
	"iter"
	"slices"
	"sort"
	"strings"
)

// symbolTable is what Symbols searches: the keys in symbol order and
// their lower-case forms laid end to end, each followed by a NUL, so that
// one strings.Index pass over the text finds every key that contains the
// query (which is what the substring quality needs) instead of a
// comparison per key; and the keys in the order of their lower-case
// forms, where the keys that start with the query (exact, prefix and
// case-insensitive prefix matches) are one run found by binary search.
type symbolTable struct {
	names  []string // the index's names by number, as they were
	keys   []symbolKey
	text   string
	starts []int32 // where each key's lower-case form starts in text
	// byLower are the indexes of keys in the order of their lower-case
	// forms; selectors those of the selectors, in the order of their names
	// (Selectors'), and rank where each key is in selectors (-1 for a class
	// name).
	byLower, selectors, rank []int32
}

func newSymbolTable(names []string, keys []symbolKey) *symbolTable {
	t := &symbolTable{names: names, keys: keys, starts: make([]int32, len(keys)), byLower: make([]int32, len(keys))}
	lower := make([]string, len(keys))
	n := 0
	for i, k := range keys {
		lower[i] = strings.ToLower(names[k.name])
		n += len(lower[i]) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for i := range keys {
		k := &keys[i]
		t.starts[i] = int32(b.Len())
		b.WriteString(lower[i])
		b.WriteByte(0)
		k.letters = lettersOf(names[k.name], lower[i])
		t.byLower[i] = int32(i)
	}
	t.text = b.String()
	t.rank = make([]int32, len(keys))
	for i, k := range keys {
		t.rank[i] = -1
		if !k.class {
			t.selectors = append(t.selectors, int32(i))
		}
	}
	slices.SortFunc(t.selectors, func(a, b int32) int { return strings.Compare(t.name(a), t.name(b)) })
	for r, i := range t.selectors {
		t.rank[i] = int32(r)
	}
	sort.Slice(t.byLower, func(i, j int) bool {
		a, b := t.byLower[i], t.byLower[j]
		if la, lb := lower[a], lower[b]; la != lb {
			return la < lb
		}
		return a < b
	})
	return t
}

// name is the name of key i.
func (t *symbolTable) name(i int32) string { return t.names[t.keys[i].name] }

// lower is the lower-case form of key i.
func (t *symbolTable) lower(i int32) string {
	end := len(t.text)
	if int(i)+1 < len(t.starts) {
		end = int(t.starts[i+1])
	}
	return t.text[t.starts[i] : end-1]
}

// letterBit is the bit of c in a symbolKey's letters, or 0 for a
// character that has none.
func letterBit(c byte) uint64 {
	switch {
	case 'a' <= c && c <= 'z':
		return 1 << (c - 'a')
	case '0' <= c && c <= '9':
		return 1 << (26 + c - '0')
	case c == ':':
		return 1 << 36
	}
	return 0
}

func lettersOf(name, lower string) uint64 {
	if !isASCII(name) {
		// unicode.ToLower takes some non-ASCII letters (the Kelvin sign)
		// to ASCII ones: no character can be ruled out.
		return ^uint64(0)
	}
	var m uint64
	for i := 0; i < len(lower); i++ {
		m |= letterBit(lower[i])
	}
	for i := 0; i < len(name); i++ {
		m |= upperBit(name[i])
	}
	return m
}

// upperBit is the bit of an upper-case ASCII letter in a symbolKey's
// letters, after those of letterBit, or 0: an upper-case letter of a
// query matches only itself in a subsequence.
func upperBit(c byte) uint64 {
	if 'A' <= c && c <= 'Z' {
		return 1 << (37 + c - 'A')
	}
	return 0
}

// slow reports whether query holds a NUL, which the text uses between
// keys: such a query is matched key by key.
func (t *symbolTable) slow(query string) bool { return strings.IndexByte(query, 0) >= 0 }

// match puts the index of every key matching query into buckets by
// quality, in symbol order, as far as limit locations (count gives a
// key's) need: every exact and prefix match, then substring and
// subsequence matches only until they fill limit. An empty query puts
// every key in MatchSubstring, as MatchQuality's callers expect.
func (t *symbolTable) match(query string, limit int, count func(*symbolKey) int, buckets *[NoMatch][]int32) {
	if query == "" {
		all := make([]int32, len(t.keys))
		for i := range all {
			all[i] = int32(i)
		}
		buckets[MatchSubstring] = all
		return
	}
	if t.slow(query) {
		for i := range t.keys {
			q := MatchQuality(t.name(int32(i)), query)
			if q != NoMatch {
				buckets[q] = append(buckets[q], int32(i))
			}
		}
		return
	}
	lq := strings.ToLower(query)
	for _, i := range t.foldPrefixed(lq) {
		q := MatchFoldPrefix
		switch name := t.name(i); {
		case name == query:
			q = MatchExact
		case strings.HasPrefix(name, query):
			q = MatchPrefix
		}
		buckets[q] = append(buckets[q], i)
	}
	room := limit
	for q := range buckets[:MatchSubstring] {
		slices.Sort(buckets[q])
		for _, i := range buckets[q] {
			room -= count(&t.keys[i])
		}
	}
	// One pass in symbol order: the keys that contain the query further
	// in are substring matches, the others may be subsequence ones. It
	// stops once the substring matches fill the limit; until then it
	// keeps the subsequence matches that might still fit, which Symbols
	// cuts with the rest.
	needSub, needFuzzy := t.needs(query, lq)
	asciiQuery := isASCII(query)
	unlimited := limit <= 0
	fuzzy := 0 // the locations of the subsequence matches kept
	for i := range t.keys {
		if !unlimited && room <= 0 {
			return
		}
		k := &t.keys[i]
		if k.letters&needSub == needSub {
			if lower := t.lower(int32(i)); strings.Contains(lower, lq) {
				if !strings.HasPrefix(lower, lq) {
					buckets[MatchSubstring] = append(buckets[MatchSubstring], int32(i))
					room -= count(k)
				}
				continue
			}
		}
		// The room the substring matches leave only shrinks: what fits
		// in the room left now is enough.
		if (unlimited || fuzzy < room) && k.letters&needFuzzy == needFuzzy && t.subsequence(k, query, asciiQuery) {
			buckets[MatchFuzzy] = append(buckets[MatchFuzzy], int32(i))
			fuzzy += count(k)
		}
	}
}

// needs are the letters a key must have to contain query (whose lower
// case is lq) and to match it as a subsequence (its upper-case letters as
// they are).
func (t *symbolTable) needs(query, lq string) (sub, fuzzy uint64) {
	for i := 0; i < len(lq); i++ {
		sub |= letterBit(lq[i])
	}
	fuzzy = sub
	for i := 0; i < len(query); i++ {
		fuzzy |= upperBit(query[i])
	}
	return sub, fuzzy
}

// subsequence is subsequence(k's name, query), without looking for
// multi-byte characters in an ASCII name (whose letters are not all set).
func (t *symbolTable) subsequence(k *symbolKey, query string, asciiQuery bool) bool {
	name := t.names[k.name]
	if !asciiQuery || k.letters == ^uint64(0) {
		return subsequence(name, query)
	}
	return subsequenceASCII(name, query)
}

// SelectorsWithFoldPrefix yields, in the order of Selectors, the
// selectors that HasFoldPrefix(selector, prefix) holds for: found by
// binary search among the lower-case forms, not by a test of each.
func (ix *Index) SelectorsWithFoldPrefix(prefix string) iter.Seq[string] {
	t := ix.symbolKeys()
	return func(yield func(string) bool) {
		if prefix == "" {
			for _, i := range t.selectors {
				if !yield(t.name(i)) {
					return
				}
			}
			return
		}
		var ranks []int32
		for _, i := range t.foldPrefixed(strings.ToLower(prefix)) {
			if r := t.rank[i]; r >= 0 {
				ranks = append(ranks, r)
			}
		}
		slices.Sort(ranks)
		for _, r := range ranks {
			if !yield(t.name(t.selectors[r])) {
				return
			}
		}
	}
}

// foldPrefixed returns the keys whose lower-case forms start with lq, in
// that order.
func (t *symbolTable) foldPrefixed(lq string) []int32 {
	from := sort.Search(len(t.byLower), func(j int) bool { return t.lower(t.byLower[j]) >= lq })
	to := from
	for to < len(t.byLower) && strings.HasPrefix(t.lower(t.byLower[to]), lq) {
		to++
	}
	return t.byLower[from:to]
}
