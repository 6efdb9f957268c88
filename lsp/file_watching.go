package lsp

import (
	"context"
	"io/fs"
	"os"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk/index"
)

// watchPattern is what the server asks the editor to watch: every
// Smalltalk file of the workspace.
const watchPattern = "**/*.st"

// pollEvery is how often the server looks at the workspace's files itself
// when the editor cannot watch them for it: a stat of each file, about
// 15 ms for Pharo's 9,375. A slower look waits longer (see watchFiles).
const pollEvery = time.Second

// supportsWatchRegistration reports whether the client registers file
// watchers the server asks for.
func supportsWatchRegistration(c *protocol.ClientCapabilities) bool {
	w := c.Workspace
	return w != nil && w.DidChangeWatchedFiles != nil && w.DidChangeWatchedFiles.DynamicRegistration != nil && *w.DidChangeWatchedFiles.DynamicRegistration
}

// watchFiles keeps the index in step with changes on disk that the editor
// does not make (a git checkout, a build): through the editor's own file
// watcher when it offers one, else by looking at the files every pollEvery
// once the first index is complete.
func (s *server) watchFiles(ctx context.Context, indexed <-chan struct{}) {
	if s.workspace.watchRegistration {
		err := s.client.RegisterCapability(ctx, &protocol.RegistrationParams{Registrations: []protocol.Registration{{
			ID:     "stui-watch-smalltalk-files",
			Method: protocol.MethodWorkspaceDidChangeWatchedFiles,
			// DidChangeWatchedFilesRegistrationOptions, written out: the
			// options are raw JSON in this version of the protocol package.
			RegisterOptions: protocol.LSPAny(`{"watchers":[{"globPattern":"` + watchPattern + `"}]}`),
		}}})
		if err == nil {
			return
		}
		s.log.Warn("the editor refused to watch the workspace's files; looking at them every second instead", zap.Error(err))
	}
	select {
	case <-indexed:
	case <-ctx.Done():
		return
	}
	seen := s.workspace.stamps
	if w := s.workspace.treeWatcher(); w != nil {
		err := s.followWatcher(ctx, w)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("inotify stopped following the workspace's files; looking at them every second instead", zap.Error(err))
		seen = s.statWorkspace(ctx)
		s.reconcileWithDisk(ctx)
	}
	wait := pollEvery
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		began := time.Now()
		now := s.statWorkspace(ctx)
		// A folder far larger than a code base (a home directory) must not
		// keep a core busy: looking takes at most a twentieth of the time.
		wait = max(pollEvery, 20*time.Since(began))
		if ctx.Err() != nil {
			return
		}
		var changes []protocol.FileEvent
		for path, st := range now {
			if old, ok := seen[path]; !ok {
				changes = append(changes, protocol.FileEvent{URI: uri.File(path), Type: protocol.FileChangeTypeCreated})
			} else if old != st {
				changes = append(changes, protocol.FileEvent{URI: uri.File(path), Type: protocol.FileChangeTypeChanged})
			}
		}
		for path := range seen {
			if _, ok := now[path]; !ok {
				changes = append(changes, protocol.FileEvent{URI: uri.File(path), Type: protocol.FileChangeTypeDeleted})
			}
		}
		seen = now
		if len(changes) > 0 {
			s.applyFileChanges(changes)
		}
	}
}

// pollEnv, set to 1, makes the server look at the files every second even
// where inotify works: inotify misses changes made on another machine to
// a network file system.
const pollEnv = "STUI_WATCH_POLL"

// watchTree sets up inotify on every directory of the workspace folders,
// before the first index reads them, so that a change made while it reads
// is queued by the kernel and read after. Where inotify cannot be had (not
// Linux, the watch limit reached, or STUI_WATCH_POLL=1) it stamps the files
// instead, for the server to compare with every pollEvery.
func (s *server) watchTree(ctx context.Context) (*treeWatcher, map[string]fileStamp) {
	if os.Getenv(pollEnv) != "1" {
		w, err := newTreeWatcher(s.workspace.list())
		if err == nil {
			// Closed with the connection, whether or not watchFiles gets to it.
			context.AfterFunc(s.alive, w.close)
			return w, nil
		}
		s.log.Info("not watching the workspace with inotify; looking at its files every second", zap.Error(err))
	}
	return nil, s.statWorkspace(ctx)
}

// followWatcher applies what inotify reports until ctx is done or the
// watcher fails, which it returns.
func (s *server) followWatcher(ctx context.Context, w *treeWatcher) error {
	defer w.close()
	stop := context.AfterFunc(ctx, w.close)
	defer stop()
	buf := make([]byte, 64<<10)
	// Folders may have come or gone while the first index was made.
	w.foldersChanged()
	for {
		c, err := w.next(buf, s.workspace.list)
		if err != nil {
			return err
		}
		if c.lost {
			// The kernel's queue overflowed: what changed is unknown.
			s.reconcileWithDisk(ctx)
			continue
		}
		var changes []protocol.FileEvent
		for path := range c.files {
			// Changed covers created and deleted too: loadFile reads
			// the file again, or forgets it when it is gone.
			changes = append(changes, protocol.FileEvent{URI: uri.File(path), Type: protocol.FileChangeTypeChanged})
		}
		for _, dir := range c.goneDirs {
			for _, key := range s.workspace.index.URIsUnder(index.FileURI(dir) + "/") {
				changes = append(changes, protocol.FileEvent{URI: editorURI(key), Type: protocol.FileChangeTypeDeleted})
			}
		}
		s.applyFileChanges(changes)
	}
}

// treeWatcher returns the inotify watcher once the first index is made.
func (w *workspaceState) treeWatcher() *treeWatcher {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.watcher
}

// foldersChanged tells the inotify watcher, if there is one, that the
// workspace folders changed.
func (w *workspaceState) foldersChanged() {
	if tw := w.treeWatcher(); tw != nil {
		tw.foldersChanged()
	}
}

// reconcileWithDisk reads every Smalltalk file of the workspace again and
// forgets the indexed files no longer there, when what changed is unknown.
func (s *server) reconcileWithDisk(ctx context.Context) {
	onDisk := map[string]bool{}
	var changes []protocol.FileEvent
	for _, folder := range s.workspace.list() {
		sources, _ := index.FindSources(ctx, folder, func(string, error) {})
		for _, src := range sources {
			onDisk[index.FileURI(src.Path)] = true
			changes = append(changes, protocol.FileEvent{URI: uri.File(src.Path), Type: protocol.FileChangeTypeChanged})
		}
	}
	for _, key := range s.workspace.index.URIsUnder("file://") {
		if !onDisk[key] && !s.workspace.isGenerated(editorURI(key)) {
			changes = append(changes, protocol.FileEvent{URI: editorURI(key), Type: protocol.FileChangeTypeDeleted})
		}
	}
	s.applyFileChanges(changes)
}

// fileStamp is what tells a changed file from an unchanged one.
type fileStamp struct {
	size    int64
	modTime time.Time
	inode   uint64
}

// statWorkspace stamps every Smalltalk file of the workspace folders.
func (s *server) statWorkspace(ctx context.Context) map[string]fileStamp {
	out := map[string]fileStamp{}
	for _, folder := range s.workspace.list() {
		sources, _ := index.FindSources(ctx, folder, func(string, error) {})
		for _, src := range sources {
			fi, err := os.Stat(src.Target)
			if err != nil {
				continue
			}
			out[src.Path] = stampOf(fi)
		}
	}
	return out
}

func stampOf(fi fs.FileInfo) fileStamp {
	st := fileStamp{size: fi.Size(), modTime: fi.ModTime()}
	if ino, ok := inodeOf(fi); ok {
		st.inode = ino
	}
	return st
}
