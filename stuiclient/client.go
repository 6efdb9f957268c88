package stuiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	zmq "github.com/pebbe/zmq4"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Client talks to one STUI endpoint. It is safe for concurrent use.
type Client struct {
	endpoint string
	o        options
	log      *zap.Logger

	mu      sync.Mutex
	pending map[string]*call // by request id, until answered or abandoned
	queue   []*call          // handed to the owner goroutine, not yet taken
	closed  bool

	// sockMu serializes every use of the DEALER socket, which is not safe
	// for concurrent use; the mutex also gives libzmq the memory barrier it
	// asks for when a socket moves between threads. A caller sends its own
	// request under it when the connection is up, which saves a hand-off to
	// the owner goroutine and back on every request; the owner does the
	// rest (replies, monitor events, queued requests, reconnects).
	sockMu sync.Mutex
	live   *conn // the connection callers may send on; nil while there is none

	// The owner goroutine sleeps in Go's netpoller on the DEALER's ZMQ_FD,
	// not in zmq_poll: a caller wakes it by expiring the read deadline of
	// that descriptor, which readies the goroutine without a system call or
	// a thread hand-off (see wait).
	wakeMu   sync.Mutex
	waker    *os.File    // the current connection's ZMQ_FD; under wakeMu
	wakeFlag atomic.Bool // the queue or closed changed since the owner looked
	monFlag  atomic.Bool // the monitor socket signalled since the owner read it

	connected atomic.Bool
	nextID    atomic.Uint64
	warned    atomic.Bool
	done      chan struct{}

	sent, received, stale, timeouts, unavailable, bad, reconnects, connects atomic.Uint64
}

type call struct {
	id, command string
	payload     []byte
	result      any        // decoded into by the owner goroutine
	reply       chan reply // buffered: the owner never blocks on it
	sent        atomic.Bool
	abandoned   atomic.Bool
	retries     int  // connect failures seen while queued (owner goroutine only)
	resent      bool // already sent again after a lost connection (owner only)
}

// readOnly lists the commands that change nothing in the image, so that a
// request lost with its connection may be sent again once.
var readOnly = map[string]bool{
	stuiproto.CmdPing: true, stuiproto.CmdBrowseClass: true, stuiproto.CmdGetMethod: true,
	stuiproto.CmdListClasses: true, stuiproto.CmdSystemInfo: true, stuiproto.CmdImplementors: true,
	stuiproto.CmdSenders: true, stuiproto.CmdComplete: true, stuiproto.CmdFormatSource: true,
	stuiproto.CmdGetSessionInfo: true, stuiproto.CmdListClientSessions: true,
	stuiproto.CmdGetSessionStatistics: true, stuiproto.CmdGetContextSummary: true,
}

// reply is what a call gets: its result is already decoded.
type reply struct {
	err error
}

// Stats are the client's counters since New.
type Stats struct {
	Sent         uint64 // requests written to the socket
	Received     uint64 // replies read from the socket
	DroppedStale uint64 // replies whose id no caller waits for (late, duplicate, wrong)
	Timeouts     uint64 // calls that ended with ErrTimeout
	Unavailable  uint64 // calls that ended with ErrUnavailable
	BadReplies   uint64 // replies that were not valid STUI replies or were too large
	Connects     uint64 // connections established (handshake done)
	Reconnects   uint64 // sockets recreated after an error
}

// New makes a client for endpoint (tcp://host:port or ipc://path). It does
// not wait for the image: connecting happens in the background, and the
// first call reports ErrUnavailable if nothing answers.
func New(endpoint string, opts ...Option) (*Client, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := checkEndpoint(endpoint, o); err != nil {
		return nil, err
	}
	if o.curve != nil && !zmq.HasCurve() {
		return nil, ErrCurveUnsupported
	}
	c := &Client{
		endpoint: endpoint,
		o:        o,
		log:      o.logger.With(zap.String("endpoint", endpoint)),
		pending:  map[string]*call{},
		done:     make(chan struct{}),
	}
	conn, err := c.dial()
	if err != nil {
		return nil, err
	}
	go c.run(conn)
	return c, nil
}

func checkEndpoint(endpoint string, o options) error {
	scheme, rest, ok := strings.Cut(endpoint, "://")
	if !ok || rest == "" {
		return fmt.Errorf("stui: endpoint %q: want tcp://host:port or ipc://path", endpoint)
	}
	switch scheme {
	case "ipc", "inproc":
		return nil
	case "tcp":
	default:
		return fmt.Errorf("stui: endpoint %q: unsupported transport %q", endpoint, scheme)
	}
	host, _, err := net.SplitHostPort(rest)
	if err != nil {
		return fmt.Errorf("stui: endpoint %q: %w", endpoint, err)
	}
	if o.token != "" && o.curve == nil && !isLoopback(host) {
		return &InsecureTokenError{Endpoint: endpoint}
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Endpoint returns the endpoint the client connects to.
func (c *Client) Endpoint() string { return c.endpoint }

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	return Stats{
		Sent: c.sent.Load(), Received: c.received.Load(), DroppedStale: c.stale.Load(),
		Timeouts: c.timeouts.Load(), Unavailable: c.unavailable.Load(), BadReplies: c.bad.Load(),
		Connects: c.connects.Load(), Reconnects: c.reconnects.Load(),
	}
}

// Close fails the calls in flight with ErrClosed, closes the sockets and
// waits for the owner goroutine to end. It is safe to call more than once.
func (c *Client) Close() error {
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.mu.Unlock()
	if !already {
		c.wake()
	}
	<-c.done
	return nil
}

// Call sends command with params and decodes the reply's result into result
// (a pointer, or nil to ignore it). The deadline is ctx's, or the client's
// default timeout. The request id is generated unless ctx carries one from
// stuiproto.WithRequestID.
func (c *Client) Call(ctx context.Context, command string, params, result any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.o.timeout)
		defer cancel()
	}
	id, ok := stuiproto.RequestIDFromContext(ctx)
	if !ok {
		id = strconv.FormatUint(c.nextID.Add(1), 10)
	}
	req := stuiproto.Request{ID: id, Command: command, Token: c.o.token}
	if params == nil {
		req.Parameters = json.RawMessage("{}")
	} else {
		p, err := json.Marshal(params)
		if err != nil {
			return fmt.Errorf("stui %s: encoding parameters: %w", command, err)
		}
		req.Parameters = p
	}
	payload, err := json.Marshal(&req)
	if err != nil {
		return fmt.Errorf("stui %s: encoding request: %w", command, err)
	}
	if err := ctx.Err(); err != nil {
		return ctxError(command, id, err, false, c.connected.Load(), 0)
	}

	cl := &call{id: id, command: command, payload: payload, result: result, reply: make(chan reply, 1)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return &CallError{Command: command, ID: id, Kind: ErrClosed}
	}
	if _, dup := c.pending[id]; dup {
		c.mu.Unlock()
		return fmt.Errorf("stui %s: request id %q is already in flight", command, id)
	}
	c.pending[id] = cl
	c.mu.Unlock()
	if !c.sendNow(cl) {
		c.mu.Lock()
		c.queue = append(c.queue, cl)
		c.mu.Unlock()
		c.wake()
	}

	start := time.Now()
	var r reply
	select {
	case r = <-cl.reply:
	case <-ctx.Done():
		c.mu.Lock()
		mine := c.pending[id] == cl
		if mine {
			delete(c.pending, id)
		}
		c.mu.Unlock()
		cl.abandoned.Store(true)
		if !mine {
			// The owner has claimed the call and may be decoding into
			// result: wait for it (it answers every call it claims) so
			// that nothing writes to result after Call returns.
			r = <-cl.reply
			break
		}
		err := ctxError(command, id, ctx.Err(), cl.sent.Load(), c.connected.Load(), time.Since(start))
		switch {
		case errors.Is(err, ErrTimeout):
			c.timeouts.Add(1)
		case errors.Is(err, ErrUnavailable):
			c.unavailable.Add(1)
		}
		return err
	}
	if r.err != nil && errors.Is(r.err, ErrUnavailable) {
		c.unavailable.Add(1)
	}
	return r.err
}

// sendNow sends cl on the caller's goroutine if the connection is up and the
// socket takes it at once; otherwise the owner goroutine queues it.
func (c *Client) sendNow(cl *call) bool {
	if !c.connected.Load() {
		return false
	}
	c.sockMu.Lock()
	cn := c.live
	if cn == nil || !c.connected.Load() {
		c.sockMu.Unlock()
		return false
	}
	if _, err := cn.dealer.SendMessageDontwait([]byte{}, cl.payload); err != nil {
		// A full queue or a failing socket: the owner retries, or recreates
		// the socket and reports.
		c.sockMu.Unlock()
		return false
	}
	cl.sent.Store(true)
	c.sent.Add(1)
	// Any call on the socket may take in the notice that a reply has come,
	// and with it the edge on ZMQ_FD the owner sleeps on: if one is
	// waiting now, wake the owner to read it.
	ev, err := cn.dealer.GetEvents()
	c.sockMu.Unlock()
	if err != nil || ev&zmq.POLLIN != 0 {
		c.kick()
	}
	return true
}

// decodeReply decodes a reply and its result in one pass over the bytes (the
// result straight into the caller's value); only a reply that does not
// decode takes the slower path that says exactly what is wrong with it.
func decodeReply(command, id string, data []byte, result any) error {
	env := replyEnvelope{Result: resultSink{into: result}}
	if json.Unmarshal(data, &env) == nil && (env.Status == stuiproto.StatusSuccess || env.Status == stuiproto.StatusError) {
		if env.Status == stuiproto.StatusError {
			if env.ErrorType == "" {
				env.ErrorType = "Error"
			}
			rep := stuiproto.Reply{ID: env.ID, Status: env.Status, Error: env.Error, ErrorType: env.ErrorType, Details: env.Details, StackTrace: env.StackTrace}
			return rep.Err(command)
		}
		if result != nil && (!env.Result.seen || env.Result.null) {
			return &CallError{Command: command, ID: id, Kind: ErrProtocol, Detail: "success reply without a result"}
		}
		return nil
	}
	return decodeReplySlowly(command, id, data, result)
}

// replyEnvelope is stuiproto.Reply with the result decoded in place.
type replyEnvelope struct {
	ID         string                  `json:"id"`
	Status     string                  `json:"status"`
	Result     resultSink              `json:"result"`
	Error      string                  `json:"error"`
	ErrorType  string                  `json:"error_type"`
	Details    *stuiproto.ErrorDetails `json:"details"`
	StackTrace []string                `json:"stack_trace"`
}

// resultSink decodes a reply's result into the caller's value, if any, and
// records whether there was one.
type resultSink struct {
	into       any
	seen, null bool
}

func (r *resultSink) UnmarshalJSON(b []byte) error {
	r.seen = true
	if string(b) == "null" {
		r.null = true
		return nil
	}
	if r.into == nil {
		return nil
	}
	return json.Unmarshal(b, r.into)
}

func decodeReplySlowly(command, id string, data []byte, result any) error {
	rep, err := stuiproto.DecodeReply(data)
	if err != nil {
		return &CallError{Command: command, ID: id, Kind: ErrProtocol, Cause: err}
	}
	if err := rep.Err(command); err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	if len(rep.Result) == 0 || bytes.Equal(rep.Result, []byte("null")) {
		return &CallError{Command: command, ID: id, Kind: ErrProtocol, Detail: "success reply without a result"}
	}
	if err := json.Unmarshal(rep.Result, result); err != nil {
		return &CallError{Command: command, ID: id, Kind: ErrProtocol, Cause: err}
	}
	return nil
}

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

// retire stops callers sending on cn and closes it.
func (c *Client) retire(cn *conn) {
	c.sockMu.Lock()
	if c.live == cn {
		c.live = nil
	}
	cn.close()
	c.sockMu.Unlock()
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
		// Nothing is sent while the connection is known to be down: libzmq
		// could still hand it to the connection that is dying.
		if c.connected.Load() {
			var err error
			if outbox, err = c.flush(cn, outbox); err != nil {
				cn, outbox = c.redial(cn, outbox, err)
				continue
			}
		}
		if err := c.wait(cn, len(outbox) > 0 && c.connected.Load()); err != nil {
			c.log.Error("waiting on the socket failed, recreating it", zap.Error(err))
			cn, outbox = c.redial(cn, outbox, err)
		}
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
func (c *Client) wait(cn *conn, wantOut bool) error {
	if err := cn.dealerFD.SetReadDeadline(time.Time{}); err != nil {
		return err
	}
	var sockErr error
	err := cn.dealerRaw.Read(func(uintptr) bool {
		if c.wakeFlag.Load() {
			return true
		}
		c.sockMu.Lock()
		ev, err := cn.dealer.GetEvents()
		c.sockMu.Unlock()
		if err != nil {
			sockErr = err
			return true
		}
		if ev&zmq.POLLIN != 0 || (wantOut && ev&zmq.POLLOUT != 0) {
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

// flush sends what it can of outbox and returns the rest.
func (c *Client) flush(cn *conn, outbox []*call) ([]*call, error) {
	for len(outbox) > 0 {
		cl := outbox[0]
		if cl.abandoned.Load() {
			outbox = outbox[1:]
			continue
		}
		c.sockMu.Lock()
		_, err := cn.dealer.SendMessageDontwait([]byte{}, cl.payload)
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
		ev, _, _, err := cn.mon.RecvEvent(zmq.DONTWAIT)
		if err != nil {
			return outbox
		}
		switch ev {
		case zmq.EVENT_CONNECTED:
			if c.o.curve == nil {
				c.up()
			}
		case zmq.EVENT_HANDSHAKE_SUCCEEDED:
			c.up()
		case zmq.EVENT_CONNECT_RETRIED:
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
		case zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, zmq.EVENT_HANDSHAKE_FAILED_AUTH:
			c.down()
			c.log.Warn("handshake failed", zap.Stringer("event", ev))
			outbox = c.failUnsent(outbox, "security handshake failed (wrong CURVE keys, or the server does not use CURVE?)")
		case zmq.EVENT_DISCONNECTED, zmq.EVENT_CLOSED:
			if c.down() {
				c.log.Info("connection lost")
			}
			// Requests sent over the lost connection will never be
			// answered: read-only ones go again on the next connection.
			outbox = c.failSent(outbox, "the connection was lost")
		}
	}
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

func (c *Client) readReplies(cn *conn) error {
	for {
		c.sockMu.Lock()
		frames, err := cn.dealer.RecvMessageBytes(zmq.DONTWAIT)
		c.sockMu.Unlock()
		if err != nil {
			if isAgain(err) {
				return nil
			}
			return err
		}
		c.received.Add(1)
		// A REP or ROUTER server echoes the empty delimiter we sent.
		if len(frames) == 2 && len(frames[0]) == 0 {
			frames = frames[1:]
		}
		if len(frames) != 1 {
			c.bad.Add(1)
			c.log.Warn("reply with an unexpected envelope", zap.Int("frames", len(frames)))
			continue
		}
		c.deliver(frames[0])
	}
}

// deliver hands a reply to the call waiting for its id, or counts it stale.
func (c *Client) deliver(data []byte) {
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
			cl.reply <- reply{err: &CallError{Command: cl.command, ID: cl.id, Kind: ErrProtocol, Cause: err}}
		} else {
			c.log.Warn("dropped a reply that is not JSON", zap.Int("bytes", len(data)))
		}
		return
	}
	cl := c.claimID(head.ID)
	if cl == nil {
		c.stale.Add(1)
		c.log.Debug("dropped a reply no call waits for", zap.String("id", head.ID))
		return
	}
	// The owner decodes: its stack has grown to what encoding/json needs
	// once, where a caller's goroutine (a new one per LSP request) would
	// grow and copy its stack for every reply.
	err := decodeReply(cl.command, cl.id, data, cl.result)
	if err != nil && errors.Is(err, ErrProtocol) && !json.Valid(data) {
		// Delivered on its leading id without being checked: count it as a
		// reply that is not JSON.
		c.bad.Add(1)
	}
	cl.reply <- reply{err: err}
	// Let the caller run now, on this core, rather than after this loop's
	// next round of cgo calls.
	runtime.Gosched()
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

// leadingID reads the id of a reply that begins {"id":"...", (no escapes),
// without decoding the rest. ok is false for any other shape.
func leadingID(data []byte) (id string, ok bool) {
	const prefix = `{"id":"`
	if len(data) > 0 && data[0] != '{' || !bytes.HasPrefix(data, []byte(prefix)) {
		return "", false
	}
	rest := data[len(prefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return "", false
	}
	return string(rest[:end]), true
}

// scanID reads the "id" of a reply without decoding the rest, provided it
// comes among the first keys.
func scanID(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for i := 0; i < 8 && dec.More(); i++ {
		k, err := dec.Token()
		if err != nil {
			return ""
		}
		if k == "id" {
			var id string
			if dec.Decode(&id) != nil {
				return ""
			}
			return id
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
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
		if readOnly[cl.command] && !cl.resent {
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
