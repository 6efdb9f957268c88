package stuiclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// retire stops callers sending on cn and closes it.
func (c *Client) retire(cn *conn) {
	c.sockMu.Lock()
	if c.live == cn {
		c.live = nil
	}
	cn.close()
	c.sockMu.Unlock()
}

// run owns the sockets: it sends queued requests, reads replies and monitor
// events, and hands each reply to the call waiting for its id.
func (c *Client) run(cn *conn) {
	defer close(c.done)
	var outbox []*call
	c.use(cn)
	defer func() {
		c.wakeMu.Lock()
		c.waker = nil
		c.wakeMu.Unlock()
		c.retire(cn)
	}()

	for {
		if c.wakeFlag.Swap(false) {
			c.mu.Lock()
			closed := c.closed
			outbox = append(outbox, c.queue...)
			c.queue = c.queue[:0]
			c.mu.Unlock()
			if closed {
				c.failAll(ErrClosed, "")
				return
			}
		}
		// Monitor events are read only when the monitor has signalled: this
		// loop runs for every reply, and each read is three cgo calls.
		if c.monFlag.Swap(false) {
			outbox = c.readEvents(cn, outbox)
		}
		if err := c.readReplies(cn); err != nil {
			cn, outbox = c.redial(cn, outbox, err)
			continue
		}
		if c.authPending {
			c.authPending = false
			c.mu.Lock()
			outbox = append(outbox, c.queue...)
			c.queue = c.queue[:0]
			c.mu.Unlock()
			outbox = c.failUnauthenticated(outbox)
		}
		// Nothing is sent while the connection is known to be down: libzmq
		// could still hand it to the connection that is dying.
		if c.connected.Load() {
			var err error
			if outbox, err = c.flush(cn, outbox); err != nil {
				cn, outbox = c.redial(cn, outbox, err)
				continue
			}
		}
		if !c.rebuildAt.IsZero() && !time.Now().Before(c.rebuildAt) {
			c.rebuildAt = time.Time{}
			c.rebuildDelay = min(2*c.rebuildDelay, maxRebuildDelay)
			cn, outbox = c.redial(cn, outbox, errLinkAbandoned)
			continue
		}
		if err := c.wait(cn, len(outbox) > 0 && c.connected.Load()); err != nil {
			c.log.Error("waiting on the socket failed, recreating it", zap.Error(err))
			cn, outbox = c.redial(cn, outbox, err)
		}
	}
}

// maxRebuildDelay bounds the wait before a socket whose link libzmq gave
// up on is recreated.
const maxRebuildDelay = 5 * time.Second

// errLinkAbandoned is why a socket is recreated when its link went down and
// libzmq did not try again.
var errLinkAbandoned = errors.New("the link went down and libzmq did not reconnect (a protocol error)")

// expectReconnect notes that the link went down: unless libzmq reports that
// it connects again (or tries to) first, the socket is recreated.
func (c *Client) expectReconnect() {
	if c.rebuildAt.IsZero() {
		c.rebuildAt = time.Now().Add(c.rebuildDelay)
	}
}

// use makes cn the connection that wake-ups go to, and watches its monitor.
func (c *Client) use(cn *conn) {
	c.wakeMu.Lock()
	c.waker = cn.dealerFD
	c.wakeMu.Unlock()
	c.sockMu.Lock()
	c.live = cn
	c.sockMu.Unlock()
	go c.watchMonitor(cn.monFD)
}

// wait sleeps until the DEALER can be read (or written, with wantOut), a
// monitor event is waiting, or a caller kicks. The order matters: the kick
// is cleared first and the flags and ZMQ_EVENTS checked after, so a kick or
// an edge that comes during the checks ends the sleep instead of being lost.
// A quiet socket (conn.quiet) is not asked before the sleep, only its
// descriptor, and a signal ends the sleep unchecked.
func (c *Client) wait(cn *conn, wantOut bool) error {
	if err := cn.dealerFD.SetReadDeadline(c.rebuildAt); err != nil {
		return err
	}
	var sockErr error
	woken := false // the function runs again each time ZMQ_FD signals
	err := cn.dealerRaw.Read(func(fd uintptr) bool {
		again := woken
		woken = true
		if c.wakeFlag.Load() {
			return true
		}
		c.sockMu.Lock()
		if !wantOut && (again || cn.quiet) {
			// Woken, something came; quiet, whatever comes signals, but a
			// signal from before this wait began is forgotten by the
			// netpoller and still pending on the descriptor. Either way the
			// receive that follows finds out what came.
			signalled := again || pending(fd)
			if signalled {
				cn.quiet = false
			}
			c.sockMu.Unlock()
			return signalled || c.monFlag.Load()
		}
		readable, writable, err := cn.ready()
		c.sockMu.Unlock()
		if err != nil {
			sockErr = err
			return true
		}
		if readable || (wantOut && writable) {
			return true
		}
		return c.monFlag.Load()
	})
	if sockErr != nil {
		return sockErr
	}
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	return nil
}

// flush sends what it can of outbox and returns the rest.
func (c *Client) flush(cn *conn, outbox []*call) ([]*call, error) {
	for len(outbox) > 0 {
		cl := outbox[0]
		if cl.abandoned.Load() {
			outbox = outbox[1:]
			continue
		}
		c.sockMu.Lock()
		err := cn.send(cl.payload)
		c.sockMu.Unlock()
		if err != nil {
			if isAgain(err) {
				return outbox, nil
			}
			return outbox, err
		}
		cl.sent.Store(true)
		c.sent.Add(1)
		outbox = outbox[1:]
	}
	return nil, nil
}

func (c *Client) readEvents(cn *conn, outbox []*call) []*call {
	for {
		ev, name, ok := cn.nextEvent()
		if !ok {
			return outbox
		}
		switch ev {
		case linkConnected, linkSecured, linkRefused:
			// libzmq is connected, or keeps trying.
			c.rebuildAt = time.Time{}
		case linkHandshakeFailed, linkLost:
			c.expectReconnect()
		}
		switch ev {
		case linkConnected:
			if c.o.curve == nil && !c.mustAuthenticate() {
				c.up()
			}
		case linkSecured:
			// The ZMTP handshake is done (with CURVE, the image's key is
			// proven); with a token, the image proves it holds it first.
			if c.mustAuthenticate() {
				c.challenge(cn)
			} else {
				c.up()
			}
		case linkRefused:
			// Nothing listens. A call fails on the second failed attempt
			// it sees, so that an event from before it was queued (the
			// image may have come back since) does not fail it.
			c.down()
			kept := outbox[:0]
			var failed []*call
			for _, cl := range outbox {
				if cl.retries++; cl.retries >= 2 {
					failed = append(failed, cl)
				} else {
					kept = append(kept, cl)
				}
			}
			c.failUnsent(failed, "nothing listens at "+c.endpoint)
			outbox = kept
		case linkHandshakeFailed:
			c.down()
			c.log.Warn("handshake failed", zap.String("event", name))
			outbox = c.failUnsent(outbox, c.handshakeFailure())
		case linkLost:
			c.authID = ""
			if c.down() {
				c.log.Info("connection lost")
			}
			// Requests sent over the lost connection will never be
			// answered: read-only ones go again on the next connection.
			outbox = c.failSent(outbox, "the connection was lost")
		}
	}
}

// handshakeFailure says why a ZMTP handshake failed, in terms of what this
// client was configured with.
func (c *Client) handshakeFailure() string {
	if c.o.curve != nil {
		return "security handshake failed (wrong CURVE keys, or the image does not use CURVE?)"
	}
	return "the ZeroMQ handshake failed: what listens at " + c.endpoint + " is not a STUI image without CURVE (another program, or an image that requires CURVE keys)"
}

// down marks the connection lost and reports whether it was up. It holds
// sockMu so that a caller's send either comes before (and is among the sent
// calls the owner then fails or sends again) or sees the connection down.
func (c *Client) down() bool {
	c.sockMu.Lock()
	defer c.sockMu.Unlock()
	return c.connected.Swap(false)
}

func (c *Client) up() {
	if !c.connected.Swap(true) {
		c.connects.Add(1)
		c.log.Debug("connected")
	}
}

// readReplies reads and hands on every reply waiting. Each one is handed on
// once the next receive has said whether another follows, so that the last
// receive, the one that finds nothing, is the only check of the socket:
// after it, a reply that comes signals ZMQ_FD again.
func (c *Client) readReplies(cn *conn) error {
	c.sockMu.Lock()
	if cn.quiet {
		c.sockMu.Unlock()
		return nil
	}
	frames, err := cn.receive()
	c.sockMu.Unlock()
	for err == nil {
		c.sockMu.Lock()
		next, nextErr := cn.receive()
		c.sockMu.Unlock()
		c.handleReply(frames, nextErr == nil)
		frames, err = next, nextErr
	}
	if isAgain(err) {
		return nil
	}
	return err
}

// handleReply hands one reply's frames to their call; more says that
// another reply waits to be read.
func (c *Client) handleReply(frames [][]byte, more bool) {
	c.received.Add(1)
	// A REP or ROUTER server echoes the empty delimiter we sent.
	if len(frames) == 2 && len(frames[0]) == 0 {
		frames = frames[1:]
	}
	if len(frames) != 1 {
		c.bad.Add(1)
		c.log.Warn("reply with an unexpected envelope", zap.Int("frames", len(frames)))
		// Its id cannot be trusted; the one call waiting, if only one
		// is, learns now instead of at its deadline.
		if cl := c.claim(""); cl != nil {
			cl.reply <- reply{err: &CallError{Command: cl.command, ID: cl.id, Kind: ErrBadReply,
				Detail: fmt.Sprintf("a reply of %d frames, want 1", len(frames))}}
		}
		return
	}
	c.deliver(frames[0], more)
}

// deliver hands a reply to the call waiting for its id, or counts it stale.
func (c *Client) deliver(data []byte, more bool) {
	if len(data) > c.o.maxReply {
		c.bad.Add(1)
		cl := c.claim(scanID(data))
		if cl != nil {
			cl.reply <- reply{err: &CallError{Command: cl.command, ID: cl.id, Kind: ErrReplyTooLarge,
				Detail: fmt.Sprintf("%d bytes, limit %d", len(data), c.o.maxReply)}}
		}
		return
	}
	var head struct {
		ID string `json:"id"`
	}
	var ok bool
	if head.ID, ok = leadingID(data); ok {
		// The id comes first, as it does from the STUI servers: no need to
		// decode the whole reply here; the caller does that once.
	} else if err := json.Unmarshal(data, &head); err != nil {
		c.bad.Add(1)
		if cl := c.claim(""); cl != nil {
			cl.reply <- reply{err: &CallError{Command: cl.command, ID: cl.id, Kind: ErrBadReply, Cause: err}}
		} else {
			c.log.Warn("dropped a reply that is not JSON", zap.Int("bytes", len(data)))
		}
		return
	}
	if head.ID == "" {
		// "id": null or no id at all: a malformed reply, for the one call
		// waiting if only one is.
		c.bad.Add(1)
		if cl := c.claim(""); cl != nil {
			cl.reply <- reply{err: &CallError{Command: cl.command, ID: cl.id, Kind: ErrBadReply, Detail: "a reply without an id"}}
		}
		return
	}
	if c.authID != "" && head.ID == c.authID {
		c.answered(data)
		return
	}
	cl := c.claimID(head.ID)
	if cl != nil {
		// A call answered: the link works, whatever failed before.
		c.rebuildDelay = c.o.reconnectIvl
	}
	if cl == nil {
		c.stale.Add(1)
		c.log.Debug("dropped a reply no call waits for", zap.String("id", head.ID))
		return
	}
	// The owner decodes: its stack has grown to what encoding/json needs
	// once, where a caller's goroutine (a new one per LSP request) would
	// grow and copy its stack for every reply.
	err := decodeReply(cl.command, cl.id, data, cl.result)
	if err != nil && errors.Is(err, ErrBadReply) && !json.Valid(data) {
		// Delivered on its leading id without being checked: count it as a
		// reply that is not JSON.
		c.bad.Add(1)
	}
	cl.reply <- reply{err: err}
	// Let the caller run now, on this core, rather than after this loop's
	// next round of cgo calls; but not while other replies wait: yielding
	// after each of them cost CPU for every reply with many in flight, and
	// the callers readied meanwhile run when this loop yields after the last.
	if !more {
		runtime.Gosched()
	}
}

// claimID removes and returns the call waiting for id.
func (c *Client) claimID(id string) *call {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.pending[id]
	if cl != nil {
		delete(c.pending, id)
	}
	return cl
}

// claim finds the call a reply without a readable id belongs to: the one with
// that id if there is one, else the only request sent and unanswered.
func (c *Client) claim(id string) *call {
	if id != "" {
		if cl := c.claimID(id); cl != nil {
			return cl
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var only *call
	for _, cl := range c.pending {
		if cl.sent.Load() {
			if only != nil {
				return nil
			}
			only = cl
		}
	}
	if only != nil {
		delete(c.pending, only.id)
	}
	return only
}

func (c *Client) failUnsent(outbox []*call, detail string) []*call {
	for _, cl := range outbox {
		if cl.abandoned.Load() {
			continue
		}
		if c.claimID(cl.id) == cl {
			cl.reply <- reply{err: &CallError{Command: cl.command, ID: cl.id, Kind: ErrUnavailable, Detail: detail}}
		}
	}
	return nil
}

func (c *Client) failSent(outbox []*call, detail string) []*call {
	c.mu.Lock()
	var lost, again []*call
	for id, cl := range c.pending {
		if !cl.sent.Load() {
			continue
		}
		if resendable(cl.command) && !cl.resent {
			cl.resent = true
			cl.sent.Store(false)
			again = append(again, cl)
			continue
		}
		lost = append(lost, cl)
		delete(c.pending, id)
	}
	c.mu.Unlock()
	for _, cl := range lost {
		cl.reply <- reply{err: &CallError{Command: cl.command, ID: cl.id, Kind: ErrUnavailable, Detail: detail}}
	}
	return append(again, outbox...)
}

func (c *Client) failAll(kind error, detail string) {
	c.mu.Lock()
	all := c.pending
	c.pending = map[string]*call{}
	c.queue = nil
	c.mu.Unlock()
	for _, cl := range all {
		cl.reply <- reply{err: &CallError{Command: cl.command, ID: cl.id, Kind: kind, Detail: detail}}
	}
}

// redial replaces a socket that failed. Calls in flight on it are lost; calls
// not yet sent stay queued for the new one.
func (c *Client) redial(old *conn, outbox []*call, cause error) (*conn, []*call) {
	c.log.Warn("recreating the socket", zap.Error(cause))
	c.down()
	c.retire(old)
	outbox = c.failSent(outbox, "the socket failed: "+cause.Error())
	c.reconnects.Add(1)
	for {
		cn, err := c.dial()
		if err == nil {
			c.use(cn)
			return cn, outbox
		}
		c.log.Error("cannot recreate the socket", zap.Error(err))
		outbox = c.failUnsent(outbox, err.Error())
		time.Sleep(c.o.reconnectIvl)
	}
}

// resendable reports whether a request lost with its connection may be sent
// again: it changes nothing in the image (the table says so).
func resendable(command string) bool {
	spec, ok := stuiproto.Lookup(command)
	return ok && !spec.MutatesImage
}
