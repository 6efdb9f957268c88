package dap

import (
	"os"
	"time"

	"github.com/google/go-dap"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Breakpoints that survive a save. Saving a Tonel file makes the language
// server compile its changed methods into the image, and compiling a method
// anew drops its breakpoints there (Pharo's Breakpoint class>>#handleMethodModified:),
// while the editor still shows them and sends nothing: VS Code sends
// setBreakpoints again on a save only when an edit moved a breakpoint's
// line. So the adapter follows the files that have breakpoints: when one
// changes on disk (or after setBreakpoints), it compares the file, the
// image's method and the image's breakpoints a few times over
// followWindow, because the save's compile may reach the image before or
// after the file is written, and sets again what the image dropped once
// the image's method is the file's. The client hears of each change by a
// breakpoint event (reason "changed"). With no breakpoints nothing runs.

const (
	// followTick is how often the files with breakpoints are looked at
	// (a stat each).
	followTick = 250 * time.Millisecond
	// followWindow is how long after a change the image is asked again;
	// the checks thin out from followTick to followMaxGap.
	followWindow = 10 * time.Second
	followMaxGap = 2 * time.Second
)

// fileStamp is what a stat says of a file's content.
type fileStamp struct {
	modTime time.Time
	size    int64
	ok      bool
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{modTime: fi.ModTime(), size: fi.Size(), ok: true}, nil
}

// followSchedule says when a file is next compared with the image.
type followSchedule struct {
	until, next time.Time
	gap         time.Duration
}

func (f *followSchedule) start(now time.Time) {
	f.until = now.Add(followWindow)
	f.next = now.Add(followTick)
	f.gap = followTick
}

func (f *followSchedule) due(now time.Time) bool {
	return now.Before(f.until) && !now.Before(f.next)
}

func (f *followSchedule) checked(now time.Time) {
	f.next = now.Add(f.gap)
	f.gap = min(2*f.gap, followMaxGap)
}

// wakeFollower tells the follower that there may be breakpoints to follow.
func (s *server) wakeFollower() {
	select {
	case s.st.followWake <- struct{}{}:
	default:
	}
}

// followBreakpoints runs for the connection once the adapter is connected,
// waiting without a timer while no breakpoint is in the image.
func (s *server) followBreakpoints() {
	for {
		s.st.mu.Lock()
		idle := true
		for _, fb := range s.st.breakpoints {
			idle = idle && !fb.installed
		}
		s.st.mu.Unlock()
		var tick <-chan time.Time
		if !idle {
			tick = time.After(followTick)
		}
		select {
		case <-s.followCtx.Done():
			return
		case <-s.st.followWake:
			continue
		case <-tick:
		}
		s.followOnce(time.Now())
	}
}

// followOnce looks at each followed file, and compares those that changed
// or are due with the image. The image's breakpoints are asked for without
// holding the breakpoints' lock, so that a setBreakpoints or a disconnect
// does not wait for an image that does not answer.
func (s *server) followOnce(now time.Time) {
	due := s.dueFiles(now)
	if len(due) == 0 {
		return
	}
	list, err := callIn(s.followCtx, s, stuiproto.DebugListCommand, stuiproto.DebugListParams{})
	s.st.installing.Lock()
	defer s.st.installing.Unlock()
	if s.followCtx.Err() != nil {
		return
	}
	present := map[string]bool{}
	for _, b := range list.Breakpoints {
		present[b.BreakpointID] = true
	}
	for path, fb := range due {
		s.st.mu.Lock()
		current := s.st.breakpoints[path] == fb
		s.st.mu.Unlock()
		if !current {
			continue // replaced by a setBreakpoints meanwhile
		}
		fb.follow.checked(now)
		if err != nil {
			s.log.Info("cannot list the image's breakpoints", zap.Error(err))
			continue
		}
		before, beforeSet := fb.reported, append([]imageBreakpoint(nil), fb.set...)
		after := s.syncFile(path, fb, present)
		for i, b := range after {
			// A breakpoint set again is told too, though the client sees
			// the same: that it holds again is news to whoever waits for it.
			reset := fb.set[i].id != "" && fb.set[i].id != beforeSet[i].id
			if i >= len(before) || reset || changedForClient(before[i], b) {
				s.sendBreakpointChanged(b)
			}
		}
	}
}

// dueFiles notes which followed files changed on disk and answers those
// due for a look.
func (s *server) dueFiles(now time.Time) map[string]*fileBreakpoints {
	s.st.installing.Lock()
	defer s.st.installing.Unlock()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	due := map[string]*fileBreakpoints{}
	for path, fb := range s.st.breakpoints {
		if !fb.installed {
			continue
		}
		// A file seen changing is read at the next tick, once the writing
		// is likely done (a file being written reads as no method at all).
		if st, _ := stampOf(path); st != fb.stamp {
			fb.stamp = st
			fb.follow.start(now)
		}
		if fb.follow.due(now) {
			due[path] = fb
		}
	}
	return due
}

func changedForClient(a, b dap.Breakpoint) bool {
	return a.Verified != b.Verified || a.Line != b.Line || a.Message != b.Message
}
