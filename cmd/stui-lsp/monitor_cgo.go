//go:build unix

package main

/*
#include <stdlib.h>
#include "awake.h"
*/
import "C"

import "unsafe"

// The decisions awake.c makes before Go's runtime starts, reached from Go
// for the tests.

// wantsAwakeMonitor is awake.c's answer for a process started with argv
// (os.Args) and env (os.Environ).
func wantsAwakeMonitor(argv, env []string) bool {
	cArgv, freeArgv := cStrings(argv)
	defer freeArgv()
	cEnv, freeEnv := cStrings(env)
	defer freeEnv()
	return C.stui_wants_awake_monitor(C.int(len(argv)), cArgv, cEnv) != 0
}

// awakeEnv is the environment awake.c runs the server again with.
func awakeEnv(env []string) []string {
	cEnv, freeEnv := cStrings(env)
	defer freeEnv()
	out := C.stui_awake_env(cEnv)
	if out == nil {
		return nil
	}
	defer C.stui_free_awake_env(out)
	var got []string
	for p := out; *p != nil; p = (**C.char)(unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(*p))) {
		got = append(got, C.GoString(*p))
	}
	return got
}

// editorPipes is awake.c's check of the three descriptors.
func editorPipes(stdin, stdout, stderr int) bool {
	return C.stui_editor_pipes(C.int(stdin), C.int(stdout), C.int(stderr)) != 0
}

// cStrings is list as a NULL-terminated C array of C strings, and its free.
func cStrings(list []string) (**C.char, func()) {
	size := unsafe.Sizeof((*C.char)(nil))
	arr := (**C.char)(C.calloc(C.size_t(len(list)+1), C.size_t(size)))
	items := unsafe.Slice(arr, len(list)+1)
	for i, s := range list {
		items[i] = C.CString(s)
	}
	return arr, func() {
		for _, p := range items[:len(list)] {
			C.free(unsafe.Pointer(p))
		}
		C.free(unsafe.Pointer(arr))
	}
}
