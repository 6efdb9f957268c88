package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// lspCodec marshals LSP payloads with the protocol package's union-aware
// codec; encoding/json cannot decode the protocol's sealed-interface unions.
type lspCodec struct{}

func (lspCodec) Marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case jsonrpc2.RawMessage:
		if m == nil {
			return []byte("null"), nil
		}
		return m, nil
	case *jsonrpc2.RawMessage:
		if m == nil || *m == nil {
			return []byte("null"), nil
		}
		return *m, nil
	case protocol.LSPAny:
		// Encoded already (workspace/executeCommand's results): checked,
		// not encoded again.
		if m.IsValid() {
			return m, nil
		}
	}
	return protocol.Marshal(v)
}

func (lspCodec) Unmarshal(data []byte, v any) error {
	if p, ok := v.(*jsonrpc2.RawMessage); ok {
		*p = append((*p)[:0], data...)
		return nil
	}
	return protocol.Unmarshal(data, v)
}

// frameReader is the raw-frame side of jsonrpc2's header stream.
type frameReader interface {
	ReadFrame(ctx context.Context) ([]byte, int64, error)
}

// tolerantStream answers a frame that is not valid JSON-RPC with a parse error
// instead of letting it end the connection, as JSON-RPC 2.0 asks. Framing
// errors (a broken header) still end it: after one the stream cannot be
// trusted to find the next message boundary.
//
// It also reports to editorGone that the editor is gone: a write failed (its
// end of the pipe is closed), or reading ended (stdin closed, or a broken
// header). jsonrpc2 ends the connection only once no handler runs, and a
// handler waiting on a 30-second evaluation would keep the process alive
// that long, with nobody to answer.
type tolerantStream struct {
	jsonrpc2.Stream
	frames     frameReader
	editorGone func()
}

func newTolerantStream(s jsonrpc2.Stream, editorGone func()) *tolerantStream {
	fr, _ := s.(frameReader)
	return &tolerantStream{Stream: s, frames: fr, editorGone: editorGone}
}

func (t *tolerantStream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	n, err := t.Stream.Write(ctx, msg)
	if err != nil && ctx.Err() == nil {
		t.editorGone()
	}
	return n, err
}

func (t *tolerantStream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	growStack(0, 1)
	if t.frames == nil {
		msg, n, err := t.Stream.Read(ctx)
		if err != nil {
			t.editorGone()
		}
		return msg, n, err
	}
	for {
		frame, n, err := t.frames.ReadFrame(ctx)
		var tooLarge *frameTooLargeError
		if errors.As(err, &tooLarge) {
			reply := jsonrpc2.NewResponse(jsonrpc2.ID{}, nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, err.Error()))
			if _, werr := t.Stream.Write(ctx, reply); werr != nil {
				return nil, 0, werr
			}
			continue
		}
		if err != nil {
			t.editorGone()
			return nil, 0, err
		}
		msg, err := jsonrpc2.DecodeMessage(frame)
		if err == nil {
			return msg, n, nil
		}
		// Valid JSON that is not a request object (a number, null, a batch,
		// which LSP does not use) is an Invalid Request; anything else a
		// Parse error.
		code := jsonrpc2.ParseError
		if body := bytes.TrimSpace(frame); len(body) > 0 && validJSON(body) {
			code = jsonrpc2.InvalidRequest
		}
		reply := jsonrpc2.NewResponse(jsonrpc2.ID{}, nil, jsonrpc2.NewError(code, "stui-lsp: ignored a malformed message: "+err.Error()))
		if _, werr := t.Stream.Write(ctx, reply); werr != nil {
			return nil, 0, werr
		}
	}
}

func validJSON(b []byte) bool {
	var v any
	return json.Unmarshal(b, &v) == nil
}
