package stuitest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Replay is a Handler that answers from protocol vectors: a request whose
// command and parameters equal a vector's (as JSON values) gets that
// vector's reply under the request's id. Setup steps are not run; literals
// such as session ids are used as written. Anything else is answered by
// Fallback, or with UnsupportedOperation when Fallback is nil.
type Replay struct {
	Fallback Handler
	entries  []replayEntry
}

type replayEntry struct {
	command string
	params  any
	reply   stuiproto.Reply
}

// NewReplay builds a Replay from vectors (see stuiproto.LoadVectors). Two
// vectors with the same command and parameters are an error.
func NewReplay(vectors []stuiproto.Vector) (*Replay, error) {
	r := &Replay{}
	for _, v := range vectors {
		p, err := jsonValue(v.Request.Parameters)
		if err != nil {
			return nil, fmt.Errorf("vector %s: %w", v.Name, err)
		}
		if e := r.find(v.Request.Command, p); e != nil {
			return nil, fmt.Errorf("vector %s: same command and parameters as an earlier vector", v.Name)
		}
		r.entries = append(r.entries, replayEntry{command: v.Request.Command, params: p, reply: v.Reply})
	}
	return r, nil
}

func jsonValue(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return map[string]any{}, nil
	}
	var v any
	err := json.Unmarshal(raw, &v)
	if v == nil {
		v = map[string]any{}
	}
	return v, err
}

func (r *Replay) find(command string, params any) *replayEntry {
	for i := range r.entries {
		if r.entries[i].command == command && reflect.DeepEqual(r.entries[i].params, params) {
			return &r.entries[i]
		}
	}
	return nil
}

// ServeSTUI answers req from the vectors.
func (r *Replay) ServeSTUI(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
	p, err := jsonValue(req.Parameters)
	if err != nil {
		return ErrorReply(req.ID, stuiproto.ErrInvalidRequest, "parameters: "+err.Error())
	}
	if e := r.find(req.Command, p); e != nil {
		rep := e.reply
		rep.ID = req.ID
		return &rep
	}
	if r.Fallback != nil {
		return r.Fallback.ServeSTUI(ctx, req)
	}
	return ErrorReply(req.ID, stuiproto.ErrUnsupportedOperation, "no vector for this "+req.Command+" request")
}
