// Package index keeps a concurrency-safe index of parsed Smalltalk files:
// where classes are defined, which methods implement a selector, where a
// selector is sent, and a ranked symbol search.
package index

import (
	"context"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode"

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
type Index struct {
	mu      sync.RWMutex
	files   map[string]*entry
	classes map[string]map[string][]Location // name -> uri -> locations
	impls   map[string]map[string][]Location // selector -> uri -> methods
	sends   map[string]map[string][]Location // selector -> uri -> sends
}

type entry struct {
	file    *smalltalk.File
	classes []string
	impls   []string
	sends   []string
}

// New returns an empty index.
func New() *Index {
	return &Index{
		files:   map[string]*entry{},
		classes: map[string]map[string][]Location{},
		impls:   map[string]map[string][]Location{},
		sends:   map[string]map[string][]Location{},
	}
}

func add(m map[string]map[string][]Location, key, uri string, l Location) {
	byURI := m[key]
	if byURI == nil {
		byURI = map[string][]Location{}
		m[key] = byURI
	}
	byURI[uri] = append(byURI[uri], l)
}

func drop(m map[string]map[string][]Location, keys []string, uri string) {
	for _, k := range keys {
		if byURI := m[k]; byURI != nil {
			delete(byURI, uri)
			if len(byURI) == 0 {
				delete(m, k)
			}
		}
	}
}

// Update replaces what the index knows about uri with the content of f.
func (ix *Index) Update(uri string, f *smalltalk.File) {
	e := &entry{file: f}
	var classLocs, implLocs, sendLocs []Location
	for _, d := range f.Classes {
		classLocs = append(classLocs, Location{URI: uri, Kind: ClassLoc, Range: d.DefRange, NameRange: d.NameRange,
			Class: d.Name, Category: d.Category, Extension: d.IsExtension})
	}
	for _, m := range f.Methods {
		implLocs = append(implLocs, Location{URI: uri, Kind: MethodLoc, Range: m.Range, NameRange: m.SelectorRange,
			Class: m.ClassName, ClassSide: m.ClassSide, Selector: m.Selector, Category: m.Category})
		for _, s := range m.Sends() {
			sendLocs = append(sendLocs, Location{URI: uri, Kind: SendLoc, Range: s.Range, NameRange: s.Parts[0],
				Class: m.ClassName, ClassSide: m.ClassSide, Selector: s.Selector})
		}
	}
	if f.Body != nil {
		for _, s := range smalltalk.SentSelectors(f.Body) {
			sendLocs = append(sendLocs, Location{URI: uri, Kind: SendLoc, Range: s.Range, NameRange: s.Parts[0], Selector: s.Selector})
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(uri)
	ix.files[uri] = e
	for _, l := range classLocs {
		add(ix.classes, l.Class, uri, l)
		e.classes = append(e.classes, l.Class)
	}
	for _, l := range implLocs {
		add(ix.impls, l.Selector, uri, l)
		e.impls = append(e.impls, l.Selector)
	}
	for _, l := range sendLocs {
		add(ix.sends, l.Selector, uri, l)
		e.sends = append(e.sends, l.Selector)
	}
}

// Remove forgets uri.
func (ix *Index) Remove(uri string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(uri)
}

func (ix *Index) removeLocked(uri string) {
	e := ix.files[uri]
	if e == nil {
		return
	}
	drop(ix.classes, e.classes, uri)
	drop(ix.impls, e.impls, uri)
	drop(ix.sends, e.sends, uri)
	delete(ix.files, uri)
}

// File returns the indexed file for uri, or nil.
func (ix *Index) File(uri string) *smalltalk.File {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if e := ix.files[uri]; e != nil {
		return e.file
	}
	return nil
}

// Len returns the number of indexed files.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.files)
}

func (ix *Index) collect(m map[string]map[string][]Location, key string) []Location {
	ix.mu.RLock()
	var out []Location
	for _, ls := range m[key] {
		out = append(out, ls...)
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
	out := ix.collect(ix.classes, name)
	sort.SliceStable(out, func(i, j int) bool { return !out[i].Extension && out[j].Extension })
	return out
}

// Implementors returns the methods whose selector is selector.
func (ix *Index) Implementors(selector string) []Location { return ix.collect(ix.impls, selector) }

// Senders returns the sends of selector.
func (ix *Index) Senders(selector string) []Location { return ix.collect(ix.sends, selector) }

// Classes returns the names of all defined classes, sorted.
func (ix *Index) Classes() []string { return ix.keys(ix.classes) }

// Selectors returns every implemented selector, sorted.
func (ix *Index) Selectors() []string { return ix.keys(ix.impls) }

func (ix *Index) keys(m map[string]map[string][]Location) []string {
	ix.mu.RLock()
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	ix.mu.RUnlock()
	sort.Strings(out)
	return out
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
	ln, lq := strings.ToLower(name), strings.ToLower(query)
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

// subsequence reports whether the characters of query appear in order in
// name; upper-case query letters must match exactly, others ignore case.
func subsequence(name, query string) bool {
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
	var out []Symbol
	ix.mu.RLock()
	scan := func(m map[string]map[string][]Location) {
		for name, byURI := range m {
			q := MatchQuality(name, query)
			if query == "" {
				q = MatchSubstring
			}
			if q == NoMatch {
				continue
			}
			for _, ls := range byURI {
				for _, l := range ls {
					out = append(out, Symbol{name, l, q})
				}
			}
		}
	}
	scan(ix.classes)
	scan(ix.impls)
	ix.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Quality != b.Quality {
			return a.Quality < b.Quality
		}
		if len(a.Name) != len(b.Name) {
			return len(a.Name) < len(b.Name)
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Location.URI != b.Location.URI {
			return a.Location.URI < b.Location.URI
		}
		return a.Location.Range.Start < b.Location.Range.Start
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
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

// LoadDir parses every *.st file below root that FindSources returns and
// adds it to the index under its FileURI. It returns the number of files
// indexed. Files that cannot be read or are not read (see FindSources and
// ReadSource) are skipped; the first such error is returned after the
// walk.
func (ix *Index) LoadDir(ctx context.Context, root string) (int, error) {
	var mu sync.Mutex
	var firstErr error
	skip := func(path string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			if _, ok := err.(*fs.PathError); !ok {
				err = &fs.PathError{Op: "index", Path: path, Err: err}
			}
			firstErr = err
		}
	}
	sources, err := FindSources(ctx, root, skip)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	work := make(chan Source)
	n := 0
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range work {
				src, err := ReadSource(s.Target)
				if err != nil {
					skip(s.Path, err)
					continue
				}
				ix.Update(FileURI(s.Path), smalltalk.Parse(s.Path, src))
				mu.Lock()
				n++
				mu.Unlock()
			}
		}()
	}
	for _, s := range sources {
		if ctx.Err() != nil {
			break
		}
		work <- s
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return n, err
	}
	return n, firstErr
}
