package stuiclient

import (
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
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

	// rebuildAt, when set, is when the owner recreates the socket because
	// the link went down and libzmq has not said it is trying again: after a
	// protocol error (a peer that does not speak ZMTP, a message over the
	// socket's limit) libzmq drops that connection for good. rebuildDelay
	// grows while rebuilt links keep failing. Owner goroutine only.
	rebuildAt    time.Time
	rebuildDelay time.Duration

	// The image's proof of the token (auth.go): the id and nonce of the
	// challenge in flight (owner goroutine only), and the last failure.
	authID, authNonce string
	authPending       bool // a failure the owner has not failed its queue for yet
	authErr           atomic.Pointer[error]

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

// reply is what a call gets: its result is already decoded.
type reply struct {
	err error
}

// Stats are the client's counters since New.
type Stats struct {
	Sent         uint64 // requests written to the socket
	Received     uint64 // replies read from the socket
	DroppedStale uint64 // replies whose id no caller waits for (late, duplicate, wrong)
	Timeouts     uint64 // calls that ended with ErrDeadline
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
	if o.curve != nil && !curveSupported() {
		return nil, ErrCurveUnsupported
	}
	c := &Client{
		endpoint: endpoint,
		o:        o,
		log:      o.logger.With(zap.String("endpoint", endpoint)),
		pending:  map[string]*call{},
		done:     make(chan struct{}),
	}
	c.rebuildDelay = c.o.reconnectIvl
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
