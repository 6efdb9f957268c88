package index

import (
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
	// forms.
	byLower []int32
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
	return m
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
	from := sort.Search(len(t.byLower), func(j int) bool { return t.lower(t.byLower[j]) >= lq })
	for _, i := range t.byLower[from:] {
		if !strings.HasPrefix(t.lower(i), lq) {
			break
		}
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
	unlimited := limit <= 0
	for at := 0; unlimited || room > 0; {
		found := strings.Index(t.text[at:], lq)
		if found < 0 {
			break
		}
		at += found
		// The key holding the match: the last one starting at or before it.
		i := int32(sort.Search(len(t.starts), func(i int) bool { return int(t.starts[i]) > at }) - 1)
		// A match at a key's start is a prefix match, which the first
		// match in a key is if any is: go on with the next key.
		if at != int(t.starts[i]) {
			buckets[MatchSubstring] = append(buckets[MatchSubstring], i)
			room -= count(&t.keys[i])
		}
		if int(i)+1 >= len(t.starts) {
			break
		}
		at = int(t.starts[i+1])
	}
	if unlimited || room > 0 {
		buckets[MatchFuzzy] = t.fuzzy(query, *buckets, room, unlimited, count)
	}
}

// fuzzy returns, in symbol order, the keys that match query only as a
// subsequence (MatchFuzzy), until they hold room locations (all of them
// with unlimited).
func (t *symbolTable) fuzzy(query string, better [NoMatch][]int32, room int, unlimited bool, count func(*symbolKey) int) []int32 {
	matched := make([]uint64, (len(t.keys)+63)/64)
	for _, b := range better {
		for _, i := range b {
			matched[i/64] |= 1 << (i % 64)
		}
	}
	lq := strings.ToLower(query)
	var need uint64
	for i := 0; i < len(lq); i++ {
		need |= letterBit(lq[i])
	}
	var out []int32
	for i := range t.keys {
		if !unlimited && room <= 0 {
			break
		}
		k := &t.keys[i]
		if k.letters&need != need || matched[i/64]&(1<<(i%64)) != 0 || !subsequence(t.names[k.name], query) {
			continue
		}
		out = append(out, int32(i))
		room -= count(k)
	}
	return out
}
