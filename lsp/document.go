package lsp

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/smalltalk/index"
)

// document is one open text document. Its fields never change: an edit makes
// a new document, so a request that took a snapshot keeps a consistent view.
type document struct {
	uri        uri.URI
	languageID string
	version    int32
	text       string

	indexOnce sync.Once
	index     *lineIndex

	parseOnce sync.Once
	parsed    *parsedFile
	// ready is parsed once made, for the next version to start from.
	ready atomic.Pointer[parsedFile]
	// base, when set, is the previous version, already parsed, and baseEdit
	// the one edit that made this text from it: the parse starts from
	// base's and parses again only the method the edit is in.
	base     *document
	baseEdit edit
	// reparsed is the index of the one method the parse made again from
	// base's, -1 when there was no base or the file was parsed in full.
	reparsed int

	tokensOnce sync.Once
	tokens     *tokenRuns
	// tokensReady is tokens once made, for the next version to start from.
	tokensReady atomic.Pointer[tokenRuns]
	// baseTokens are the previous version's tokens, when they were made
	// before this version was: the runs of the methods the edit did not
	// touch are kept.
	baseTokens *tokenRuns
}

func newDocument(u uri.URI, languageID string, version int32, text string) *document {
	return &document{uri: u, languageID: languageID, version: version, text: text, reparsed: -1}
}

// editedFrom makes d's parse start from prev's when prev is parsed and e
// alone turned prev's text into d's, and its semantic tokens from prev's
// when those were made. An unparsed prev is not kept, so no chain of old
// versions builds up behind a document.
func (d *document) editedFrom(prev *document, e edit) {
	if prev.ready.Load() != nil {
		d.base, d.baseEdit = prev, e
		d.baseTokens = prev.tokensReady.Load()
	}
}

// setLines gives a new document the line table of its text, made by the
// edits that made the text; it must come before anyone else uses d.
func (d *document) setLines(ix *lineIndex) {
	d.indexOnce.Do(func() { d.index = ix })
}

func (d *document) lines() *lineIndex {
	d.indexOnce.Do(func() { d.index = newLineIndex(d.text) })
	return d.index
}

// file is the parse of the document, made on first use. A document over
// maxParsedDocument is not parsed: what the server derives from a parse
// (diagnostics, highlighting, outline, folding, lenses, the index) costs
// several times the text's size on every edit, and a 50 MB document took
// seconds per keystroke and gigabytes. Its features are those of an empty
// file; evaluating a selection still works.
func (d *document) file() *parsedFile {
	d.parseOnce.Do(func() {
		text := d.text
		if d.tooLarge() {
			text = ""
		}
		if b := d.base; b != nil && !d.tooLarge() && !b.tooLarge() {
			f, method := smalltalk.ReparseMethod(b.ready.Load().File, d.baseEdit.start, d.baseEdit.end, d.baseEdit.text)
			d.parsed, d.reparsed = &parsedFile{f}, method
		} else {
			d.parsed = parseDocument(string(d.uri), text)
		}
		d.base = nil
		d.ready.Store(d.parsed)
	})
	return d.parsed
}

// maxParsedDocument is the largest document parsed: the size limit of the
// files the index reads.
const maxParsedDocument = index.MaxSourceSize

func (d *document) tooLarge() bool { return len(d.text) > maxParsedDocument }

// documentStore holds the open documents.
type documentStore struct {
	mu   sync.RWMutex
	docs map[uri.URI]*document
}

func newDocumentStore() *documentStore {
	return &documentStore{docs: make(map[uri.URI]*document)}
}

func (ds *documentStore) get(u uri.URI) (*document, bool) {
	ds.mu.RLock()
	defer ds.mu.RUnlock()
	d, ok := ds.docs[u]
	return d, ok
}

func (ds *documentStore) put(d *document) {
	ds.mu.Lock()
	ds.docs[d.uri] = d
	ds.mu.Unlock()
}

func (ds *documentStore) remove(u uri.URI) {
	ds.mu.Lock()
	delete(ds.docs, u)
	ds.mu.Unlock()
}

func (ds *documentStore) all() []*document {
	ds.mu.RLock()
	defer ds.mu.RUnlock()
	out := make([]*document, 0, len(ds.docs))
	for _, d := range ds.docs {
		out = append(out, d)
	}
	return out
}

// edit is one change to a document in byte offsets of the text before it.
type edit struct {
	start, end int
	text       string
}

// afterEdit is the line table of text, which e made from ix's text: the
// line starts before the edit are kept, those after it moved, and only
// the edited stretch is looked at again.
func (ix *lineIndex) afterEdit(e edit, text string) *lineIndex {
	newEnd := e.start + len(e.text)
	delta := newEnd - e.end
	// Whether p starts a line depends on text[p-1] and text[p]: the line
	// starts up to e.start-1 and from e.end+1 (old offsets) stay.
	before := sort.SearchInts(ix.lines, e.start)
	after := sort.SearchInts(ix.lines, e.end+1)
	lines := make([]int, 0, len(ix.lines)+strings.Count(e.text, "\n")+1)
	lines = append(lines, ix.lines[:max(before, 1)]...)
	for p := max(e.start, 1); p <= newEnd && p < len(text)+1; p++ {
		if lineStartsAt(text, p) {
			lines = append(lines, p)
		}
	}
	for _, p := range ix.lines[after:] {
		lines = append(lines, p+delta)
	}
	var ascii bool
	switch {
	case ix.ascii:
		ascii = isASCII(e.text)
	case isASCII(ix.text[e.start:e.end]):
		// The text's other characters are still there.
	default:
		ascii = isASCII(text)
	}
	return &lineIndex{text: text, lines: lines, ascii: ascii}
}

// lineOf is the line that off is on.
func (ix *lineIndex) lineOf(off int) int {
	return sort.Search(len(ix.lines), func(i int) bool { return ix.lines[i] > off }) - 1
}

// lineStartsAt tells whether a line starts at p > 0 of text, after a
// "\n", a "\r\n" or a lone "\r", as newLineIndex counts them.
func lineStartsAt(text string, p int) bool {
	switch text[p-1] {
	case '\n':
		return true
	case '\r':
		return p == len(text) || text[p] != '\n'
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func applyEdit(text string, e edit) string {
	var b strings.Builder
	b.Grow(len(text) - (e.end - e.start) + len(e.text))
	b.WriteString(text[:e.start])
	b.WriteString(e.text)
	b.WriteString(text[e.end:])
	return b.String()
}
