package lsp

import (
	"context"
	"path/filepath"
	"strings"
	"sync"

	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// workspaceState holds the workspace folders.
type workspaceState struct {
	mu      sync.RWMutex
	folders []string
}

func newWorkspaceState() *workspaceState {
	return &workspaceState{}
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

// update and reindexFromDisk keep the workspace index in step with open
// documents; indexWorkspace fills it from the folders.
func (w *workspaceState) update(doc *document)       {}
func (w *workspaceState) reindexFromDisk(u uri.URI)  {}
func (s *server) indexWorkspace(ctx context.Context) {}

// classDefinition finds the definition of a class in the document itself,
// then in the other open documents and the workspace index.
func (s *server) classDefinition(doc *document, name string) *smalltalk.ClassDef {
	if c := findClass(doc.file(), name); c != nil {
		return c
	}
	for _, other := range s.docs.all() {
		if c := findClass(other.file(), name); c != nil {
			return c
		}
	}
	return nil
}

func findClass(f *parsedFile, name string) *smalltalk.ClassDef {
	for _, c := range f.Classes {
		if c.Name == name && !c.IsExtension {
			return c
		}
	}
	return nil
}

// offlineImplementors lists the methods named selector in the open documents.
func (s *server) offlineImplementors(doc *document, selector string) []*smalltalk.Method {
	var out []*smalltalk.Method
	for _, d := range s.docs.all() {
		for _, m := range d.file().Methods {
			if m.Selector == selector {
				out = append(out, m)
			}
		}
	}
	return out
}
