package stuiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Call sends command with params and decodes the reply's result into result
// (a pointer, or nil to ignore it). stuiproto.Call is its typed form. The
// deadline is ctx's, or else the client's default timeout, or the command's
// own wait when the table gives a longer one (an evaluation waits for its
// timeout_ms plus stuiproto.EvaluateMargin). The request id is generated
// unless ctx carries one from stuiproto.WithRequestID.
func (c *Client) Call(ctx context.Context, command string, params, result any) error {
	if _, ok := ctx.Deadline(); !ok {
		timeout := c.o.timeout
		if spec, known := stuiproto.Lookup(command); known {
			timeout = max(timeout, spec.Wait(params))
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	id, ok := stuiproto.RequestIDFromContext(ctx)
	if !ok {
		id = strconv.FormatUint(c.nextID.Add(1), 10)
	}
	encoded, err := encodeParams(params)
	if err != nil {
		return fmt.Errorf("stui %s: encoding parameters: %w", command, err)
	}
	payload := encodeRequest(id, command, c.o.token, encoded)
	if err := ctx.Err(); err != nil {
		return ctxError(command, id, err, false, c.connected.Load(), 0)
	}

	if err := c.authError(); err != nil && !c.connected.Load() {
		// The peer at the endpoint failed to prove it is the image: do not
		// queue the token and the code for it.
		c.unavailable.Add(1)
		return &CallError{Command: command, ID: id, Kind: ErrUnavailable, Cause: err}
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
		case errors.Is(err, ErrDeadline):
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

// encodeParams is a request's parameters as JSON: {} for none.
func encodeParams(params any) (json.RawMessage, error) {
	if params == nil {
		return json.RawMessage("{}"), nil
	}
	return json.Marshal(params)
}

// encodeRequest writes the envelope of stuiproto.Request around params
// (compact JSON, as json.Marshal makes it) without a second pass over them:
// the bytes are those json.Marshal(&stuiproto.Request{...}) gives, at a
// third of its cost.
func encodeRequest(id, command, token string, params json.RawMessage) []byte {
	buf := make([]byte, 0, len(params)+len(id)+len(command)+len(token)+48)
	buf = append(buf, `{"id":`...)
	buf = appendJSONString(buf, id)
	buf = append(buf, `,"command":`...)
	buf = appendJSONString(buf, command)
	if len(params) > 0 {
		buf = append(buf, `,"parameters":`...)
		buf = append(buf, params...)
	}
	if token != "" {
		buf = append(buf, `,"token":`...)
		buf = appendJSONString(buf, token)
	}
	return append(buf, '}')
}

// appendJSONString appends s as json.Marshal quotes it: as it is when no byte
// needs escaping (ids, command names and tokens are plain ASCII), else
// through json.Marshal.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			quoted, _ := json.Marshal(s)
			return append(buf, quoted...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
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
	if err := cn.send(cl.payload); err != nil {
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
	readable, _, err := cn.ready()
	c.sockMu.Unlock()
	if err != nil || readable {
		c.kick()
	}
	return true
}
