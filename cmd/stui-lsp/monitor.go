package main

import (
	"os"
	"strings"
)

// With one scheduler slot (cores.go) the slot goes idle between every two
// messages: the server waits on the editor, then on the image. Whenever Go's
// monitor thread (sysmon) finds every slot idle it sleeps deeply, and the
// next system call, which is the next message's first read or libzmq call,
// has to wake it, after which it polls every 20 µs until it finds the slot
// idle again. At 8 evaluations in flight that cycle was a third of the
// server's context switches and 16% of its CPU samples (docs/performance.md,
// "Issue 18's relay floors: the monitor kept awake").
//
// The one switch the runtime has for it is GODEBUG's schedtrace: with it
// set, sysmon never sleeps deeply. It then wakes every 10 ms while the server
// is idle (about 100 wake-ups a second, instead of none) and, at its longest
// period (2^31-1 ms, 24.8 days), writes one line of scheduler state to
// stderr per period, and with a fatal error. The runtime reads the setting
// only as it starts, so the server, when it is about to run on one slot,
// runs itself again once with it, before Go's runtime starts (awake.c). The
// re-executed process puts GODEBUG back as it was, so that no process it
// starts inherits it.

// monitorAwake is whether this process runs with the monitor kept awake: it
// is the server run again by awake.c. Only main sets it.
var monitorAwake bool

// godebugBefore is set only in a server that awake.c ran again: "unset", or
// "set:" and GODEBUG as it was.
const godebugBefore = "STUI_LSP_GODEBUG_BEFORE"

// restoreGodebug puts GODEBUG back as it was before the server ran itself
// again, and reports whether it did. The runtime keeps schedtrace as it read
// it at start; only the processes this one starts see the change.
func restoreGodebug() bool {
	kept, again := os.LookupEnv(godebugBefore)
	if !again {
		return false
	}
	_ = os.Unsetenv(godebugBefore)
	if before, set := strings.CutPrefix(kept, "set:"); set {
		_ = os.Setenv("GODEBUG", before)
	} else {
		_ = os.Unsetenv("GODEBUG")
	}
	return true
}
