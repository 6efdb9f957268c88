package dap

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-dap"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk"
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
// and the line of the method's pattern (line 1 of its source).
func (s *server) methodFile(f stuiproto.DebugFrame) (string, int, bool) {
	if s.index == nil {
		return "", 0, false
	}
	class, side := f.MethodClass, f.IsClassSide
	if c, ok := strings.CutSuffix(class, " class"); ok {
		class, side = c, true
	}
	for _, loc := range s.index.Implementors(f.Selector) {
		if loc.Class != class || loc.ClassSide != side {
			continue
		}
		file := s.index.File(loc.URI)
		u, err := url.Parse(loc.URI)
		if file == nil || err != nil {
			continue
		}
		if m := file.MethodAt(loc.Range.Start); m != nil {
			line, _ := file.LineCol(m.PatternRange.Start)
			return filepath.FromSlash(u.Path), line, true
		}
	}
	return "", 0, false
}

// setBreakpoints replaces a file's breakpoints. Each line becomes an image
// breakpoint on the method that contains it; before the adapter is
// connected they are kept and set at launch or attach.
func (s *server) setBreakpoints(m *dap.SetBreakpointsRequest) error {
	path := m.Arguments.Source.Path
	if path == "" {
		return errors.New("breakpoints need a file")
	}
	lines := m.Arguments.Lines
	if len(m.Arguments.Breakpoints) > 0 {
		lines = nil
		for _, b := range m.Arguments.Breakpoints {
			lines = append(lines, b.Line)
		}
	}
	s.st.installing.Lock()
	defer s.st.installing.Unlock()
	s.st.mu.Lock()
	old := s.st.breakpoints[path]
	fb := &fileBreakpoints{lines: lines}
	for range lines {
		s.st.nextBreakpoint++
		fb.dapIDs = append(fb.dapIDs, s.st.nextBreakpoint)
	}
	s.st.breakpoints[path] = fb
	connected := s.st.launched
	s.st.mu.Unlock()
	if old != nil {
		s.removeImageBreakpoints(old)
	}
	var out []dap.Breakpoint
	if connected {
		out = s.installFile(path, fb)
	} else {
		for i, l := range lines {
			out = append(out, dap.Breakpoint{Id: fb.dapIDs[i], Line: l, Source: &dap.Source{Path: path},
				Message: "set in the image when the debug session starts"})
		}
	}
	if out == nil {
		out = []dap.Breakpoint{}
	}
	s.send(&dap.SetBreakpointsResponse{Response: response(m.Request), Body: dap.SetBreakpointsResponseBody{Breakpoints: out}})
	return nil
}

// installFile sets a file's breakpoints in the image.
func (s *server) installFile(path string, fb *fileBreakpoints) []dap.Breakpoint {
	out := make([]dap.Breakpoint, len(fb.lines))
	fb.imageID = make([]string, len(fb.lines))
	data, err := os.ReadFile(path)
	var f *smalltalk.File
	if err == nil {
		f = smalltalk.Parse(path, data)
	}
	s.st.mu.Lock()
	session := s.st.sessionID
	s.st.mu.Unlock()
	for i, line := range fb.lines {
		out[i] = dap.Breakpoint{Id: fb.dapIDs[i], Line: line, Source: &dap.Source{Name: filepath.Base(path), Path: path}}
		if f == nil {
			out[i].Message = fmt.Sprintf("cannot read %s", path)
			continue
		}
		meth := f.MethodAt(f.LineStart(line))
		if meth == nil {
			out[i].Message = "not inside a method"
			continue
		}
		if msg := s.imageDiffers(meth); msg != "" {
			out[i].Message = msg
			continue
		}
		patternLine, _ := f.LineCol(meth.PatternRange.Start)
		res, err := call(s, stuiproto.DebugSetBreakpointCommand, stuiproto.DebugSetBreakpointParams{ClassName: meth.ClassName,
			Selector: meth.Selector, IsClassMethod: meth.ClassSide, Line: line - patternLine + 1, SessionID: session})
		if err != nil {
			out[i].Message = imageError(err)
			continue
		}
		fb.imageID[i] = res.BreakpointID
		out[i].Verified = true
		out[i].Line = patternLine + res.Line - 1
	}
	return out
}

// installPendingBreakpoints sets the breakpoints asked for before the
// adapter was connected, and tells the client.
func (s *server) installPendingBreakpoints() {
	s.st.installing.Lock()
	defer s.st.installing.Unlock()
	s.st.mu.Lock()
	files := map[string]*fileBreakpoints{}
	for path, fb := range s.st.breakpoints {
		if fb.imageID == nil {
			files[path] = fb
		}
	}
	s.st.mu.Unlock()
	for path, fb := range files {
		for _, b := range s.installFile(path, fb) {
			s.sendEvent(&dap.BreakpointEvent{Event: s.event("breakpoint"), Body: dap.BreakpointEventBody{Reason: "changed", Breakpoint: b}})
		}
	}
}

func (s *server) removeImageBreakpoints(fb *fileBreakpoints) {
	for _, id := range fb.imageID {
		if id == "" {
			continue
		}
		if _, err := call(s, stuiproto.DebugRemoveBreakpointCommand, stuiproto.DebugRemoveBreakpointParams{BreakpointID: id}); err != nil {
			s.log.Warn("cannot remove a breakpoint", zap.String("breakpoint", id), zap.Error(err))
		}
	}
}

// removeAllBreakpoints takes every breakpoint the adapter set out of the
// image.
func (s *server) removeAllBreakpoints() {
	s.st.installing.Lock()
	defer s.st.installing.Unlock()
	s.st.mu.Lock()
	files := s.st.breakpoints
	s.st.breakpoints = map[string]*fileBreakpoints{}
	connected := s.st.launched
	s.st.mu.Unlock()
	if !connected {
		return
	}
	for _, fb := range files {
		s.removeImageBreakpoints(fb)
	}
}

// imageDiffers says why a breakpoint in meth cannot be trusted, or "" when
// the image's copy of the method is the file's. The breakpoint's line is
// counted from the method's first line, so in a method the image has in
// another version (not saved yet, or edited since) it would land on some
// other statement, or none, and never fire where the user put it.
func (s *server) imageDiffers(meth *smalltalk.Method) string {
	name := meth.ClassName
	if meth.ClassSide {
		name += " class"
	}
	name += ">>" + meth.Selector
	res, err := call(s, stuiproto.GetMethodCommand, stuiproto.GetMethodParams{ClassName: meth.ClassName,
		MethodName: meth.Selector, IsClassMethod: meth.ClassSide})
	var re *stuiproto.RemoteError
	switch {
	case errors.As(err, &re) && (re.Type == stuiproto.ErrMethodNotFound || re.Type == stuiproto.ErrClassNotFound):
		return "the image has no " + name + ": save (compile) the method first"
	case err != nil:
		return imageError(err)
	case sameSource(res.Method.Source, meth.Source):
		return ""
	}
	return "the image's " + name + " differs from the file: save (compile) the method first"
}

// sameSource compares two method sources, ignoring only what an editor or
// the image may change without changing a line: line ends and trailing
// white space.
func sameSource(a, b string) bool {
	norm := func(s string) string {
		lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " \t\r")
		}
		return strings.TrimRight(strings.Join(lines, "\n"), "\n")
	}
	return norm(a) == norm(b)
}
