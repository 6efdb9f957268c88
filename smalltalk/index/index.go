// Package index keeps a concurrency-safe index of parsed Smalltalk files:
// where classes are defined, which methods implement a selector, where a
// selector is sent, and a ranked symbol search.
package index

import (
	"cmp"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// LocationKind says what a Location points at.
type LocationKind uint8

// Location kinds.
const (
	ClassLoc  LocationKind = iota // a class, trait or extension definition
	MethodLoc                     // a method definition
	SendLoc                       // a message send
)

// Location is a place in an indexed file.
type Location struct {
	URI  string
	Kind LocationKind
	// Range is the whole definition (class definition, method) or, for a
	// send, the selector parts from first to last.
	Range smalltalk.Range
	// NameRange is the class name, the method's first selector part, or
	// the send's first selector part.
	NameRange smalltalk.Range
	// Class is the class defined, the method's class, or the class of the
	// method containing a send ("" in playgrounds).
	Class     string
	ClassSide bool
	// Selector is the method's selector or the sent selector.
	Selector  string
	Category  string
	Extension bool // a class location from an Extension definition
}

// Index maps names to locations across files. It is safe for concurrent use.
//
// It keeps each file's source and, per name, compact locations that hold
// no pointers: file ids, interned class and category names, offsets, in
// one array per kind of location, found by the name's number. A file's
// names are numbers too. So a workspace the size of Pharo's own (28 MB of
// source, half a million sends, 90,000 names) is a few hundred objects
// with pointers to the collector instead of several hundred thousand, and
// each collection marks it in a few milliseconds. Parse trees are made
// again on demand (File) and the last few are cached.
type Index struct {
	mu    sync.RWMutex
	ids   map[string]uint32 // uri -> file id
	files []entry           // by id; the zero entry once removed
	free  []uint32          // ids of removed files, for reuse
	// strs numbers the class and category names of locations (0 is ""),
	// names the names locations are kept under.
	strs, names nameTable
	// The locations by name number: class definitions by class name,
	// methods by selector, sends by selector.
	classes, impls, sends postings
	// symbols are the class names and selectors of methods, made after a
	// load when first asked for, as the names were at its stamp; view is
	// the same with the names that came or went since (symbolView), as
	// of namesStamp, which counts the changes to the set of names.
	symbols    *symbolTable
	view       *symbolView
	namesStamp uint64
	// drift holds, with the namesStamp of their last change, the names
	// that came or went since symbols was made: the others are as it
	// has them. namesReset is the namesStamp of the last change of many
	// names at once (a load's), which a table made from the names as they
	// were before cannot catch up with.
	drift      map[nameKind]uint64
	namesReset uint64
	// overlayMax is how many names may differ from symbols' before a
	// query makes the table again (symbolView).
	overlayMax int
	// tablesMaking counts the symbol tables being made outside the lock,
	// from the names as they were: while there are any, a name's change
	// stays in drift even where it matches symbols, which the next table
	// may not. whileMerging, for tests, runs while a table is merged.
	tablesMaking int
	whileMerging func()
	// order ranks the files by URI, the order of Symbols' locations under
	// one name, if filesStamp (which counts files added and removed) is
	// still what it was made at.
	order      *fileOrder
	filesStamp uint64

	parsed parseCache

	// stamp counts the changes made to the index. While LoadDir runs
	// (loading > 0), touched holds the stamp of the last Update or Remove
	// of each file, so that what a walk read before is not stored over it.
	stamp   atomic.Uint64
	loading int
	touched map[string]uint64
	// absorbed is, by file id, the version of each file a load's shard
	// brought, whose locations wait in the postings' pending lists until
	// the load ends.
	absorbed []uint64
	// loadFiles is how many files the loads under way have to read, and
	// loadedFiles how many of them shards brought so far.
	loadFiles, loadedFiles int
}

type entry struct {
	uri, name string
	src       string
	// readAt is the index's stamp before the file was read, for an entry
	// of a LoadDir shard; version is the stamp when the entry was made,
	// which File checks before caching a parse.
	readAt, version uint64
	// keys are the numbers of the names this file has locations under,
	// each once per kind: nClasses class names, then nImpls selectors of
	// its methods, then the selectors it sends.
	keys             []uint32
	nClasses, nImpls uint32
}

func (e *entry) classKeys() []uint32 { return e.keys[:e.nClasses] }
func (e *entry) implKeys() []uint32  { return e.keys[e.nClasses : e.nClasses+e.nImpls] }
func (e *entry) sendKeys() []uint32  { return e.keys[e.nClasses+e.nImpls:] }

func (e *entry) setKeys(classes, impls, sends []uint32) {
	e.keys = make([]uint32, 0, len(classes)+len(impls)+len(sends))
	e.keys = append(append(append(e.keys, classes...), impls...), sends...)
	e.nClasses, e.nImpls = uint32(len(classes)), uint32(len(impls))
}

// loc is a Location without pointers: the URI is a file id, the class and
// category are interned, the selector or class name is the name it is
// kept under.
type loc struct {
	file                 uint32
	start, end           int32
	nameStart, nameEnd   int32
	class, category      uint32
	kind                 LocationKind
	classSide, extension bool
}

type symbolKey struct {
	name  uint32 // its number in the index's names
	class bool   // a class name, else a selector of methods
	// letters has a bit for each ASCII letter, digit and ':' of its
	// lower-case form and for each upper-case letter of the name, or
	// every bit when it is not ASCII: a query character it lacks cannot
	// be matched.
	letters uint64
}

// New returns an empty index.
func New() *Index {
	return &Index{
		ids:    map[string]uint32{},
		strs:   nameTable{ids: map[string]uint32{"": 0}, names: []string{""}},
		names:  nameTable{ids: map[string]uint32{}},
		parsed: parseCache{max: parseCacheSize},
		drift:  map[nameKind]uint64{},
		// Each query looks at each of them (a few comparisons each);
		// making the table again costs a few milliseconds.
		overlayMax: 256,
	}
}

// Update replaces what the index knows about uri with the content of f.
func (ix *Index) Update(uri string, f *smalltalk.File) {
	if ix.unchanged(uri, f.Name, f.Src) {
		ix.parsed.put(uri, f)
		return
	}
	var ls locations
	ls.fromFile(f)
	ix.update(uri, f.Name, string(f.Src), &ls)
	ix.parsed.put(uri, f)
}

// unchanged reports whether uri is indexed from exactly src under name,
// as when an editor opens a file as it is on disk, so that Update need not
// index it again. The touch is recorded all the same: a load running
// meanwhile must not bring back an older read of the file. While a load
// runs the answer is no, since the entry may be one whose locations wait
// for the load's end, and Update makes them findable at once.
func (ix *Index) unchanged(uri, name string, src []byte) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	id, ok := ix.ids[uri]
	if !ok || ix.loading > 0 || ix.files[id].name != name || ix.files[id].src != string(src) {
		return false
	}
	ix.touchLocked(uri)
	return true
}

// UpdateSource replaces what the index knows about uri with what src, the
// file named name, defines and sends. Unlike Update it needs no parse tree:
// a Tonel file is scanned (smalltalk.IndexScanner), anything else parsed.
func (ix *Index) UpdateSource(uri, name string, src []byte) {
	r := readers.Get().(*reader)
	defer readers.Put(r)
	r.read(name, src)
	ix.update(uri, name, string(src), &r.locs)
	ix.parsed.drop(uri)
}

// keyed is a location before it is stored: its map key and its fields.
type keyed struct {
	key                  string
	r, name              smalltalk.Range
	class, category      string
	kind                 LocationKind
	classSide, extension bool
}

// locations are a file's locations before they are stored.
type locations struct {
	classes, impls, sends []keyed
}

func (ls *locations) reset() {
	ls.classes, ls.impls, ls.sends = ls.classes[:0], ls.impls[:0], ls.sends[:0]
}

// fromFile takes the locations of a parse tree: the index's definition of
// what a file holds, which fromScan must match.
func (ls *locations) fromFile(f *smalltalk.File) {
	ls.reset()
	for _, d := range f.Classes {
		ls.classes = append(ls.classes, keyed{key: d.Name, r: d.DefRange, name: d.NameRange, class: d.Name, category: d.Category, kind: ClassLoc, extension: d.IsExtension})
	}
	for _, m := range f.Methods {
		ls.impls = append(ls.impls, keyed{key: m.Selector, r: m.Range, name: m.SelectorRange, class: m.ClassName, category: m.Category, kind: MethodLoc, classSide: m.ClassSide})
		for _, s := range m.Sends() {
			ls.sends = append(ls.sends, keyed{key: s.Selector, r: s.Range, name: s.Parts[0], class: m.ClassName, kind: SendLoc, classSide: m.ClassSide})
		}
	}
	if f.Body != nil {
		for _, s := range smalltalk.SentSelectors(f.Body) {
			ls.sends = append(ls.sends, keyed{key: s.Selector, r: s.Range, name: s.Parts[0], kind: SendLoc})
		}
	}
}

// fromScan takes the locations a successful IndexScanner.Scan found.
func (ls *locations) fromScan(sc *smalltalk.IndexScanner) {
	ls.reset()
	for _, d := range sc.Classes {
		ls.classes = append(ls.classes, keyed{key: d.Name, r: d.DefRange, name: d.NameRange, class: d.Name, category: d.Category, kind: ClassLoc, extension: d.IsExtension})
	}
	sends := sc.Sends
	for _, m := range sc.Methods {
		ls.impls = append(ls.impls, keyed{key: m.Selector, r: m.Range, name: m.SelectorRange, class: m.ClassName, category: m.Category, kind: MethodLoc, classSide: m.ClassSide})
		for _, s := range sends[:m.Sends] {
			ls.sends = append(ls.sends, keyed{key: s.Selector, r: s.Range, name: s.FirstPart, class: m.ClassName, kind: SendLoc, classSide: m.ClassSide})
		}
		sends = sends[m.Sends:]
	}
}

// reader turns a file's source into its locations, keeping its buffers
// from one file to the next.
type reader struct {
	scanner smalltalk.IndexScanner
	locs    locations
}

var readers = sync.Pool{New: func() any { return new(reader) }}

// read fills r.locs from src: scanned when the scanner can, else parsed.
func (r *reader) read(name string, src []byte) {
	if r.scanner.Scan(src) {
		r.locs.fromScan(&r.scanner)
		return
	}
	r.locs.fromFile(smalltalk.Parse(name, src))
}

// newFileIDLocked hands out a file id, reusing one a removed file freed so
// that ix.files does not grow with every rename. ix.mu must be held.
func (ix *Index) newFileIDLocked() uint32 {
	ix.filesStamp++
	if n := len(ix.free); n > 0 {
		id := ix.free[n-1]
		ix.free = ix.free[:n-1]
		return id
	}
	ix.files = append(ix.files, entry{})
	return uint32(len(ix.files) - 1)
}

func (ix *Index) update(uri, name, src string, ls *locations) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.touchLocked(uri)
	oldID, had := ix.ids[uri]
	filesStamp := ix.filesStamp
	ordered := ix.order != nil && ix.order.stamp == filesStamp && ix.loading == 0
	goneClasses, goneImpls := ix.dropLocked(uri)
	id := ix.newFileIDLocked()
	if had && id == oldID {
		// The same file under the same number: the files' order stands.
		ix.filesStamp = filesStamp
	}
	classes, newClasses := ix.addAll(&ix.classes, id, ls.classes)
	impls, newImpls := ix.addAll(&ix.impls, id, ls.impls)
	sends, _ := ix.addAll(&ix.sends, id, ls.sends)
	e := entry{uri: uri, name: name, src: src, version: ix.stamp.Load()}
	e.setKeys(classes, impls, sends)
	ix.files[id] = e
	ix.ids[uri] = id
	if ordered && !had {
		// A file new to the index (a document opened, a file created)
		// takes its place in the order instead of making it all again.
		ix.order = ix.order.withFile(id, uri, ix.files)
		ix.order.stamp = ix.filesStamp
	}
	// An edit usually leaves the set of names as it was.
	ix.namesChangedLocked(goneClasses, newClasses, goneImpls, newImpls)
}

// sameNames reports whether a and b hold the same names, each once.
func sameNames(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	set := make(map[uint32]bool, len(a))
	for _, n := range a {
		set[n] = true
	}
	for _, n := range b {
		if !set[n] {
			return false
		}
	}
	return true
}

// addAll stores ls under file id and returns the numbers of their distinct
// names and of the names that had no locations in p before.
func (ix *Index) addAll(p *postings, id uint32, ls []keyed) (keys, created []uint32) {
	// A file's locations mostly share one class and a few categories.
	var lastClass, lastCategory string
	var class, category uint32
	for _, k := range ls {
		if k.class != lastClass {
			lastClass, class = k.class, ix.strs.id(k.class)
		}
		if k.category != lastCategory {
			lastCategory, category = k.category, ix.strs.id(k.category)
		}
		l := loc{file: id, start: int32(k.r.Start), end: int32(k.r.End), nameStart: int32(k.name.Start), nameEnd: int32(k.name.End),
			class: class, category: category, kind: k.kind, classSide: k.classSide, extension: k.extension}
		name := ix.names.id(k.key)
		if p.gathering {
			if p.gather(name, l) {
				keys = append(keys, name)
			}
			continue
		}
		old := p.get(name)
		if len(old) == 0 {
			created = append(created, name)
		}
		if len(old) == 0 || old[len(old)-1].file != id {
			keys = append(keys, name)
		}
		p.add(name, l)
	}
	return keys, created
}

// Remove forgets uri.
func (ix *Index) Remove(uri string) {
	ix.mu.Lock()
	ix.touchLocked(uri)
	ix.removeLocked(uri)
	ix.mu.Unlock()
	ix.parsed.drop(uri)
}

// dropFile removes file id's locations under names from p and returns the
// names left with none.
func dropFile(p *postings, names []uint32, id uint32) (emptied []uint32) {
	for _, n := range names {
		if p.dropFile(n, id) == 0 {
			emptied = append(emptied, n)
		}
	}
	return emptied
}

func (ix *Index) removeLocked(uri string) {
	goneClasses, goneImpls := ix.dropLocked(uri)
	ix.namesChangedLocked(goneClasses, nil, goneImpls, nil)
}

// dropLocked forgets uri and returns the class names and selectors that
// no other file has, leaving the symbol table to the caller.
func (ix *Index) dropLocked(uri string) (goneClasses, goneImpls []uint32) {
	id, ok := ix.ids[uri]
	if !ok {
		return nil, nil
	}
	e := &ix.files[id]
	goneClasses = dropFile(&ix.classes, e.classKeys(), id)
	goneImpls = dropFile(&ix.impls, e.implKeys(), id)
	dropFile(&ix.sends, e.sendKeys(), id)
	ix.files[id] = entry{}
	ix.free = append(ix.free, id)
	delete(ix.ids, uri)
	ix.filesStamp++
	return goneClasses, goneImpls
}

// File returns the parse of the indexed file at uri, or nil. The parse is
// made from the indexed source on demand; callers must not change it.
func (ix *Index) File(uri string) *smalltalk.File {
	if f := ix.parsed.get(uri); f != nil {
		return f
	}
	ix.mu.RLock()
	id, ok := ix.ids[uri]
	var e entry
	if ok {
		e = ix.files[id]
	}
	ix.mu.RUnlock()
	if !ok {
		return nil
	}
	f := smalltalk.Parse(e.name, []byte(e.src))
	// Only cache it if the file did not change meanwhile.
	ix.mu.RLock()
	current := ix.ids[uri] == id && ix.files[id].version == e.version
	if current {
		ix.parsed.put(uri, f)
	}
	ix.mu.RUnlock()
	return f
}

// Source returns the indexed text of uri.
func (ix *Index) Source(uri string) (string, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if id, ok := ix.ids[uri]; ok {
		return ix.files[id].src, true
	}
	return "", false
}

// Len returns the number of indexed files.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.ids)
}

// location expands l, kept under the name key.
func (ix *Index) location(key string, l loc) Location {
	out := Location{URI: ix.files[l.file].uri, Kind: l.kind,
		Range:     smalltalk.Range{Start: int(l.start), End: int(l.end)},
		NameRange: smalltalk.Range{Start: int(l.nameStart), End: int(l.nameEnd)},
		Class:     ix.strs.names[l.class], ClassSide: l.classSide, Category: ix.strs.names[l.category], Extension: l.extension}
	if l.kind != ClassLoc {
		out.Selector = key
	}
	return out
}

func (ix *Index) collect(p *postings, key string) []Location {
	ix.mu.RLock()
	var ls []loc
	if name, ok := ix.names.lookup(key); ok {
		ls = p.get(name)
	}
	out := make([]Location, 0, len(ls))
	for _, l := range ls {
		out = append(out, ix.location(key, l))
	}
	ix.mu.RUnlock()
	sortLocations(out)
	return out
}

func sortLocations(ls []Location) {
	sort.Slice(ls, func(i, j int) bool {
		if ls[i].URI != ls[j].URI {
			return ls[i].URI < ls[j].URI
		}
		return ls[i].Range.Start < ls[j].Range.Start
	})
}

// ClassDefinition returns where class (or trait) name is defined,
// definitions before extensions, sorted by URI.
func (ix *Index) ClassDefinition(name string) []Location {
	out := ix.collect(&ix.classes, name)
	sort.SliceStable(out, func(i, j int) bool { return !out[i].Extension && out[j].Extension })
	return out
}

// Implementors returns the methods whose selector is selector.
func (ix *Index) Implementors(selector string) []Location { return ix.collect(&ix.impls, selector) }

// FirstImplementor returns the class of Implementors(selector)[0], or "",
// without building the list.
func (ix *Index) FirstImplementor(selector string) string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	name, ok := ix.names.lookup(selector)
	if !ok {
		return ""
	}
	ls := ix.impls.get(name)
	var best *loc
	for i := range ls {
		l := &ls[i]
		if best == nil {
			best = l
			continue
		}
		bu, lu := ix.files[best.file].uri, ix.files[l.file].uri
		if lu < bu || lu == bu && l.start < best.start {
			best = l
		}
	}
	if best == nil {
		return ""
	}
	return ix.strs.names[best.class]
}

// Senders returns the sends of selector.
func (ix *Index) Senders(selector string) []Location { return ix.collect(&ix.sends, selector) }

// Classes returns the names of all defined classes, sorted. The slice is
// shared: callers must not change it.
func (ix *Index) Classes() []string { return ix.symbolKeys().classList() }

// Selectors returns every implemented selector, sorted. The slice is
// shared: callers must not change it.
func (ix *Index) Selectors() []string { return ix.symbolKeys().selectorList() }

// fileOrder ranks file ids by their URIs. It is not changed once made.
type fileOrder struct {
	stamp  uint64
	rank   []uint32 // by file id
	sorted []uint32 // file ids by URI
}

// withFile returns o with file id, at uri, in its place; files are the
// index's, which o ranks all of but id.
func (o *fileOrder) withFile(id uint32, uri string, files []entry) *fileOrder {
	at := sort.Search(len(o.sorted), func(i int) bool { return files[o.sorted[i]].uri >= uri })
	sorted := make([]uint32, 0, len(o.sorted)+1)
	sorted = append(append(append(sorted, o.sorted[:at]...), id), o.sorted[at:]...)
	rank := make([]uint32, max(len(o.rank), int(id)+1))
	copy(rank, o.rank)
	for r := at; r < len(sorted); r++ {
		rank[sorted[r]] = uint32(r)
	}
	return &fileOrder{rank: rank, sorted: sorted}
}

// fileOrder returns the files' ranks by URI, made outside the lock so
// that no request waits for it; callers check its stamp under the lock.
func (ix *Index) fileOrder() *fileOrder {
	ix.mu.RLock()
	if o := ix.order; o != nil && o.stamp == ix.filesStamp {
		ix.mu.RUnlock()
		return o
	}
	o := &fileOrder{stamp: ix.filesStamp, rank: make([]uint32, len(ix.files))}
	ids := make([]uint32, 0, len(ix.ids))
	uris := make([]string, len(ix.files))
	for id := range ix.files {
		if uri := ix.files[id].uri; uri != "" {
			ids = append(ids, uint32(id))
			uris[id] = uri
		}
	}
	ix.mu.RUnlock()
	slices.SortFunc(ids, func(a, b uint32) int { return strings.Compare(uris[a], uris[b]) })
	for r, id := range ids {
		o.rank[id] = uint32(r)
	}
	o.sorted = ids
	ix.mu.Lock()
	if ix.filesStamp == o.stamp {
		ix.order = o
	}
	ix.mu.Unlock()
	return o
}

// Warm makes the sorted names and the symbol table that Classes,
// Selectors and Symbols read, so that the first of them after a load does
// not wait for them.
func (ix *Index) Warm() {
	ix.Classes()
	ix.fileOrder()
}

// Match qualities, best first.
const (
	MatchExact = iota
	MatchPrefix
	MatchFoldPrefix
	MatchSubstring
	MatchFuzzy
	NoMatch
)

// MatchQuality rates how name matches query: exact, prefix,
// case-insensitive prefix, case-insensitive substring, then subsequence
// (which covers camel humps: "OCM" matches "OrderedCollectionMock").
func MatchQuality(name, query string) int {
	switch {
	case name == query:
		return MatchExact
	case strings.HasPrefix(name, query):
		return MatchPrefix
	}
	return matchLower(name, strings.ToLower(name), query, strings.ToLower(query))
}

// matchLower is MatchQuality past the exact and prefix cases, with the
// lower-case forms already made.
func matchLower(name, ln, query, lq string) int {
	switch {
	case strings.HasPrefix(ln, lq):
		return MatchFoldPrefix
	case strings.Contains(ln, lq):
		return MatchSubstring
	}
	if subsequence(name, query) {
		return MatchFuzzy
	}
	return NoMatch
}

// HasFoldPrefix reports whether MatchQuality(name, query) is at least
// MatchFoldPrefix, without the allocations of lower-casing both.
func HasFoldPrefix(name, query string) bool {
	if len(name) < len(query) {
		// A rune's lower case can be shorter than it; only ASCII is sure.
		if isASCII(name) && isASCII(query) {
			return false
		}
		return strings.HasPrefix(strings.ToLower(name), strings.ToLower(query))
	}
	for i := 0; i < len(query); i++ {
		a, b := name[i], query[i]
		if a >= utf8.RuneSelf || b >= utf8.RuneSelf {
			return strings.HasPrefix(strings.ToLower(name), strings.ToLower(query))
		}
		if a != b && lowerASCII(a) != lowerASCII(b) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// subsequence reports whether the characters of query appear in order in
// name; upper-case query letters must match exactly, others ignore case.
func subsequence(name, query string) bool {
	if isASCII(name) && isASCII(query) {
		return subsequenceASCII(name, query)
	}
	q := []rune(query)
	i := 0
	for _, r := range name {
		if i == len(q) {
			break
		}
		if r == q[i] || !unicode.IsUpper(q[i]) && unicode.ToLower(r) == q[i] {
			i++
		}
	}
	return i == len(q)
}

// subsequenceASCII is subsequence for an ASCII name and query.
func subsequenceASCII(name, query string) bool {
	i := 0
	for j := 0; j < len(name) && i < len(query); j++ {
		c, q := name[j], query[i]
		if c == q || !('A' <= q && q <= 'Z') && lowerASCII(c) == q {
			i++
		}
	}
	return i == len(query)
}

// Symbol is a workspace symbol search result.
type Symbol struct {
	// Name is the class name or the selector.
	Name     string
	Location Location
	Quality  int
}

// Symbols returns classes and methods whose name matches query, best
// matches first (by MatchQuality, then shorter names, then name and
// URI). An empty query matches everything. limit <= 0 means no limit.
func (ix *Index) Symbols(query string, limit int) []Symbol {
	v := ix.symbolKeys()
	order := ix.fileOrder()
	var out []Symbol
	if limit > 0 {
		out = make([]Symbol, 0, limit)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	count := func(k *symbolKey) int {
		if k.class {
			return ix.classes.count(k.name)
		}
		return ix.impls.count(k.name)
	}
	var buckets [NoMatch][]int32
	v.match(query, limit, count, &buckets)
	// A name's locations by URI, then offset: by the files' ranks, unless
	// files came or went since they were made.
	byURI := func(a, b loc) int {
		if a.file != b.file {
			if order.stamp == ix.filesStamp {
				return cmp.Compare(order.rank[a.file], order.rank[b.file])
			}
			return strings.Compare(ix.files[a.file].uri, ix.files[b.file].uri)
		}
		return cmp.Compare(a.start, b.start)
	}
	var sorted []loc
	for q, bucket := range buckets {
		for _, i := range bucket {
			if limit > 0 && len(out) >= limit {
				return out
			}
			k := v.key(i)
			p := &ix.impls
			if k.class {
				p = &ix.classes
			}
			name := v.names[k.name]
			sorted = append(sorted[:0], p.get(k.name)...)
			slices.SortFunc(sorted, byURI)
			if limit > 0 && len(sorted) > limit-len(out) {
				sorted = sorted[:limit-len(out)]
			}
			for _, l := range sorted {
				out = append(out, Symbol{name, ix.location(name, l), q})
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// FileURI returns the file:// URI of a file system path.
func FileURI(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// Listing writes out everything the index holds in a canonical order: each
// file's URI and length, then each class, method and send location. Two
// indexes of the same files list the same, whatever order they were built
// or changed in.
func (ix *Index) Listing() string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var lines []string
	for uri, id := range ix.ids {
		lines = append(lines, fmt.Sprintf("file %s %d", uri, len(ix.files[id].src)))
	}
	for _, kind := range []struct {
		what string
		p    *postings
	}{{"class", &ix.classes}, {"method", &ix.impls}, {"send", &ix.sends}} {
		for n, key := range ix.names.names {
			for _, l := range kind.p.get(uint32(n)) {
				lines = append(lines, fmt.Sprintf("%s %s %+v", kind.what, key, ix.location(key, l)))
			}
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// URIsUnder returns the indexed URIs that start with prefix, sorted.
func (ix *Index) URIsUnder(prefix string) []string {
	ix.mu.RLock()
	var out []string
	for uri := range ix.ids {
		if strings.HasPrefix(uri, prefix) {
			out = append(out, uri)
		}
	}
	ix.mu.RUnlock()
	sort.Strings(out)
	return out
}
