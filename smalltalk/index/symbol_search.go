package index

import (
	"iter"
	"slices"
	"strings"
)

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
func slow(query string) bool { return strings.IndexByte(query, 0) >= 0 }

// match puts the index of every key matching query into buckets by
// quality, in symbol order, as far as limit locations (count gives a
// key's) need: every exact and prefix match, then substring and
// subsequence matches only until they fill limit. An empty query puts
// every key in MatchSubstring, as MatchQuality's callers expect. Keys
// whose names went are put in too: they have no locations.
func (v *symbolView) match(query string, limit int, count func(*symbolKey) int, buckets *[NoMatch][]int32) {
	if query == "" {
		all := make([]int32, 0, v.len())
		for _, r := range v.runs {
			for j := r.from; j < r.to; j++ {
				all = append(all, r.off+j)
			}
		}
		buckets[MatchSubstring] = all
		return
	}
	if slow(query) {
		for _, r := range v.runs {
			for j := r.from; j < r.to; j++ {
				q := MatchQuality(r.t.name(j), query)
				if q != NoMatch {
					buckets[q] = append(buckets[q], r.off+j)
				}
			}
		}
		return
	}
	lq := strings.ToLower(query)
	for _, i := range v.foldPrefixed(lq) {
		q := MatchFoldPrefix
		switch name := v.name(i); {
		case name == query:
			q = MatchExact
		case strings.HasPrefix(name, query):
			q = MatchPrefix
		}
		buckets[q] = append(buckets[q], i)
	}
	room := limit
	for q := range buckets[:MatchSubstring] {
		v.sortKeys(buckets[q])
		for _, i := range buckets[q] {
			room -= count(v.key(i))
		}
	}
	// One pass in symbol order: the keys that contain the query further
	// in are substring matches, the others may be subsequence ones. It
	// stops once the substring matches fill the limit; until then it
	// keeps the subsequence matches that might still fit, which Symbols
	// cuts with the rest.
	needSub, needFuzzy := needs(query, lq)
	asciiQuery := isASCII(query)
	unlimited := limit <= 0
	fuzzy := 0 // the locations of the subsequence matches kept
	for _, r := range v.runs {
		t := r.t
		for j := r.from; j < r.to; j++ {
			if !unlimited && room <= 0 {
				return
			}
			k := &t.keys[j]
			if k.letters&needSub == needSub {
				if lower := t.lower(j); strings.Contains(lower, lq) {
					if !strings.HasPrefix(lower, lq) {
						buckets[MatchSubstring] = append(buckets[MatchSubstring], r.off+j)
						room -= count(k)
					}
					continue
				}
			}
			// The room the substring matches leave only shrinks: what
			// fits in the room left now is enough.
			if (unlimited || fuzzy < room) && k.letters&needFuzzy == needFuzzy && t.subsequence(k, query, asciiQuery) {
				buckets[MatchFuzzy] = append(buckets[MatchFuzzy], r.off+j)
				fuzzy += count(k)
			}
		}
	}
}

// needs are the letters a key must have to contain query (whose lower
// case is lq) and to match it as a subsequence (its upper-case letters as
// they are).
func needs(query, lq string) (sub, fuzzy uint64) {
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
	v := ix.symbolKeys()
	return func(yield func(string) bool) {
		b, x := v.base, v.extra.orEmpty()
		// The places in Selectors' order of base's selectors and of
		// extra's that match: all of them for no prefix.
		every := func(a int) int32 { return int32(a) }
		nBase, baseRank := len(b.selectors), every
		nExtra, extraRank := len(x.selectors), every
		if prefix != "" {
			lq := strings.ToLower(prefix)
			ranks, extraRanks := foldPrefixedSelectors(b, lq), foldPrefixedSelectors(x, lq)
			nBase, baseRank = len(ranks), func(a int) int32 { return ranks[a] }
			nExtra, extraRank = len(extraRanks), func(a int) int32 { return extraRanks[a] }
		}
		// Base's selectors, each of extra's put before the first of them
		// it comes before.
		j := 0
		for a := 0; a < nBase; a++ {
			r := baseRank(a)
			for ; j < nExtra && v.selectorAt[extraRank(j)] <= r; j++ {
				if !yield(x.name(x.selectors[extraRank(j)])) {
					return
				}
			}
			if i := b.selectors[r]; !v.isGone(i) && !yield(b.name(i)) {
				return
			}
		}
		for ; j < nExtra; j++ {
			if !yield(x.name(x.selectors[extraRank(j)])) {
				return
			}
		}
	}
}

// foldPrefixedSelectors returns the places in t's selectors of those
// whose lower-case forms start with lq, in order.
func foldPrefixedSelectors(t *symbolTable, lq string) []int32 {
	var ranks []int32
	for _, i := range t.foldPrefixed(lq) {
		if r := t.rank[i]; r >= 0 {
			ranks = append(ranks, r)
		}
	}
	slices.Sort(ranks)
	return ranks
}
