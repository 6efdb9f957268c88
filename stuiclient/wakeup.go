package stuiclient

import (
	"os"
	"time"
)

// wake tells the owner goroutine to look at the queue (and at closed). Wake-
// ups coalesce: at most one is in flight.
func (c *Client) wake() {
	if !c.wakeFlag.CompareAndSwap(false, true) {
		return
	}
	c.kick()
}

// kick ends the owner's wait, or its next one if it is not waiting.
func (c *Client) kick() {
	c.wakeMu.Lock()
	defer c.wakeMu.Unlock()
	if c.waker != nil {
		_ = c.waker.SetReadDeadline(aLongTimeAgo)
	}
}

var aLongTimeAgo = time.Unix(1, 0)

// watchMonitor kicks the owner whenever the monitor socket's descriptor
// signals, until the descriptor is closed. It never touches the socket
// itself (the owner does); each time it starts waiting it kicks once more,
// so an event that came just before it began to wait is not missed.
func (c *Client) watchMonitor(f *os.File) {
	raw, err := f.SyscallConn()
	if err != nil {
		return
	}
	for {
		armed := false
		err := raw.Read(func(uintptr) bool {
			if !armed {
				armed = true
				c.monitorSignalled()
				return false
			}
			return true
		})
		if err != nil {
			return
		}
		c.monitorSignalled()
	}
}

func (c *Client) monitorSignalled() {
	c.monFlag.Store(true)
	c.kick()
}
