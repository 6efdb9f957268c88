package dap

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-dap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// sourceOfLocked says where a frame is: a line of a workspace file when the
// workspace has the method (or the launched statement), else a source
// reference the client fetches.
func (s *server) sourceOfLocked(f stuiproto.DebugFrame) (*dap.Source, int, int) {
	if f.IsDoIt {
		if s.st.program != "" {
			return &dap.Source{Name: filepath.Base(s.st.program), Path: s.st.program}, s.st.programLine + max(f.Line, 1) - 1, f.Column
		}
		ref := s.st.addSourceLocked(sourceRef{text: f.Source})
		return &dap.Source{Name: "DoIt", SourceReference: ref, Origin: "evaluated code"}, f.Line, f.Column
	}
	if path, line, ok := s.methodFile(f); ok && f.Line > 0 {
		return &dap.Source{Name: filepath.Base(path), Path: path}, line + f.Line - 1, f.Column
	}
	class, side := f.MethodClass, f.IsClassSide
	if c, ok := strings.CutSuffix(class, " class"); ok {
		class, side = c, true
	}
	ref := s.st.addSourceLocked(sourceRef{className: class, selector: f.Selector, classSide: side})
	return &dap.Source{Name: class + ">>" + f.Selector, SourceReference: ref, Origin: "image"}, f.Line, f.Column
}

// methodFile finds a frame's method in the workspace's Tonel files: the file
// and the line of the method's pattern (line 1 of its source). A file that
// changed on disk since it was indexed is indexed again first: a save that
// moved the method (an edit above it) must not leave its frames on the old
// lines.
func (s *server) methodFile(f stuiproto.DebugFrame) (string, int, bool) {
	if s.index == nil {
		return "", 0, false
	}
	class, side := f.MethodClass, f.IsClassSide
	if c, ok := strings.CutSuffix(class, " class"); ok {
		class, side = c, true
	}
	for range 2 {
		reindexed := false
		for _, loc := range s.index.Implementors(f.Selector) {
			if loc.Class != class || loc.ClassSide != side {
				continue
			}
			u, err := url.Parse(loc.URI)
			if err != nil {
				continue
			}
			path := filepath.FromSlash(u.Path)
			if s.reindexIfChanged(loc.URI, path) {
				reindexed = true
				break
			}
			file := s.index.File(loc.URI)
			if file == nil {
				continue
			}
			if m := file.MethodAt(loc.Range.Start); m != nil {
				line, _ := file.LineCol(m.PatternRange.Start)
				return path, line, true
			}
		}
		if !reindexed {
			break
		}
	}
	return "", 0, false
}

// reindexIfChanged reads a workspace file again when its stamp changed since
// the adapter last compared it with the index, and reports whether the
// index's copy was out of date (and is now replaced).
func (s *server) reindexIfChanged(uri, path string) bool {
	s.indexedMu.Lock()
	defer s.indexedMu.Unlock()
	if s.index == nil {
		return false
	}
	stamp, err := stampOf(path)
	if err != nil || s.indexed[path] == stamp {
		return false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	s.indexed[path] = stamp
	if src, ok := s.index.Source(uri); ok && src == string(data) {
		return false
	}
	s.index.UpdateSource(uri, path, data)
	return true
}
