package index

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// symbolTable is what Symbols, completion, Classes and Selectors read: the
// class names and selectors of methods as they were at stamp (the index's
// namesStamp), made once and not changed after.
//
// The keys are in symbol order (shorter names first, then by name, a
// class name before the same selector), their lower-case forms laid end
// to end in text, each followed by a NUL, so that one strings.Index pass
// over the text finds every key that contains the query (which is what
// the substring quality needs) instead of a comparison per key; and the
// keys in the order of their lower-case forms, where the keys that start
// with the query (exact, prefix and case-insensitive prefix matches) are
// one run found by binary search.
type symbolTable struct {
	names  []string // the index's names by number, as they were
	keys   []symbolKey
	text   string
	starts []int32 // where each key's lower-case form starts in text
	// byLower are the indexes of keys in the order of their lower-case
	// forms (then in symbol order); classes and selectors those of the
	// class names and of the selectors, by name (Classes' and Selectors'
	// orders), and rank where each key is in selectors (-1 for a class
	// name).
	byLower, classes, selectors, rank []int32
	// has is, by name number, whether the table holds the name as a
	// selector (has[0]) or as a class name (has[1]).
	has   [2]bitset
	stamp uint64

	classNames, selectorNames lazyNames
}

// lazyNames is a list of names made the first time it is asked for.
type lazyNames struct {
	once  sync.Once
	names []string
}

func (l *lazyNames) get(make func() []string) []string {
	l.once.Do(func() { l.names = make() })
	return l.names
}

type bitset []uint64

func (b bitset) get(n uint32) bool { return int(n/64) < len(b) && b[n/64]&(1<<(n%64)) != 0 }

// kind is the index of k's kind in a symbolTable's has.
func (k symbolKey) kind() int {
	if k.class {
		return 1
	}
	return 0
}

// symbolCompare orders keys in symbol order.
func symbolCompare(names []string, a, b symbolKey) int {
	na, nb := names[a.name], names[b.name]
	if len(na) != len(nb) {
		return cmp.Compare(len(na), len(nb))
	}
	if c := strings.Compare(na, nb); c != 0 {
		return c
	}
	switch {
	case a.class == b.class:
		return 0
	case a.class:
		return -1
	}
	return 1
}

// newSymbolTable makes the table of keys, which it sorts.
func newSymbolTable(names []string, keys []symbolKey, stamp uint64) *symbolTable {
	slices.SortFunc(keys, func(a, b symbolKey) int { return symbolCompare(names, a, b) })
	lower := make([]string, len(keys))
	for i, k := range keys {
		lower[i] = strings.ToLower(names[k.name])
		keys[i].letters = lettersOf(names[k.name], lower[i])
	}
	t := &symbolTable{names: names, keys: keys, stamp: stamp, byLower: make([]int32, len(keys))}
	for i, k := range keys {
		t.byLower[i] = int32(i)
		if k.class {
			t.classes = append(t.classes, int32(i))
		} else {
			t.selectors = append(t.selectors, int32(i))
		}
	}
	byName := func(a, b int32) int { return strings.Compare(t.name(a), t.name(b)) }
	slices.SortFunc(t.classes, byName)
	slices.SortFunc(t.selectors, byName)
	sort.Slice(t.byLower, func(i, j int) bool {
		a, b := t.byLower[i], t.byLower[j]
		if la, lb := lower[a], lower[b]; la != lb {
			return la < lb
		}
		return a < b
	})
	t.writeText(func(i int) string { return lower[i] })
	return t
}

// writeText lays out the keys' lower-case forms (lower(i) is key i's) in
// text, where starts says each one's place, and ranks the selectors.
func (t *symbolTable) writeText(lower func(i int) string) {
	t.starts = make([]int32, len(t.keys))
	n := 0
	for i := range t.keys {
		n += len(lower(i)) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for i := range t.keys {
		t.starts[i] = int32(b.Len())
		b.WriteString(lower(i))
		b.WriteByte(0)
	}
	t.text = b.String()
	t.rankSelectors()
}

// rankSelectors makes rank from selectors.
func (t *symbolTable) rankSelectors() {
	t.rank = make([]int32, len(t.keys))
	for i := range t.rank {
		t.rank[i] = -1
	}
	for r, i := range t.selectors {
		t.rank[i] = int32(r)
	}
}

// markHeld makes has, which a table others are put over needs.
func (t *symbolTable) markHeld() *symbolTable {
	for kind := range t.has {
		t.has[kind] = make(bitset, (len(t.names)+63)/64)
	}
	for _, k := range t.keys {
		t.has[k.kind()][k.name/64] |= 1 << (k.name % 64)
	}
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

// holds reports whether the table has k (its name and kind).
func (t *symbolTable) holds(k symbolKey) bool { return t.has[k.kind()].get(k.name) }

// find returns the index of k, which the table holds, among its keys.
func (t *symbolTable) find(k symbolKey, names []string) int32 {
	i, _ := slices.BinarySearchFunc(t.keys, k, func(a, b symbolKey) int { return symbolCompare(names, a, b) })
	return int32(i)
}

// namesOf returns the names of keys (indexes of t's keys).
func (t *symbolTable) namesOf(keys []int32) []string {
	out := make([]string, len(keys))
	for j, i := range keys {
		out[j] = t.name(i)
	}
	return out
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

// A name change, typing a new method's selector or renaming a class,
// adds or removes a few keys among some 56,000 (Pharo's). Making the
// table again for it costs 70-120 ms on a loaded machine (sorting the
// keys, lower-casing them); copying it with the key inserted or removed
// costs milliseconds and 3 MB of garbage for each keystroke. So a table stays
// as it was made, and a symbolView puts over it the keys that came since
// (a small table of their own, merged into each answer in symbol order)
// and the keys that went (which hold no locations any more, and are
// skipped). Once the keys that came and went are more than
// Index.overlayMax, the next query merges them into a new table: a pass
// over the table's arrays with the few new keys put in their places by
// binary search, without sorting or lower-casing again.

// nameKind is a name's number and whether it is a class name, the key of
// Index.drift.
type nameKind struct {
	name  uint32
	class bool
}

// symbolView is a symbolTable with the names that came and went since it
// was made, as of stamp. Key indexes below len(base.keys) are base's, the
// others extra's, shifted by len(base.keys). It is not changed once made.
type symbolView struct {
	base, extra *symbolTable
	names       []string // the index's names, covering both tables
	stamp       uint64
	// gone are the indexes of base's keys whose names went; goneClasses
	// counts the class names among them.
	gone        map[int32]bool
	goneClasses int
	// runs are the keys in symbol order, as runs of one table's keys.
	runs []keyRun
	// extraAt is, for each of extra's keys, the index of the base key it
	// comes before in symbol order (len(base.keys) after them all);
	// classAt and selectorAt the same in base's classes and selectors
	// for extra's, by their place in extra's classes and selectors.
	extraAt, classAt, selectorAt []int32

	classNames, selectorNames lazyNames
}

// keyRun is a run of t's keys, those from its from to before its to,
// which are the view's keys from+off on.
type keyRun struct {
	t             *symbolTable
	from, to, off int32
}

func plainView(t *symbolTable, names []string, stamp uint64) *symbolView {
	return &symbolView{base: t, names: names, stamp: stamp, runs: []keyRun{{t: t, to: int32(len(t.keys))}}}
}

// size is how many keys differ from base's.
func (v *symbolView) size() int {
	n := len(v.gone)
	if v.extra != nil {
		n += len(v.extra.keys)
	}
	return n
}

// len is the number of keys, gone ones included.
func (v *symbolView) len() int {
	n := len(v.base.keys)
	if v.extra != nil {
		n += len(v.extra.keys)
	}
	return n
}

func (v *symbolView) key(i int32) *symbolKey {
	if nb := int32(len(v.base.keys)); i >= nb {
		return &v.extra.keys[i-nb]
	}
	return &v.base.keys[i]
}

func (v *symbolView) name(i int32) string { return v.names[v.key(i).name] }

func (v *symbolView) isGone(i int32) bool { return len(v.gone) > 0 && v.gone[i] }

// compare orders key indexes in symbol order.
func (v *symbolView) compare(a, b int32) int {
	nb := int32(len(v.base.keys))
	switch {
	case (a < nb) == (b < nb):
		return cmp.Compare(a, b)
	case a < nb:
		// Base key a comes before extra key b unless b is put before it.
		if v.extraAt[b-nb] <= a {
			return 1
		}
		return -1
	}
	if v.extraAt[a-nb] <= b {
		return -1
	}
	return 1
}

// sortKeys puts key indexes in symbol order.
func (v *symbolView) sortKeys(keys []int32) {
	if v.extra == nil {
		slices.Sort(keys)
		return
	}
	slices.SortFunc(keys, v.compare)
}

// foldPrefixed returns the keys whose lower-case forms start with lq, in
// no particular order between the two tables.
func (v *symbolView) foldPrefixed(lq string) []int32 {
	in := v.base.foldPrefixed(lq)
	if v.extra == nil {
		return in
	}
	more := v.extra.foldPrefixed(lq)
	if len(more) == 0 {
		return in
	}
	out := append(make([]int32, 0, len(in)+len(more)), in...)
	nb := int32(len(v.base.keys))
	for _, i := range more {
		out = append(out, i+nb)
	}
	return out
}

// overlayLocked makes the view of base as the names are now, from the
// names that came or went since base was made (drift), and forgets those
// of them that are as base has them unless another table is being made.
// ix.mu must be held for writing.
func (ix *Index) overlayLocked(base *symbolTable) *symbolView {
	names := ix.names.names
	v := plainView(base, names, ix.namesStamp)
	var extra []symbolKey
	for nk := range ix.drift {
		k := symbolKey{name: nk.name, class: nk.class}
		p := &ix.impls
		if k.class {
			p = &ix.classes
		}
		switch present, held := p.count(k.name) > 0, base.holds(k); {
		case present && !held:
			extra = append(extra, k)
		case !present && held:
			if v.gone == nil {
				v.gone = map[int32]bool{}
			}
			v.gone[base.find(k, names)] = true
			if k.class {
				v.goneClasses++
			}
		default:
			// As base has it: forgotten, unless a table being made
			// from the names as they were may have it otherwise.
			if ix.tablesMaking == 0 {
				delete(ix.drift, nk)
			}
		}
	}
	if len(extra) == 0 {
		return v
	}
	x := newSymbolTable(names, extra, v.stamp)
	v.extra = x
	v.extraAt = make([]int32, len(x.keys))
	for j, k := range x.keys {
		v.extraAt[j] = int32(sort.Search(len(base.keys), func(i int) bool { return symbolCompare(names, base.keys[i], k) > 0 }))
	}
	v.classAt = insertionPoints(base, base.classes, x, x.classes)
	v.selectorAt = insertionPoints(base, base.selectors, x, x.selectors)
	v.runs = v.runs[:0]
	nb := int32(len(base.keys))
	prev := int32(0)
	for j := 0; j < len(x.keys); {
		at, next := v.extraAt[j], j
		for next < len(x.keys) && v.extraAt[next] == at {
			next++
		}
		if at > prev {
			v.runs = append(v.runs, keyRun{t: base, from: prev, to: at})
		}
		v.runs = append(v.runs, keyRun{t: x, from: int32(j), to: int32(next), off: nb})
		prev, j = at, next
	}
	if prev < nb {
		v.runs = append(v.runs, keyRun{t: base, from: prev, to: nb})
	}
	return v
}

// insertionPoints returns, for each of x's keys in order (its classes or
// selectors), where it goes among base's in order, by name.
func insertionPoints(base *symbolTable, order []int32, x *symbolTable, xOrder []int32) []int32 {
	at := make([]int32, len(xOrder))
	for j, i := range xOrder {
		name := x.name(i)
		at[j] = int32(sort.Search(len(order), func(r int) bool { return base.name(order[r]) > name }))
	}
	return at
}

// mergeByName returns the names of base's keys in order (its classes or
// selectors) but the gone ones, and of x's in xOrder, each put at its
// insertion point at.
func (v *symbolView) mergeByName(order, xOrder, at []int32) []string {
	out := make([]string, 0, len(order)+len(xOrder))
	j := 0
	for r, i := range order {
		for ; j < len(xOrder) && int(at[j]) <= r; j++ {
			out = append(out, v.extra.name(xOrder[j]))
		}
		if !v.isGone(i) {
			out = append(out, v.base.name(i))
		}
	}
	for ; j < len(xOrder); j++ {
		out = append(out, v.extra.name(xOrder[j]))
	}
	return out
}

// classList returns the class names, sorted.
func (v *symbolView) classList() []string {
	b := v.base
	if v.goneClasses == 0 && (v.extra == nil || len(v.extra.classes) == 0) {
		return b.classNames.get(func() []string { return b.namesOf(b.classes) })
	}
	return v.classNames.get(func() []string { return v.mergeByName(b.classes, v.extra.orEmpty().classes, v.classAt) })
}

// selectorList returns the selectors, sorted.
func (v *symbolView) selectorList() []string {
	b := v.base
	if len(v.gone) == v.goneClasses && (v.extra == nil || len(v.extra.selectors) == 0) {
		return b.selectorNames.get(func() []string { return b.namesOf(b.selectors) })
	}
	return v.selectorNames.get(func() []string { return v.mergeByName(b.selectors, v.extra.orEmpty().selectors, v.selectorAt) })
}

var emptyTable = &symbolTable{}

func (t *symbolTable) orEmpty() *symbolTable {
	if t == nil {
		return emptyTable
	}
	return t
}

// merged makes the table of v's keys: base's but the gone ones and
// extra's, each put in its place in every order.
func (v *symbolView) merged() *symbolTable {
	b, x := v.base, v.extra.orEmpty()
	nb := int32(len(b.keys))
	n := v.len() - len(v.gone)
	t := &symbolTable{names: v.names, stamp: v.stamp, keys: make([]symbolKey, 0, n), starts: make([]int32, 0, n)}
	gone := make([]bool, nb)
	for i := range v.gone {
		gone[i] = true
	}
	// Where each of v's keys is in t, -1 for the gone; and their
	// lower-case forms laid out again in their new order.
	at := make([]int32, v.len())
	var text strings.Builder
	text.Grow(len(b.text) + len(x.text))
	for _, r := range v.runs {
		for j := r.from; j < r.to; j++ {
			i := r.off + j
			if i < nb && gone[i] {
				at[i] = -1
				continue
			}
			at[i] = int32(len(t.keys))
			t.keys = append(t.keys, r.t.keys[j])
			t.starts = append(t.starts, int32(text.Len()))
			text.WriteString(r.t.lower(j))
			text.WriteByte(0)
		}
	}
	t.text = text.String()
	// byLower: extra's keys by binary search among base's lower-case
	// forms, those equal to one of base's by symbol order.
	lowerAt := make([]int32, len(x.byLower))
	for j, i := range x.byLower {
		lx := x.lower(i)
		lowerAt[j] = int32(sort.Search(len(b.byLower), func(r int) bool {
			if lb := b.lower(b.byLower[r]); lb != lx {
				return lb > lx
			}
			return v.extraAt[i] <= b.byLower[r]
		}))
	}
	t.byLower = mergeOrders(b.byLower, x.byLower, lowerAt, at, nb, len(t.keys))
	t.classes = mergeOrders(b.classes, x.classes, v.classAt, at, nb, len(t.keys))
	t.selectors = mergeOrders(b.selectors, x.selectors, v.selectorAt, at, nb, len(t.keys))
	t.rankSelectors()
	return t.markHeld()
}

// mergeOrders returns an order of t's keys (by their places at) from
// base's order and extra's, each of extra's put at its insertion point
// in base's (xAt), without base's gone keys.
func mergeOrders(order, xOrder, xAt, at []int32, nb int32, capacity int) []int32 {
	out := make([]int32, 0, min(capacity, len(order)+len(xOrder)))
	j := 0
	for r, i := range order {
		for ; j < len(xOrder) && int(xAt[j]) <= r; j++ {
			out = append(out, at[xOrder[j]+nb])
		}
		if at[i] >= 0 {
			out = append(out, at[i])
		}
	}
	for ; j < len(xOrder); j++ {
		out = append(out, at[xOrder[j]+nb])
	}
	return out
}

// namesChangedLocked records the class names and selectors that came or
// went in one change: those of goneClasses and newClasses (the names a
// file's change left with no locations, and those that had none before)
// unless they are the same names, and the same for the selectors. ix.mu
// must be held.
func (ix *Index) namesChangedLocked(goneClasses, newClasses, goneSelectors, newSelectors []uint32) {
	classes, selectors := !sameNames(goneClasses, newClasses), !sameNames(goneSelectors, newSelectors)
	if !classes && !selectors {
		return
	}
	ix.namesStamp++
	mark := func(names []uint32, class bool) {
		for _, n := range names {
			ix.drift[nameKind{n, class}] = ix.namesStamp
		}
	}
	if classes {
		mark(goneClasses, true)
		mark(newClasses, true)
	}
	if selectors {
		mark(goneSelectors, false)
		mark(newSelectors, false)
	}
}

// namesResetLocked drops the symbol table after a change to many names
// at once (a load's), which the next query makes again. ix.mu must be
// held.
func (ix *Index) namesResetLocked() {
	ix.namesStamp++
	ix.namesReset = ix.namesStamp
	ix.symbols, ix.view = nil, nil
	clear(ix.drift)
}

// installLocked makes t, made from the names as they were at t.stamp, the
// symbol table, unless a load changed them since or a later table is
// there, and forgets the changes it holds. ix.mu must be held for writing.
func (ix *Index) installLocked(t *symbolTable) bool {
	if t.stamp < ix.namesReset || ix.symbols != nil && ix.symbols.stamp >= t.stamp {
		return false
	}
	ix.symbols = t
	for nk, stamp := range ix.drift {
		if stamp <= t.stamp {
			delete(ix.drift, nk)
		}
	}
	return true
}

// symbolKeys returns the class names and selectors of methods, for
// Symbols' search, completion, Classes and Selectors. After a load it
// makes the table outside the lock, so that no request waits for it;
// after a few names came or went it puts them over the table it has.
func (ix *Index) symbolKeys() *symbolView {
	for attempt := 0; ; attempt++ {
		ix.mu.RLock()
		if v := ix.view; v != nil && v.stamp == ix.namesStamp {
			ix.mu.RUnlock()
			return v
		}
		ix.mu.RUnlock()
		ix.mu.Lock()
		if v := ix.view; v != nil && v.stamp == ix.namesStamp {
			ix.mu.Unlock()
			return v
		}
		base := ix.symbols
		if base == nil {
			stamp, names := ix.namesStamp, ix.names.names
			keys := make([]symbolKey, 0, len(ix.classes.runs)+len(ix.impls.runs))
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
			ix.tablesMaking++
			ix.mu.Unlock()
			t := newSymbolTable(names, keys, stamp).markHeld()
			ix.mu.Lock()
			ix.tablesMaking--
			installed, loading := ix.installLocked(t), t.stamp < ix.namesReset
			ix.mu.Unlock()
			if loading || !installed && attempt > 0 {
				// A load is changing the names: this table answers as
				// they were, as a query that came a moment earlier would.
				return plainView(t, names, stamp)
			}
			continue
		}
		v := ix.overlayLocked(base)
		if v.size() <= ix.overlayMax {
			ix.view = v
			ix.mu.Unlock()
			return v
		}
		ix.tablesMaking++
		ix.mu.Unlock()
		if ix.whileMerging != nil {
			ix.whileMerging()
		}
		t := v.merged()
		ix.mu.Lock()
		ix.tablesMaking--
		if ix.symbols == base && ix.installLocked(t) && ix.namesStamp == t.stamp {
			ix.view = plainView(t, v.names, t.stamp)
		}
		ix.mu.Unlock()
		return plainView(t, v.names, t.stamp)
	}
}
