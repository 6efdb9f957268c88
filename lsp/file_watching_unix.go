//go:build unix

package lsp

import (
	"io/fs"
	"syscall"
)

// inodeOf tells a file replaced by a rename (as git does) from the one it
// replaced, even with the same size and modification time.
func inodeOf(fi fs.FileInfo) (uint64, bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino), true
	}
	return 0, false
}
