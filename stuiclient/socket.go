package stuiclient

import (
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	zmq "github.com/pebbe/zmq4"
)

// conn is one DEALER socket and the PAIR socket receiving its monitor events,
// with their ZMQ_FD descriptors in Go's netpoller.
type conn struct {
	dealer, mon     *zmq.Socket
	dealerFD, monFD *os.File // duplicates of the sockets' ZMQ_FD
	dealerRaw       syscall.RawConn
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
	limit := int64(c.o.maxReply)*2 + 1<<20
	if err := d.SetMaxmsgsize(limit); err != nil {
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
