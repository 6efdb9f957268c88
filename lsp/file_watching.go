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
