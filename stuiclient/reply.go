package stuiclient

import (
	"bytes"
	"encoding/json"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// replyOptions make the one-pass decoder (encoding/json/v2's reference
// implementation, which go.lsp.dev/protocol brings in already) accept what
// encoding/json accepts in a reply: keys in any case (but with their
// underscores and dashes, which v2 would otherwise ignore), a repeated key,
// bytes that are not UTF-8 (mangled to U+FFFD, as encoding/json does).
var replyOptions = jsonv2.JoinOptions(
	jsonv2.MatchCaseInsensitiveNames(true),
	jsonv1.MatchCaseSensitiveDelimiter(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

// decodeReply decodes a reply and its result in one pass over the bytes (the
// result straight into the caller's value). encoding/json reads each byte of
// a reply four times here (validating, then decoding the envelope, then both
// again for the result) and was the largest single cost of a call in the
// server's profile. Only a reply that does not decode takes the slower path,
// encoding/json's, which says exactly what is wrong with it.
func decodeReply(command, id string, data []byte, result any) error {
	env := replyEnvelope{Result: resultSink{into: result}}
	if jsonv2.Unmarshal(data, &env, replyOptions) == nil && (env.Status == stuiproto.StatusSuccess || env.Status == stuiproto.StatusError) {
		if env.Status == stuiproto.StatusError {
			if env.ErrorType == "" {
				env.ErrorType = "Error"
			}
			rep := stuiproto.Reply{ID: env.ID, Status: env.Status, Error: env.Error, ErrorType: env.ErrorType, Details: env.Details, StackTrace: env.StackTrace}
			return rep.Err(command)
		}
		if result != nil && (!env.Result.seen || env.Result.null) {
			return &CallError{Command: command, ID: id, Kind: ErrBadReply, Detail: "success reply without a result"}
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

func (r *resultSink) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	r.seen = true
	if dec.PeekKind() == 'n' {
		r.null = true
		_, err := dec.ReadToken()
		return err
	}
	if r.into == nil {
		return dec.SkipValue()
	}
	return jsonv2.UnmarshalDecode(dec, r.into, replyOptions)
}

func decodeReplySlowly(command, id string, data []byte, result any) error {
	rep, err := stuiproto.DecodeReply(data)
	if err != nil {
		return &CallError{Command: command, ID: id, Kind: ErrBadReply, Cause: err}
	}
	if err := rep.Err(command); err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	if len(rep.Result) == 0 || bytes.Equal(rep.Result, []byte("null")) {
		return &CallError{Command: command, ID: id, Kind: ErrBadReply, Detail: "success reply without a result"}
	}
	if err := json.Unmarshal(rep.Result, result); err != nil {
		return &CallError{Command: command, ID: id, Kind: ErrBadReply, Cause: err}
	}
	return nil
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
