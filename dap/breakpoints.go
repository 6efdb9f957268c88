package dap

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-dap"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/smalltalk/index"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// fileBreakpoints are the breakpoints of one file: the lines the client
// asked for, and what the adapter made of each in the image.
type fileBreakpoints struct {
	lines  []int
	dapIDs []int
	// installed is false while the breakpoints wait for the adapter to
	// reach the image.
	installed bool
	// set[i] is the image breakpoint standing for lines[i] (id "" for
	// none), and reported[i] what the client was last told of it.
	set      []imageBreakpoint
	reported []dap.Breakpoint
	// anchors[i] is where lines[i] was in the file when it was last read,
	// to move the line with the text when the file changes.
	anchors []anchor
	// stamp is the file as it was last read; follow says when to look at
	// the file and the image again (breakpoints_follow.go).
	stamp  fileStamp
	follow followSchedule
}

// imageBreakpoint is a breakpoint the adapter set in the image, and the
// method text of the file it was set for: the line it was given counts
// from that text's first line.
type imageBreakpoint struct {
	id                  string
	className, selector string
	classSide           bool
	// line is the line within the method it was asked for, at the one of
	// the statement the image put it on.
	line, at int
	source   string
}

func (b imageBreakpoint) isFor(m *smalltalk.Method, line int) bool {
	return b.id != "" && b.className == m.ClassName && b.selector == m.Selector && b.classSide == m.ClassSide &&
		b.line == line && b.source == m.Source
}

func newFileBreakpoints(lines []int, nextID func() int) *fileBreakpoints {
	fb := &fileBreakpoints{lines: lines, set: make([]imageBreakpoint, len(lines))}
	for range lines {
		fb.dapIDs = append(fb.dapIDs, nextID())
	}
	return fb
}

// setBreakpoints replaces a file's breakpoints. Each line becomes an image
// breakpoint on the method that contains it; before the adapter is
// connected they are kept and set at launch or attach. Afterwards the file
// is followed for a while, since an editor sends setBreakpoints on a save
// that moved them, before the save's compile reaches the image.
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
	fb := newFileBreakpoints(lines, func() int { s.st.nextBreakpoint++; return s.st.nextBreakpoint })
	if len(lines) == 0 {
		delete(s.st.breakpoints, path)
	} else {
		s.st.breakpoints[path] = fb
	}
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
	s.wakeFollower()
	return nil
}

// installFile sets a file's breakpoints in the image for the first time,
// and starts following the file.
func (s *server) installFile(path string, fb *fileBreakpoints) []dap.Breakpoint {
	out := s.syncFile(path, fb, nil)
	fb.follow.start(time.Now())
	s.st.mu.Lock()
	fb.installed = true
	s.st.mu.Unlock()
	return out
}

// syncFile makes the image's breakpoints for a file match the file as it
// is now, and answers what the client should see of each. present is the
// image's breakpoint ids (debug_list), nil on the first install: a
// breakpoint still there, on the same statement of the same method text, is
// left alone; one the image dropped (recompiling a method drops its
// breakpoints) or that the file's text moved is set again, once the
// image's method is the file's. Called with st.installing held.
func (s *server) syncFile(path string, fb *fileBreakpoints, present map[string]bool) []dap.Breakpoint {
	out := make([]dap.Breakpoint, len(fb.lines))
	stamp, _ := stampOf(path)
	data, err := os.ReadFile(path)
	var f *smalltalk.File
	if err == nil {
		f = smalltalk.Parse(path, data)
	}
	fb.stamp = stamp
	// A method the file gained since the workspace was indexed must be
	// found there when a stop in it shows its frame.
	s.reindexIfChanged(index.FileURI(path), path)
	if present != nil && f != nil {
		for i, a := range fb.anchors {
			if line := relocate(f, a); a.ok && line > 0 {
				fb.lines[i] = line
			}
		}
	}
	s.st.mu.Lock()
	session := s.st.sessionID
	s.st.mu.Unlock()
	for i, line := range fb.lines {
		cur := fb.set[i]
		b := dap.Breakpoint{Id: fb.dapIDs[i], Line: line, Source: &dap.Source{Name: filepath.Base(path), Path: path}}
		var meth *smalltalk.Method
		if f != nil {
			meth = f.MethodAt(f.LineStart(line))
		}
		var patternLine int
		if meth != nil {
			patternLine, _ = f.LineCol(meth.PatternRange.Start)
			if present != nil && present[cur.id] && cur.isFor(meth, line-patternLine+1) && i < len(fb.reported) {
				// Still in the image; the method may have moved in the file.
				out[i] = fb.reported[i]
				out[i].Line = patternLine + cur.at - 1
				continue
			}
		}
		if cur.id != "" && (present == nil || present[cur.id]) {
			s.removeImageBreakpoint(cur.id)
		}
		fb.set[i] = imageBreakpoint{}
		switch {
		case f == nil:
			b.Message = fmt.Sprintf("cannot read %s", path)
		case meth == nil:
			b.Message = "not inside a method"
		default:
			if msg := s.imageDiffers(meth); msg != "" {
				b.Message = msg
				break
			}
			rel := line - patternLine + 1
			res, err := call(s, stuiproto.DebugSetBreakpointCommand, stuiproto.DebugSetBreakpointParams{ClassName: meth.ClassName,
				Selector: meth.Selector, IsClassMethod: meth.ClassSide, Line: rel, SessionID: session})
			if err != nil {
				b.Message = imageError(err)
				break
			}
			fb.set[i] = imageBreakpoint{id: res.BreakpointID, className: meth.ClassName, selector: meth.Selector,
				classSide: meth.ClassSide, line: rel, at: res.Line, source: meth.Source}
			b.Verified = true
			b.Line = patternLine + res.Line - 1
		}
		out[i] = b
	}
	fb.reported = out
	fb.anchors = make([]anchor, len(out))
	if f != nil {
		for i, b := range out {
			fb.anchors[i] = anchorAt(f, b.Line)
		}
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
		if !fb.installed {
			files[path] = fb
		}
	}
	s.st.mu.Unlock()
	for path, fb := range files {
		for _, b := range s.installFile(path, fb) {
			s.sendBreakpointChanged(b)
		}
	}
	s.wakeFollower()
}

func (s *server) sendBreakpointChanged(b dap.Breakpoint) {
	s.sendEvent(&dap.BreakpointEvent{Event: s.event("breakpoint"), Body: dap.BreakpointEventBody{Reason: "changed", Breakpoint: b}})
}

func (s *server) removeImageBreakpoints(fb *fileBreakpoints) {
	for _, b := range fb.set {
		if b.id != "" {
			s.removeImageBreakpoint(b.id)
		}
	}
}

// removeImageBreakpoint takes one breakpoint out of the image; one the
// image dropped already (its method was compiled anew) is not an error.
func (s *server) removeImageBreakpoint(id string) {
	_, err := call(s, stuiproto.DebugRemoveBreakpointCommand, stuiproto.DebugRemoveBreakpointParams{BreakpointID: id})
	var re *stuiproto.RemoteError
	switch {
	case errors.As(err, &re) && re.Type == stuiproto.ErrObjectNotFound:
		s.log.Debug("the image had dropped the breakpoint", zap.String("breakpoint", id))
	case err != nil:
		s.log.Warn("cannot remove a breakpoint", zap.String("breakpoint", id), zap.Error(err))
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
