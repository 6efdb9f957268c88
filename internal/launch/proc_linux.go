package launch

import "syscall"

// procAttr puts the image in a process group of its own (so a launcher
// script and the VM it runs stop together). A tied image also gets SIGTERM
// when stui-lsp dies without stopping it; an untied one leads a session of
// its own and outlives stui-lsp.
func procAttr(tied bool) *syscall.SysProcAttr {
	if tied {
		return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	}
	return &syscall.SysProcAttr{Setsid: true}
}
