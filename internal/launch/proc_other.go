//go:build !linux

package launch

import "syscall"

// procAttr puts the image in a process group of its own, or for an untied
// image a session of its own. Without Linux's parent-death signal a tied
// image outlives a stui-lsp that is killed; a stui-lsp that exits stops it.
func procAttr(tied bool) *syscall.SysProcAttr {
	if tied {
		return &syscall.SysProcAttr{Setpgid: true}
	}
	return &syscall.SysProcAttr{Setsid: true}
}
