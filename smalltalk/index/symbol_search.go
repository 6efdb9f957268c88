package index

import (
	"sort"
	"strings"
)

// symbolTable is what Symbols searches: the keys in symbol order and
// their lower-case forms laid end to end, each followed by a NUL, so that
// one strings.Index pass over the text finds every key that contains the
// query (which is what the exact, prefix and substring qualities need)
// instead of a comparison per key.
type symbolTable struct {
	keys   []symbolKey
	text   string
	starts []int32 // where each key's lower-case form starts in text
}

func newSymbolTable(keys []symbolKey) *symbolTable {
	t := &symbolTable{keys: keys, starts: make([]int32, len(keys))}
	n := 0
	for _, k := range keys {
		n += len(k.lower) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for i := range keys {
		k := &keys[i]
		t.starts[i] = int32(b.Len())
		b.WriteString(k.lower)
		b.WriteByte(0)
		k.letters = lettersOf(k.name, k.lower)
	}
	t.text = b.String()
	return t
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

// match puts the index of every key matching query better than
// MatchFuzzy into buckets by quality, in symbol order. An empty query
// puts every key in MatchSubstring, as MatchQuality's callers expect.
func (t *symbolTable) match(query string, buckets *[NoMatch][]int32) {
	if query == "" {
		all := make([]int32, len(t.keys))
		for i := range all {
			all[i] = int32(i)
		}
		buckets[MatchSubstring] = all
		return
	}
	lq := strings.ToLower(query)
	if t.slow(query) {
		for i := range t.keys {
			k := &t.keys[i]
			q := MatchQuality(k.name, query)
			if q != NoMatch {
				buckets[q] = append(buckets[q], int32(i))
			}
		}
		return
	}
	for from := 0; from < len(t.text); {
		at := strings.Index(t.text[from:], lq)
		if at < 0 {
			break
		}
		at += from
		// The key holding the match: the last one starting at or before it.
		i := sort.Search(len(t.starts), func(i int) bool { return int(t.starts[i]) > at }) - 1
		k := &t.keys[i]
		q := MatchSubstring
		if at == int(t.starts[i]) {
			switch {
			case k.name == query:
				q = MatchExact
			case strings.HasPrefix(k.name, query):
				q = MatchPrefix
			default:
				q = MatchFoldPrefix
			}
		}
		buckets[q] = append(buckets[q], int32(i))
		// The first match in a key is its best: go on with the next key.
		if i+1 < len(t.starts) {
			from = int(t.starts[i+1])
		} else {
			break
		}
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
		if k.letters&need != need || matched[i/64]&(1<<(i%64)) != 0 || !subsequence(k.name, query) {
			continue
		}
		out = append(out, int32(i))
		room -= count(k)
	}
	return out
}
