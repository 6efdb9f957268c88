// Package dap is stui-lsp's debug adapter: the Debug Adapter Protocol over a
// stream (stdio), with github.com/google/go-dap's message types, on top of
// the STUI protocol's debugger commands (docs/protocol.md, debug_evaluate
// and after). One adapter debugs one process of the image at a time: the one
// it launched, or the one it attached to; its thread is thread 1.
//
// server.go reads and writes messages; requests.go answers each request;
// state.go holds the handles the client refers to (frames, variables,
// sources) and the process's state; sources.go maps the image's methods to
// the workspace's Tonel files and back; breakpoints.go sets the files'
// breakpoints in the image, and breakpoints_follow.go sets them again when a
// save's compile drops them.
package dap

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/google/go-dap"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk/index"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Options configure Serve.
type Options struct {
	// Image is the STUI client the adapter calls, when it is connected
	// already; else Dial makes one at launch or attach.
	Image stuiproto.Caller
	// Dial connects to an endpoint ("" for the default one).
	Dial func(endpoint string) (stuiproto.Caller, error)
	// Logger gets what the adapter does; never stdout.
	Logger *zap.Logger
	// Folder is the workspace folder when launch gives no cwd (default: the
	// adapter's working directory).
	Folder string
	// CacheDir is where the language server remembers sessions (default:
	// sessionmemory.DefaultCacheDir).
	CacheDir string
	// Endpoint is the image's endpoint, as the session memory records it.
	Endpoint string
	// CallTimeout bounds each call to the image that runs no code
	// (default 10 s).
	CallTimeout time.Duration
	// EvaluateTimeout bounds a launched evaluation until it stops or ends
	// (default 30 s: a process still running then is suspended).
	EvaluateTimeout time.Duration
}

// server is one adapter connection.
type server struct {
	opts Options
	log  *zap.Logger
	img  stuiproto.Caller

	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup

	writeMu sync.Mutex
	w       *bufio.Writer
	seq     int

	st state
	// following starts the follower of breakpointed files once; it runs
	// until followCtx ends, which disconnect ends first.
	following  sync.Once
	followCtx  context.Context
	followStop context.CancelFunc
	// index is the workspace's Tonel files, read at launch or attach;
	// indexed is the stamp of each file when last compared with the index.
	index     *index.Index
	indexedMu sync.Mutex
	indexed   map[string]fileStamp
}

// Serve runs the adapter on r and w until the client disconnects, r ends or
// ctx is done. Malformed input gets an error reply and is skipped.
func Serve(ctx context.Context, r io.Reader, w io.Writer, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 10 * time.Second
	}
	if opts.EvaluateTimeout <= 0 {
		opts.EvaluateTimeout = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &server{opts: opts, log: opts.Logger, img: opts.Image, ctx: ctx, cancel: cancel, w: bufio.NewWriter(w)}
	s.st.init()
	s.followCtx, s.followStop = context.WithCancel(ctx)
	defer func() {
		cancel()
		s.bg.Wait()
	}()
	br := bufio.NewReader(r)
	for {
		if ctx.Err() != nil {
			s.log.Info("stopped", zap.Error(context.Cause(ctx)))
			return nil
		}
		body, err := dap.ReadBaseMessage(br)
		if err != nil {
			var bpe *dap.BaseProtocolError
			if errors.As(err, &bpe) {
				s.log.Warn("bad message framing", zap.Error(err))
				s.sendEvent(&dap.OutputEvent{Event: s.event("output"), Body: dap.OutputEventBody{Category: "stderr", Output: "stui-lsp dap: " + err.Error() + "\n"}})
				continue
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				// Gone without a disconnect: its breakpoints must not stay
				// in the image.
				s.log.Info("the client closed the stream")
				s.followStop()
				s.removeAllBreakpoints()
				return nil
			}
			return err
		}
		msg, err := dap.DecodeProtocolMessage(body)
		if err != nil {
			s.replyUndecodable(body, err)
			continue
		}
		req, ok := msg.(dap.RequestMessage)
		if !ok {
			continue // responses to requests the adapter never sends, events
		}
		if s.dispatch(req) {
			return nil
		}
	}
}

// replyUndecodable answers a message go-dap could not decode, when it was a
// request, with an error response naming what was wrong.
func (s *server) replyUndecodable(body []byte, err error) {
	var head struct {
		Seq     int    `json:"seq"`
		Type    string `json:"type"`
		Command string `json:"command"`
	}
	if json.Unmarshal(body, &head) != nil || head.Type != "request" {
		s.log.Warn("undecodable message", zap.Error(err))
		s.sendEvent(&dap.OutputEvent{Event: s.event("output"), Body: dap.OutputEventBody{Category: "stderr", Output: "stui-lsp dap: ignored a malformed message: " + err.Error() + "\n"}})
		return
	}
	var fe *dap.DecodeProtocolMessageFieldError
	text := "malformed request: " + err.Error()
	if errors.As(err, &fe) && fe.FieldName == "command" {
		text = fmt.Sprintf("unsupported request %q", head.Command)
	}
	s.sendError(dap.Request{ProtocolMessage: dap.ProtocolMessage{Seq: head.Seq, Type: "request"}, Command: head.Command}, 1, text)
}

// go runs fn in the background until the connection ends; a panic in it is
// logged, not fatal.
func (s *server) goBackground(name string, fn func()) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("background work panicked", zap.String("work", name), zap.Any("panic", p))
			}
		}()
		fn()
	}()
}

func (s *server) send(m dap.Message) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	switch v := m.(type) {
	case dap.ResponseMessage:
		v.GetResponse().Seq = s.nextSeqLocked()
	case dap.EventMessage:
		v.GetEvent().Seq = s.nextSeqLocked()
	}
	if err := dap.WriteProtocolMessage(s.w, m); err != nil {
		s.log.Warn("cannot write", zap.Error(err))
		return
	}
	if err := s.w.Flush(); err != nil {
		s.log.Warn("cannot write", zap.Error(err))
	}
}

func (s *server) nextSeqLocked() int {
	s.seq++
	return s.seq
}

func (s *server) sendEvent(e dap.EventMessage) { s.send(e) }

func (s *server) event(name string) dap.Event {
	return dap.Event{ProtocolMessage: dap.ProtocolMessage{Type: "event"}, Event: name}
}

func response(req dap.Request) dap.Response {
	return dap.Response{ProtocolMessage: dap.ProtocolMessage{Type: "response"}, Command: req.Command, RequestSeq: req.Seq, Success: true}
}

func (s *server) sendError(req dap.Request, id int, text string) {
	r := response(req)
	r.Success = false
	r.Message = text
	s.send(&dap.ErrorResponse{Response: r, Body: dap.ErrorResponseBody{Error: &dap.ErrorMessage{Id: id, Format: text, ShowUser: true}}})
}

// call sends one command to the image with the adapter's call timeout (or
// the command's own wait when it is longer).
func call[P, R any](s *server, cmd stuiproto.Command[P, R], p P) (R, error) {
	return callIn(s.ctx, s, cmd, p)
}

// callIn is call within ctx, for background work that stops before the
// connection does.
func callIn[P, R any](ctx context.Context, s *server, cmd stuiproto.Command[P, R], p P) (R, error) {
	wait := s.opts.CallTimeout
	if w := cmd.Wait(p); w > wait {
		wait = w
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var r R
	err := stuiproto.Call(ctx, s.img, cmd, p, &r)
	return r, err
}

// imageError says what went wrong with a call, for a person.
func imageError(err error) string {
	var re *stuiproto.RemoteError
	switch {
	case errors.As(err, &re):
		return re.Error()
	case stuiproto.IsConnectionError(err):
		return "the image does not answer: " + err.Error()
	}
	return err.Error()
}
