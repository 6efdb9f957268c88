package lsp

import (
	"strings"
	"sync"
	"sync/atomic"

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
}

func newDocument(u uri.URI, languageID string, version int32, text string) *document {
	return &document{uri: u, languageID: languageID, version: version, text: text}
}

// editedFrom makes d's parse start from prev's when prev is parsed and e
// alone turned prev's text into d's. An unparsed prev is not kept, so no
// chain of old versions builds up behind a document.
func (d *document) editedFrom(prev *document, e edit) {
	if prev.ready.Load() != nil {
		d.base, d.baseEdit = prev, e
	}
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
			d.parsed = &parsedFile{smalltalk.Reparse(b.ready.Load().File, d.baseEdit.start, d.baseEdit.end, d.baseEdit.text)}
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

func applyEdit(text string, e edit) string {
	var b strings.Builder
	b.Grow(len(text) - (e.end - e.start) + len(e.text))
	b.WriteString(text[:e.start])
	b.WriteString(e.text)
	b.WriteString(text[e.end:])
	return b.String()
}
