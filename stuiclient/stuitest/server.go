// Package stuitest is a TEST backend for the STUI protocol: a server over
// real ZeroMQ sockets, shaped like net/http/httptest, for the tests of
// stuiclient and of the language server. It is not a Smalltalk image.
//
// NewServer binds a ROUTER socket to an ephemeral loopback tcp port (or, with
// NewIPCServer, an ipc socket in a temporary directory) and serves each
// request in its own goroutine with a Handler, so slow and fast requests
// interleave as they do with the real STUI server. Fault knobs (Delay,
// SetFault, Stop, Restart) make the transport misbehave on demand.
//
// Backend is a Handler that keeps sessions, workspace variables and an object
// registry as docs/protocol.md describes, evaluates a tiny arithmetic
// language, and answers the code-browsing commands from classes a test adds.
// Replay is a Handler that answers from the protocol vectors.
package stuitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	zmq "github.com/pebbe/zmq4"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Handler answers one request. The context is canceled when the server stops.
// Returning nil sends no reply.
type Handler interface {
	ServeSTUI(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply

// ServeSTUI calls f.
func (f HandlerFunc) ServeSTUI(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
	return f(ctx, req)
}

// Restarter is implemented by handlers that lose state when the image
// restarts (Server.Restart calls it).
type Restarter interface {
	Restart()
}

// Fault is a way the server misbehaves on the transport.
type Fault int

// Faults, set with Server.SetFault. Each applies to requests that arrive
// while it is set.
const (
	NoFault    Fault = iota
	Drop             // never reply
	Garbage          // reply bytes that are not JSON
	WrongID          // reply under another id
	Duplicate        // reply twice
	Oversized        // reply with a document of OversizeBytes bytes
	Hang             // hold the reply until the fault is cleared
	ExtraFrame       // reply in two frames instead of one
	NullID           // reply with "id": null
)

var faultNames = [...]string{"NoFault", "Drop", "Garbage", "WrongID", "Duplicate", "Oversized", "Hang", "ExtraFrame", "NullID"}

func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// Server is a STUI server for tests.
type Server struct {
	// Endpoint is where clients connect, e.g. tcp://127.0.0.1:40123. It stays
	// the same across Stop and Restart.
	Endpoint string

	// OversizeBytes is the size of replies under the Oversized fault
	// (default stuiproto.MaxMessageSize+1). Set it before the fault.
	OversizeBytes int

	handler Handler
	bindTo  string
	tmpDir  string
	curve   string // server secret key

	mu        sync.Mutex
	running   bool
	stop      context.CancelFunc
	done      chan struct{}
	outbox    [][][]byte
	wakeTx    *zmq.Socket
	fault     Fault
	delay     time.Duration
	token     string
	hangGate  chan struct{}
	requests  atomic.Uint64
	handlerWG sync.WaitGroup
}

// Option configures a server made by NewUnstartedServer.
type Option func(*Server)

// WithCurve makes the server a CURVE server with this Z85 secret key; any
// client key is accepted. Pair it with stuiclient.WithCurve and the public key.
func WithCurve(serverSecretKey string) Option { return func(s *Server) { s.curve = serverSecretKey } }

var seq atomic.Uint64

// NewServer starts a server on an ephemeral loopback tcp port. It panics if
// it cannot bind, as httptest does.
func NewServer(h Handler, opts ...Option) *Server {
	s := NewUnstartedServer(h, opts...)
	s.Start()
	return s
}

// NewIPCServer starts a server on an ipc socket in a new temporary directory,
// removed by Close.
func NewIPCServer(h Handler, opts ...Option) *Server {
	dir, err := os.MkdirTemp("", "stuitest")
	if err != nil {
		panic(fmt.Sprintf("stuitest: %v", err))
	}
	s := NewUnstartedServer(h, opts...)
	s.tmpDir = dir
	s.bindTo = "ipc://" + filepath.Join(dir, "stui.sock")
	s.Start()
	return s
}

// NewUnstartedServer returns a server that Start will bind.
func NewUnstartedServer(h Handler, opts ...Option) *Server {
	if h == nil {
		h = NewBackend()
	}
	s := &Server{handler: h, bindTo: "tcp://127.0.0.1:*", OversizeBytes: stuiproto.MaxMessageSize + 1}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Start binds the server and starts serving. The first Start picks the
// endpoint; later ones (through Restart) bind the same one again.
func (s *Server) Start() {
	if err := s.start(); err != nil {
		panic(fmt.Sprintf("stuitest: %v", err))
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return fmt.Errorf("server already started")
	}
	router, err := zmq.NewSocket(zmq.ROUTER)
	if err != nil {
		return err
	}
	router.SetLinger(0)
	if s.curve != "" {
		if !zmq.HasCurve() {
			router.Close()
			return fmt.Errorf("libzmq has no CURVE support")
		}
		if err := router.SetCurveServer(1); err != nil {
			router.Close()
			return err
		}
		if err := router.SetCurveSecretkey(s.curve); err != nil {
			router.Close()
			return err
		}
	}
	addr := s.bindTo
	if s.Endpoint != "" {
		addr = s.Endpoint
	}
	// Watch the listener so that Stop returns only once it is closed and
	// Restart can bind the same endpoint again.
	monAddr := fmt.Sprintf("inproc://stuitest-monitor-%d", seq.Add(1))
	if err := router.Monitor(monAddr, zmq.EVENT_CLOSED); err != nil {
		router.Close()
		return err
	}
	mon, _ := zmq.NewSocket(zmq.PAIR)
	mon.SetLinger(0)
	if err := mon.Connect(monAddr); err != nil {
		router.Close()
		mon.Close()
		return err
	}
	if err := router.Bind(addr); err != nil {
		router.Close()
		mon.Close()
		return fmt.Errorf("bind %s: %w", addr, err)
	}
	if s.Endpoint == "" {
		if s.Endpoint, err = router.GetLastEndpoint(); err != nil {
			router.Close()
			return err
		}
	}
	wakeAddr := fmt.Sprintf("inproc://stuitest-wake-%d", seq.Add(1))
	wakeRx, _ := zmq.NewSocket(zmq.PAIR)
	wakeRx.SetLinger(0)
	if err := wakeRx.Bind(wakeAddr); err != nil {
		router.Close()
		wakeRx.Close()
		return err
	}
	s.wakeTx, _ = zmq.NewSocket(zmq.PAIR)
	s.wakeTx.SetLinger(0)
	if err := s.wakeTx.Connect(wakeAddr); err != nil {
		router.Close()
		wakeRx.Close()
		s.wakeTx.Close()
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	s.done = make(chan struct{})
	s.outbox = nil
	s.running = true
	go s.run(ctx, router, mon, wakeRx, s.done)
	return nil
}

// Stop closes the socket as a dying image would: requests in flight are
// never answered and clients see the connection drop. The endpoint stays
// reserved for Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return
	}
	s.running = false
	s.stop()
	done := s.done
	s.mu.Unlock()
	s.kick()
	<-done
	s.handlerWG.Wait()
	s.mu.Lock()
	s.wakeTx.Close()
	s.wakeTx = nil
	s.mu.Unlock()
}

// Restart simulates an image restart on the same endpoint: Stop, then the
// handler's Restart (a Backend forgets its sessions), then Start.
func (s *Server) Restart() {
	s.Stop()
	if r, ok := s.handler.(Restarter); ok {
		r.Restart()
	}
	s.Start()
}

// Close stops the server for good and removes its temporary directory.
func (s *Server) Close() {
	s.SetFault(NoFault)
	s.Stop()
	if s.tmpDir != "" {
		os.RemoveAll(s.tmpDir)
	}
}

// Requests returns how many requests the server has read.
func (s *Server) Requests() uint64 { return s.requests.Load() }

// Delay makes every reply wait d before it is sent (0 clears it).
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// SetFault sets the fault applied to requests from now on. Clearing Hang
// releases the replies it held.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == Hang && s.hangGate == nil {
		s.hangGate = make(chan struct{})
	}
	if f != Hang && s.hangGate != nil {
		close(s.hangGate)
		s.hangGate = nil
	}
	s.fault = f
}

// RequireToken makes the server refuse, with PermissionDenied, every request
// whose token differs from tok ("" accepts any request).
func (s *Server) RequireToken(tok string) {
	s.mu.Lock()
	s.token = tok
	s.mu.Unlock()
}

func (s *Server) kick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wakeTx != nil {
		s.wakeTx.SendBytes(nil, zmq.DONTWAIT)
	}
}

func (s *Server) enqueue(msg [][]byte) {
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return
	}
	s.outbox = append(s.outbox, msg)
	s.mu.Unlock()
	s.kick()
}

func (s *Server) run(ctx context.Context, router, mon, wakeRx *zmq.Socket, done chan struct{}) {
	defer close(done)
	defer wakeRx.Close()
	defer func() {
		// Unbind, and wait (bounded) for the listener to report it closed.
		if router.Unbind(s.Endpoint) == nil {
			mon.SetRcvtimeo(2 * time.Second)
			for {
				ev, _, _, err := mon.RecvEvent(0)
				if err != nil || ev == zmq.EVENT_CLOSED {
					break
				}
			}
		}
		router.Monitor("", 0)
		mon.Close()
		router.Close()
	}()
	poller := zmq.NewPoller()
	poller.Add(router, zmq.POLLIN)
	poller.Add(wakeRx, zmq.POLLIN)
	for {
		polled, err := poller.Poll(-1)
		if err != nil {
			return
		}
		for _, p := range polled {
			if p.Socket == wakeRx {
				for {
					if _, err := wakeRx.RecvBytes(zmq.DONTWAIT); err != nil {
						break
					}
				}
				continue
			}
			for {
				frames, err := router.RecvMessageBytes(zmq.DONTWAIT)
				if err != nil {
					break
				}
				s.accept(ctx, frames)
			}
		}
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		out := s.outbox
		s.outbox = nil
		s.mu.Unlock()
		for _, m := range out {
			router.SendMessageDontwait(m)
		}
	}
}

// accept splits the routing envelope from the request and serves it.
func (s *Server) accept(ctx context.Context, frames [][]byte) {
	s.requests.Add(1)
	// frames: identity, [more routing], empty delimiter, payload.
	split := -1
	for i, f := range frames {
		if len(f) == 0 {
			split = i
			break
		}
	}
	if split < 1 || split != len(frames)-2 {
		split = 0 // a DEALER without delimiter: identity, payload
		if len(frames) != 2 {
			return
		}
	}
	envelope := make([][]byte, 0, split+2)
	envelope = append(envelope, frames[:split+1]...)
	if split == 0 {
		envelope = frames[:1]
	}
	payload := frames[len(frames)-1]

	s.mu.Lock()
	fault, delay, token, gate := s.fault, s.delay, s.token, s.hangGate
	s.mu.Unlock()

	s.handlerWG.Add(1)
	go func() {
		defer s.handlerWG.Done()
		rep := s.serve(ctx, payload, token)
		if rep == nil || fault == Drop {
			return
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		if fault == Hang {
			select {
			case <-gate:
			case <-ctx.Done():
				return
			}
		}
		var data []byte
		switch fault {
		case Garbage:
			data = []byte("\x00\xffthis is not JSON {")
		case WrongID:
			rep.ID = "wrong-" + rep.ID
		case Oversized:
			data = oversizedReply(rep.ID, s.OversizeBytes)
		}
		if data == nil {
			data, _ = json.Marshal(rep)
		}
		if fault == NullID {
			data = bytes.Replace(data, []byte(`"id":"`+rep.ID+`"`), []byte(`"id":null`), 1)
		}
		msg := append(append([][]byte{}, envelope...), data)
		if fault == ExtraFrame {
			msg = append(msg, []byte("{}"))
		}
		s.enqueue(msg)
		if fault == Duplicate {
			s.enqueue(msg)
		}
	}()
}

func (s *Server) serve(ctx context.Context, payload []byte, token string) *stuiproto.Reply {
	return s.stampReply(s.serveUnstamped(ctx, payload, token))
}

func (s *Server) serveUnstamped(ctx context.Context, payload []byte, token string) *stuiproto.Reply {
	var req stuiproto.Request
	if err := json.Unmarshal(payload, &req); err != nil {
		var head struct {
			ID string `json:"id"`
		}
		json.Unmarshal(payload, &head)
		return ErrorReply(head.ID, stuiproto.ErrInvalidRequest, "Request is not valid JSON: "+err.Error())
	}
	if req.ID == "" || req.Command == "" {
		return ErrorReply(req.ID, stuiproto.ErrInvalidRequest, "Request needs an id and a command")
	}
	if req.Command == stuiproto.CmdPing {
		var p stuiproto.PingParams
		if json.Unmarshal(req.Parameters, &p) == nil && p.Challenge != nil {
			return s.answerChallenge(ctx, &req, p.Challenge, token)
		}
	}
	if token != "" && req.Token != token {
		return ErrorReply(req.ID, stuiproto.ErrPermissionDenied, "Missing or invalid token")
	}
	rep := s.handler.ServeSTUI(ctx, &req)
	if rep != nil && rep.ID == "" {
		rep.ID = req.ID
	}
	return rep
}

// answerChallenge answers a ping that carries a challenge, token or not (the
// client sends it before it trusts the server with its token): the handler's
// ping result, with the proof when the server holds a token and is bound to
// the endpoint the client dialled.
func (s *Server) answerChallenge(ctx context.Context, req *stuiproto.Request, ch *stuiproto.ImageChallenge, token string) *stuiproto.Reply {
	rep := s.handler.ServeSTUI(ctx, req)
	if rep == nil || rep.Status != stuiproto.StatusSuccess || token == "" || !stuiproto.EndpointDesignates(ch.Endpoint, s.Endpoint) {
		return rep
	}
	var result map[string]any
	if json.Unmarshal(rep.Result, &result) != nil {
		return rep
	}
	result["proof"] = stuiproto.ImageProof(token, ch.Endpoint, ch.Nonce)
	data, err := json.Marshal(result)
	if err != nil {
		return rep
	}
	rep.Result = data
	return rep
}

func (s *Server) stampReply(rep *stuiproto.Reply) *stuiproto.Reply {
	if rep != nil && rep.Timestamp == "" {
		rep.Timestamp = stamp(time.Now())
	}
	return rep
}

// Success builds a success reply with result encoded as JSON.
func Success(id string, result any) *stuiproto.Reply {
	data, err := json.Marshal(result)
	if err != nil {
		return ErrorReply(id, stuiproto.ErrInternal, "Could not encode the result: "+err.Error())
	}
	return &stuiproto.Reply{ID: id, Status: stuiproto.StatusSuccess, Result: data}
}

// ErrorReply builds an error reply.
func ErrorReply(id, errorType, message string) *stuiproto.Reply {
	return &stuiproto.Reply{ID: id, Status: stuiproto.StatusError, ErrorType: errorType, Error: message}
}

// oversizedReply is a well-formed success reply of about size bytes, written
// directly: encoding a 10 MB string with encoding/json takes seconds under
// the race detector, long enough to turn "too large" into "too slow".
func oversizedReply(id string, size int) []byte {
	idJSON, _ := json.Marshal(id)
	head := `{"id":` + string(idJSON) + `,"status":"success","result":{"result":"`
	const tail = `"}}`
	pad := max(size-len(head)-len(tail), 0)
	data := make([]byte, 0, len(head)+pad+len(tail))
	data = append(data, head...)
	data = append(data, bytes.Repeat([]byte{'x'}, pad)...)
	return append(data, tail...)
}
