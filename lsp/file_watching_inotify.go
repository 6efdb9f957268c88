//go:build linux

package lsp

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// inotifyMask is what the watcher asks of each directory: files written,
// created, renamed in or out, deleted, and the directory itself going.
// Symbolic links to directories are not followed, as FindSources does not
// follow them.
const inotifyMask = syscall.IN_CLOSE_WRITE | syscall.IN_MODIFY | syscall.IN_CREATE | syscall.IN_DELETE |
	syscall.IN_MOVED_FROM | syscall.IN_MOVED_TO | syscall.IN_DELETE_SELF | syscall.IN_MOVE_SELF |
	syscall.IN_ONLYDIR | syscall.IN_DONT_FOLLOW

// settleFor is how long the watcher waits after an event for the rest of
// a burst (a checkout writes hundreds of files) before it hands the
// changes over at once.
const settleFor = 30 * time.Millisecond

// errWatchLimit says the system's limit on inotify watches was reached.
var errWatchLimit = errors.New("the inotify watch limit (fs.inotify.max_user_watches) is reached")

// treeWatcher follows the directories below the workspace folders through
// inotify: one watch per directory, and the kernel queues what happens
// until it is read, so nothing is missed between setting the watches up
// and reading the first events.
type treeWatcher struct {
	file   *os.File
	fd     int
	closed atomic.Bool

	mu    sync.Mutex
	dirs  map[int32]string // watch descriptor -> directory
	roots []string
	// rootsChanged is set when the workspace folders changed; the reader
	// is woken to look at them.
	rootsChanged bool
}

// newTreeWatcher watches every directory below folders.
func newTreeWatcher(folders []string) (*treeWatcher, error) {
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	// A non-blocking descriptor makes the os.File wait in the runtime's
	// poller, so that a read can time out or be cut short by Close.
	w := &treeWatcher{file: os.NewFile(uintptr(fd), "inotify"), fd: fd, dirs: map[int32]string{}}
	for _, f := range folders {
		if _, err := w.addTree(f); err != nil {
			w.close()
			return nil, err
		}
		w.roots = append(w.roots, f)
	}
	return w, nil
}

func (w *treeWatcher) close() {
	w.closed.Store(true)
	w.file.Close()
}

// following reports whether the watcher is still open.
func (w *treeWatcher) following() bool { return !w.closed.Load() }

// foldersChanged wakes the reader to compare the roots with folders.
func (w *treeWatcher) foldersChanged() {
	w.mu.Lock()
	w.rootsChanged = true
	w.mu.Unlock()
	w.file.SetReadDeadline(time.Now())
}

// addTree watches dir and the directories below it, skipping what
// FindSources skips, and returns the Smalltalk files already there.
func (w *treeWatcher) addTree(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && path != dir {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			if strings.HasSuffix(d.Name(), ".st") {
				files = append(files, path)
			}
			return nil
		}
		if path != dir && skippedDir(d.Name()) {
			return fs.SkipDir
		}
		wd, err := syscall.InotifyAddWatch(w.fd, path, inotifyMask)
		switch {
		case errors.Is(err, syscall.ENOSPC):
			return errWatchLimit
		case err != nil:
			// Gone meanwhile, or unreadable: FindSources skips it too.
			return fs.SkipDir
		}
		w.mu.Lock()
		w.dirs[int32(wd)] = path
		w.mu.Unlock()
		return nil
	})
	return files, err
}

// skippedDir names the directories FindSources does not walk into.
func skippedDir(name string) bool { return name == ".git" || name == "node_modules" }

// dropTree forgets the watches of dir and below it (moved away or gone).
func (w *treeWatcher) dropTree(dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for wd, path := range w.dirs {
		if path == dir || strings.HasPrefix(path, dir+string(filepath.Separator)) {
			syscall.InotifyRmWatch(w.fd, uint32(wd))
			delete(w.dirs, wd)
		}
	}
}

// treeChanges are what a burst of events says: Smalltalk files that may
// have changed (read again, or removed if gone), directories whose files
// are all gone, and whether events were lost.
type treeChanges struct {
	files    map[string]bool
	goneDirs []string
	lost     bool
}

func (c *treeChanges) empty() bool { return len(c.files) == 0 && len(c.goneDirs) == 0 && !c.lost }

// next waits for the next burst of changes. It returns an error when the
// watcher is closed or cannot go on (its watch limit reached).
func (w *treeWatcher) next(buf []byte, folders func() []string) (treeChanges, error) {
	c := treeChanges{files: map[string]bool{}}
	if err := w.syncRoots(folders(), &c); err != nil || !c.empty() {
		return c, err
	}
	w.file.SetReadDeadline(time.Time{})
	for {
		n, err := w.file.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if err := w.syncRoots(folders(), &c); err != nil {
				return c, err
			}
			if !c.empty() {
				return c, nil
			}
			w.file.SetReadDeadline(time.Time{})
			continue
		}
		if err != nil {
			return c, err
		}
		if err := w.parse(buf[:n], &c); err != nil {
			return c, err
		}
		// Wait a little for the rest of the burst.
		w.file.SetReadDeadline(time.Now().Add(settleFor))
	}
}

// syncRoots watches folders added to the workspace (their files count as
// changed) and forgets removed ones, if the folders changed.
func (w *treeWatcher) syncRoots(folders []string, c *treeChanges) error {
	w.mu.Lock()
	changed := w.rootsChanged
	w.rootsChanged = false
	roots := w.roots
	w.mu.Unlock()
	if !changed {
		return nil
	}
	var kept []string
	for _, r := range roots {
		if slices.Contains(folders, r) {
			kept = append(kept, r)
		} else {
			w.dropTree(r)
		}
	}
	for _, f := range folders {
		if slices.Contains(roots, f) {
			continue
		}
		files, err := w.addTree(f)
		if err != nil {
			return err
		}
		for _, p := range files {
			c.files[p] = true
		}
		kept = append(kept, f)
	}
	w.mu.Lock()
	w.roots = kept
	w.mu.Unlock()
	return nil
}

// parse adds what the events in buf say to c.
func (w *treeWatcher) parse(buf []byte, c *treeChanges) error {
	for len(buf) >= syscall.SizeofInotifyEvent {
		ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[0]))
		end := syscall.SizeofInotifyEvent + int(ev.Len)
		if end > len(buf) {
			break
		}
		name := strings.TrimRight(string(buf[syscall.SizeofInotifyEvent:end]), "\x00")
		buf = buf[end:]
		if ev.Mask&syscall.IN_Q_OVERFLOW != 0 {
			c.lost = true
			continue
		}
		w.mu.Lock()
		dir, ok := w.dirs[ev.Wd]
		if ev.Mask&syscall.IN_IGNORED != 0 {
			delete(w.dirs, ev.Wd)
		}
		w.mu.Unlock()
		if !ok {
			continue
		}
		if name == "" {
			if ev.Mask&(syscall.IN_DELETE_SELF|syscall.IN_MOVE_SELF) != 0 {
				w.dropTree(dir)
				c.goneDirs = append(c.goneDirs, dir)
			}
			continue
		}
		path := filepath.Join(dir, name)
		switch isDir := ev.Mask&syscall.IN_ISDIR != 0; {
		case isDir && ev.Mask&(syscall.IN_CREATE|syscall.IN_MOVED_TO) != 0:
			if skippedDir(name) {
				continue
			}
			// Files may have been written in it before its watch was set.
			files, err := w.addTree(path)
			if err != nil {
				return err
			}
			for _, p := range files {
				c.files[p] = true
			}
		case isDir && ev.Mask&(syscall.IN_DELETE|syscall.IN_MOVED_FROM) != 0:
			w.dropTree(path)
			c.goneDirs = append(c.goneDirs, path)
		case !isDir && strings.HasSuffix(name, ".st"):
			c.files[path] = true
		}
	}
	return nil
}
