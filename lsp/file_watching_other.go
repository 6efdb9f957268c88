//go:build !unix

package lsp

import "io/fs"

func inodeOf(fs.FileInfo) (uint64, bool) { return 0, false }
