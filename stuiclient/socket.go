// The sockets: this is the one file of the package that calls libzmq (cgo);
// the rest of the client sees a conn and its few methods.

package stuiclient

import (
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	zmq "github.com/pebbe/zmq4"
	"golang.org/x/sys/unix"
)

// conn is one DEALER socket and the PAIR socket receiving its monitor events,
// with their ZMQ_FD descriptors in Go's netpoller.
type conn struct {
	dealer, mon     *zmq.Socket
	dealerFD, monFD *os.File // duplicates of the sockets' ZMQ_FD
	dealerRaw       syscall.RawConn
	// quiet is true while the DEALER holds nothing that ZMQ_FD has not
	// signalled: the last call that could take in libzmq's notices found
	// no reply to read. Then a reply that comes signals again, and waiting
	// needs no call into libzmq first (each check is two system calls in
	// libzmq, getpid and poll). Guarded by the client's sockMu.
	quiet bool
}

// pollable returns a duplicate of s's ZMQ_FD registered with Go's netpoller.
// ZMQ_FD signals, edge-triggered, that the socket's state may have changed;
// ZMQ_EVENTS then says what changed.
func pollable(s *zmq.Socket, name string) (*os.File, error) {
	fd, err := s.GetFd()
	if err != nil {
		return nil, err
	}
	dup, err := syscall.Dup(fd)
	if err != nil {
		return nil, err
	}
	syscall.CloseOnExec(dup)
	if err := syscall.SetNonblock(dup, true); err != nil {
		syscall.Close(dup)
		return nil, err
	}
	f := os.NewFile(uintptr(dup), name)
	// A file the netpoller cannot watch has no deadlines.
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		f.Close()
		return nil, fmt.Errorf("ZMQ_FD is not pollable: %w", err)
	}
	return f, nil
}

var monitorSeq atomic.Uint64

const monitorEvents = zmq.EVENT_CONNECTED | zmq.EVENT_CONNECT_RETRIED | zmq.EVENT_DISCONNECTED |
	zmq.EVENT_CLOSED | zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL |
	zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_AUTH

func (c *Client) dial() (*conn, error) {
	d, err := zmq.NewSocket(zmq.DEALER)
	if err != nil {
		return nil, fmt.Errorf("stui: socket: %w", err)
	}
	cn := &conn{dealer: d}
	fail := func(what string, err error) (*conn, error) {
		cn.close()
		return nil, fmt.Errorf("stui: %s: %w", what, err)
	}
	// Linger 0: a request queued for a dead image must not hold Close up.
	// Immediate: queue only to completed connections, so a request is never
	// delivered to an image that starts long after its caller gave up.
	if err := d.SetLinger(0); err != nil {
		return fail("linger", err)
	}
	if err := d.SetImmediate(true); err != nil {
		return fail("immediate", err)
	}
	if err := d.SetReconnectIvl(c.o.reconnectIvl); err != nil {
		return fail("reconnect interval", err)
	}
	// A reply over maxReply is refused by deliver, which answers its call
	// and keeps the link. libzmq's own limit, far above it, only guards
	// memory: a message over it is a protocol error that drops the link
	// (which the owner then rebuilds).
	if err := d.SetMaxmsgsize(libzmqMessageLimit(c.o.maxReply)); err != nil {
		return fail("max message size", err)
	}
	if k := c.o.curve; k != nil {
		if err := d.SetCurveServerkey(k.server); err != nil {
			return fail("CURVE server key", err)
		}
		if err := d.SetCurvePublickey(k.public); err != nil {
			return fail("CURVE public key", err)
		}
		if err := d.SetCurveSecretkey(k.secret); err != nil {
			return fail("CURVE secret key", err)
		}
	}
	addr := fmt.Sprintf("inproc://stuiclient-monitor-%d", monitorSeq.Add(1))
	if err := d.Monitor(addr, monitorEvents); err != nil {
		return fail("monitor", err)
	}
	if cn.mon, err = zmq.NewSocket(zmq.PAIR); err != nil {
		return fail("monitor socket", err)
	}
	if err := cn.mon.Connect(addr); err != nil {
		return fail("monitor connect", err)
	}
	if cn.dealerFD, err = pollable(d, "stuiclient-dealer"); err != nil {
		return fail("socket descriptor", err)
	}
	if cn.dealerRaw, err = cn.dealerFD.SyscallConn(); err != nil {
		return fail("socket descriptor", err)
	}
	if cn.monFD, err = pollable(cn.mon, "stuiclient-monitor"); err != nil {
		return fail("monitor descriptor", err)
	}
	if err := d.Connect(c.endpoint); err != nil {
		return fail("connect "+c.endpoint, err)
	}
	return cn, nil
}

// libzmqMessageLimit is the socket's message size limit for a reply limit of
// maxReply: sixteen times it, and at least 64 MiB.
func libzmqMessageLimit(maxReply int) int64 {
	return max(16*int64(maxReply), 64<<20)
}

func (cn *conn) close() {
	// Closing the descriptors ends watchMonitor.
	if cn.monFD != nil {
		cn.monFD.Close()
	}
	if cn.dealerFD != nil {
		cn.dealerFD.Close()
	}
	if cn.dealer != nil {
		cn.dealer.Monitor("", 0)
	}
	if cn.mon != nil {
		cn.mon.SetLinger(0)
		cn.mon.Close()
	}
	if cn.dealer != nil {
		cn.dealer.Close()
	}
}

func isAgain(err error) bool {
	return zmq.AsErrno(err) == zmq.Errno(syscall.EAGAIN)
}

// send hands payload to the DEALER after the empty delimiter, without
// blocking; isAgain(err) means its queue is full.
func (cn *conn) send(payload []byte) error {
	// Sending may take in a notice that a reply has come, and with it the
	// signal the owner would wait for.
	cn.quiet = false
	_, err := cn.dealer.SendMessageDontwait([]byte{}, payload)
	return err
}

// ready reports what the DEALER can do now: a reply can be read (in), a
// request written (out).
func (cn *conn) ready() (in, out bool, err error) {
	ev, err := cn.dealer.GetEvents()
	in, out = ev&zmq.POLLIN != 0, ev&zmq.POLLOUT != 0
	cn.quiet = err == nil && !in
	return in, out, err
}

// receive reads one message's frames without blocking; isAgain(err) means
// none is waiting.
func (cn *conn) receive() ([][]byte, error) {
	frames, err := cn.dealer.RecvMessageBytes(zmq.DONTWAIT)
	cn.quiet = err != nil && isAgain(err)
	return frames, err
}

// pending reports whether a signal waits on fd, a duplicate of a ZMQ_FD,
// with one system call and none into libzmq. An error counts as a signal:
// the receive that follows finds out.
func pending(fd uintptr) bool {
	fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds[:], 0)
	return err != nil || n > 0
}

// linkEvent is what a monitor event says about the connection.
type linkEvent int

const (
	linkOther           linkEvent = iota // nothing the client acts on
	linkConnected                        // TCP or ipc connection made
	linkSecured                          // handshake done (the one that counts under CURVE)
	linkRefused                          // a connection attempt failed: nothing listens
	linkHandshakeFailed                  // wrong keys, or a server without CURVE
	linkLost                             // disconnected or closed
)

// nextEvent reads the next monitor event without blocking; ok is false when
// none is waiting. name is libzmq's name of the event, for the log.
func (cn *conn) nextEvent() (ev linkEvent, name string, ok bool) {
	e, _, _, err := cn.mon.RecvEvent(zmq.DONTWAIT)
	if err != nil {
		return linkOther, "", false
	}
	switch e {
	case zmq.EVENT_CONNECTED:
		ev = linkConnected
	case zmq.EVENT_HANDSHAKE_SUCCEEDED:
		ev = linkSecured
	case zmq.EVENT_CONNECT_RETRIED:
		ev = linkRefused
	case zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, zmq.EVENT_HANDSHAKE_FAILED_AUTH:
		ev = linkHandshakeFailed
	case zmq.EVENT_DISCONNECTED, zmq.EVENT_CLOSED:
		ev = linkLost
	}
	return ev, e.String(), true
}

// curveSupported reports whether libzmq was built with CURVE.
func curveSupported() bool { return zmq.HasCurve() }

// curvePublicKey derives the Z85 public key of a Z85 secret key.
func curvePublicKey(secret string) (string, error) { return zmq.AuthCurvePublic(secret) }

// newCurveKeypair makes a Z85 CURVE key pair.
func newCurveKeypair() (public, secret string, err error) { return zmq.NewCurveKeypair() }
