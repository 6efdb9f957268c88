//go:build !linux

package lsp

import "errors"

// treeWatcher is inotify's, which only Linux has; elsewhere the server
// looks at the files itself (see watchFiles).
type treeWatcher struct{}

type treeChanges struct {
	files    map[string]bool
	goneDirs []string
	lost     bool
}

func newTreeWatcher([]string) (*treeWatcher, error) {
	return nil, errors.New("inotify is only on Linux")
}

func (w *treeWatcher) close()          {}
func (w *treeWatcher) following() bool { return false }
func (w *treeWatcher) foldersChanged() {}

func (w *treeWatcher) next([]byte, func() []string) (treeChanges, error) {
	return treeChanges{}, errors.New("inotify is only on Linux")
}
