package lsp

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/smalltalk/index"
)

// workspaceState holds the workspace folders and the index of the Smalltalk
// files in them. Open documents override their files in the index: the index
// always reflects what the editor shows.
type workspaceState struct {
	mu      sync.RWMutex
	folders []string
	open    map[string]bool // index keys of open documents
	// onOpen runs the first time a document is indexed from the editor
	// rather than from disk; it must not block (it starts background work).
	onOpen func(doc *document)
	// snippets: the client accepts snippet completions.
	snippets bool
	// watchRegistration: the client watches files the server names.
	watchRegistration bool
	// indexed is closed when the first index of the folders is complete;
	// stamps are then the files' stamps from before it read them, when the
	// server looks at the files itself (see watchFiles).
	indexed     chan struct{}
	stamps      map[string]fileStamp
	watcher     *treeWatcher // inotify's, when the server watches the files itself
	indexedOnce sync.Once
	// generated holds the read-only documents made from the image; they are
	// copies, never part of the workspace.
	generated string

	index    *index.Index
	compiled compileStore
}

func newWorkspaceState() *workspaceState {
	return &workspaceState{index: index.New(), open: map[string]bool{}, indexed: make(chan struct{})}
}

// attach wires the workspace to its server once the client's capabilities
// are known, before any document is opened.
func (w *workspaceState) attach(s *server, c *protocol.ClientCapabilities) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.onOpen = func(doc *document) {
		s.goBackground(s.alive, "compare with the image", func(ctx context.Context) { s.checkAgainstImage(ctx, doc) })
	}
	w.generated = filepath.Clean(s.opts.CacheDir) + string(filepath.Separator)
	w.watchRegistration = supportsWatchRegistration(c)
	if td := c.TextDocument; td != nil && td.Completion != nil && td.Completion.CompletionItem != nil {
		w.snippets = td.Completion.CompletionItem.SnippetSupport != nil && *td.Completion.CompletionItem.SnippetSupport
	}
}

func (w *workspaceState) snippetSupport() bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.snippets
}

func (w *workspaceState) setFolders(folders []string) {
	w.mu.Lock()
	w.folders = nil
	for _, f := range folders {
		w.folders = append(w.folders, filepath.Clean(f))
	}
	w.mu.Unlock()
}

func (w *workspaceState) addFolder(f string) {
	w.mu.Lock()
	w.folders = append(w.folders, filepath.Clean(f))
	w.mu.Unlock()
}

func (w *workspaceState) removeFolder(f string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f = filepath.Clean(f)
	for i, g := range w.folders {
		if g == f {
			w.folders = append(w.folders[:i], w.folders[i+1:]...)
			return
		}
	}
}

func (w *workspaceState) list() []string {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return append([]string(nil), w.folders...)
}

// folderOf returns the workspace folder holding doc: the deepest one that
// contains it, else the first folder, else "".
func (w *workspaceState) folderOf(doc *document) string {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if len(w.folders) == 0 {
		return ""
	}
	if doc != nil && uri.URI(doc.uri).IsFile() {
		path := uri.URI(doc.uri).FsPath()
		best := ""
		for _, f := range w.folders {
			if (path == f || strings.HasPrefix(path, f+string(filepath.Separator))) && len(f) > len(best) {
				best = f
			}
		}
		if best != "" {
			return best
		}
	}
	return w.folders[0]
}

// indexKey is the index's name for a document: index.FileURI of its path for
// files, so that files read from disk and documents opened by the editor
// meet under one key whatever escaping the editor uses.
func indexKey(u uri.URI) string {
	if u.IsFile() {
		return index.FileURI(u.FsPath())
	}
	return string(u)
}

// editorURI turns an index key back into a URI as the editor writes it.
func editorURI(key string) uri.URI {
	if plainFileURI(key) {
		// What the rest makes of it, without parsing: a search answers
		// with hundreds of them.
		return uri.URI(key)
	}
	if u, err := url.Parse(key); err == nil && u.Scheme == "file" {
		return uri.File(filepath.FromSlash(u.Path))
	}
	return uri.URI(key)
}

// plainFileURI reports whether key is a file URI of a path with slashes
// for separators whose characters need no escaping in a URI: one that
// uri.File makes again as it was.
func plainFileURI(key string) bool {
	path, ok := strings.CutPrefix(key, "file:///")
	if !ok || filepath.Separator != '/' || strings.HasPrefix(path, "/") {
		return false
	}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '/', c == '.', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// isGenerated reports whether u is one of the generated documents.
func (w *workspaceState) isGenerated(u uri.URI) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.generated != "" && u.IsFile() && strings.HasPrefix(u.FsPath(), w.generated)
}

// update indexes an open document in place of its file.
func (w *workspaceState) update(doc *document) {
	if w.isGenerated(doc.uri) {
		return
	}
	key := indexKey(doc.uri)
	w.mu.Lock()
	first := !w.open[key]
	w.open[key] = true
	onOpen := w.onOpen
	w.mu.Unlock()
	w.index.Update(key, doc.file().File)
	if first && onOpen != nil {
		onOpen(doc)
	}
}

// reindexFromDisk goes back to the file's content when its document closes,
// or forgets it if the file is gone (or never existed).
func (w *workspaceState) reindexFromDisk(u uri.URI) {
	if w.isGenerated(u) {
		return
	}
	key := indexKey(u)
	w.mu.Lock()
	delete(w.open, key)
	w.mu.Unlock()
	w.loadFile(key, u)
}

func (w *workspaceState) loadFile(key string, u uri.URI) {
	if !u.IsFile() {
		w.index.Remove(key)
		return
	}
	path := u.FsPath()
	if !strings.HasSuffix(path, ".st") {
		w.index.Remove(key)
		return
	}
	// The editor names the file; what is there may be a FIFO or a device, and
	// this runs on the read loop.
	src, err := index.ReadLinkedSource(path, w.list())
	if err != nil {
		w.index.Remove(key)
		return
	}
	w.index.UpdateSource(key, path, src)
}

func (w *workspaceState) isOpen(key string) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.open[key]
}

// freeAfterIndexing is the number of files from which indexing ends by
// returning its garbage to the system.
const freeAfterIndexing = 1000

// indexWorkspace reads every Smalltalk file of the workspace folders. The
// open documents are indexed again afterwards: the editor's text wins over
// what the walk read from disk meanwhile.
func (s *server) indexWorkspace(ctx context.Context) {
	start := time.Now()
	total := 0
	// Stamped before reading: a file changed while the walk reads it is
	// read again by the first look after, never missed.
	var stamps map[string]fileStamp
	var watcher *treeWatcher
	if !s.workspace.watchRegistration {
		watcher, stamps = s.watchTree(ctx)
	}
	s.opts.Cores.Parallel(func() {
		for _, folder := range s.workspace.list() {
			n, err := s.workspace.index.LoadDir(ctx, folder)
			total += n
			if err != nil {
				s.log.Warn("indexing workspace folder", zap.String("folder", folder), zap.Error(err))
			}
		}
		for _, doc := range s.docs.all() {
			s.workspace.index.Update(indexKey(doc.uri), doc.file().File)
		}
		// Indexing leaves several times the index's size in garbage (every
		// parse tree of the walk); handing it back now keeps the server's RSS
		// near what the index holds instead of twice that until the scavenger
		// gets to it. A small workspace leaves too little to be worth a forced
		// collection.
		if total >= freeAfterIndexing {
			debug.FreeOSMemory()
		}
	})
	s.goBackground(ctx, "bound the garbage", s.boundGarbage)
	s.goBackground(ctx, "hand back memory when idle", s.releaseWhenIdle)
	s.workspace.indexedOnce.Do(func() {
		s.workspace.mu.Lock()
		s.workspace.stamps = stamps
		s.workspace.watcher = watcher
		s.workspace.mu.Unlock()
		close(s.workspace.indexed)
	})
	// Said to the editor too: a user (and the bench) can tell when searches
	// cover the whole workspace.
	s.logToClient(ctx, protocol.MessageTypeInfo, fmt.Sprintf("stui: indexed workspace, %d Smalltalk files in %d ms", total, time.Since(start).Milliseconds()))
	// The sorted names that symbols and completion search are made now,
	// not by the first of those requests, and so are the files' line
	// tables, which the places a search answers with are counted in.
	s.goBackground(ctx, "warm the index", func(ctx context.Context) {
		s.workspace.index.Warm()
		s.lineTables.warm(ctx, s.workspace.index)
	})
}

// DidChangeWatchedFiles keeps the index in step with files changed outside
// the editor; open documents keep their editor text.
func (s *server) DidChangeWatchedFiles(_ context.Context, params *protocol.DidChangeWatchedFilesParams) error {
	s.applyFileChanges(params.Changes)
	return nil
}

func (s *server) applyFileChanges(changes []protocol.FileEvent) {
	for _, ch := range changes {
		key := indexKey(ch.URI)
		if s.workspace.isOpen(key) {
			continue
		}
		if ch.Type == protocol.FileChangeTypeDeleted {
			s.workspace.index.Remove(key)
			continue
		}
		s.workspace.loadFile(key, ch.URI)
	}
}

// indexedFile returns the parse of the document or file at an index key.
func (s *server) indexedFile(key string) *smalltalk.File {
	return s.workspace.index.File(key)
}

// classDefinition finds the definition of a class in the document itself,
// then in the workspace index (which includes the open documents).
func (s *server) classDefinition(doc *document, name string) *smalltalk.ClassDef {
	if doc != nil {
		if c := findClass(doc.file().File, name); c != nil {
			return c
		}
	}
	for _, l := range s.workspace.index.ClassDefinition(name) {
		if l.Extension {
			continue
		}
		if f := s.indexedFile(l.URI); f != nil {
			if c := findClass(f, name); c != nil {
				return c
			}
		}
	}
	return nil
}

func findClass(f *smalltalk.File, name string) *smalltalk.ClassDef {
	for _, c := range f.Classes {
		if c.Name == name && !c.IsExtension {
			return c
		}
	}
	return nil
}

// offlineImplementors lists the methods named selector in the workspace.
func (s *server) offlineImplementors(_ *document, selector string) []*smalltalk.Method {
	var out []*smalltalk.Method
	for _, l := range s.workspace.index.Implementors(selector) {
		if m := s.indexedMethod(l); m != nil {
			out = append(out, m)
		}
	}
	return out
}

// indexedMethod returns the method an index location points at.
func (s *server) indexedMethod(l index.Location) *smalltalk.Method {
	f := s.indexedFile(l.URI)
	if f == nil {
		return nil
	}
	if m := f.MethodAt(l.Range.Start); m != nil && m.Selector == l.Selector && m.ClassName == l.Class {
		return m
	}
	return nil
}

// workspaceMethod finds a method of the workspace by class, side and
// selector, with the key of its file.
func (s *server) workspaceMethod(k methodKey) (string, *smalltalk.Method) {
	for _, l := range s.workspace.index.Implementors(k.Selector) {
		if l.Class == k.ClassName && l.ClassSide == k.ClassSide {
			if m := s.indexedMethod(l); m != nil {
				return l.URI, m
			}
		}
	}
	return "", nil
}
