package mcp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/zap"
)

// maxLine bounds one message from the client, as the SDK's own transport does.
const maxLine = sdk.DefaultMaxLineLength

// NewStdioTransport is MCP's stdio transport (one JSON-RPC message a line)
// over in and out, which answers a line that is not a JSON-RPC message with
// a JSON-RPC error and reads on. The SDK's transport ends the connection on
// such a line: one stray line from a client would end the agent's session.
func NewStdioTransport(in io.Reader, out io.Writer, log *zap.Logger) sdk.Transport {
	if log == nil {
		log = zap.NewNop()
	}
	w := &lockedWriter{w: out}
	pr, pw := io.Pipe()
	go filterLines(in, pw, w, log)
	return &sdk.IOTransport{Reader: pr, Writer: w}
}

// lockedWriter makes each Write whole: the SDK writes a message in one call,
// and so do the error replies of filterLines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) Close() error { return nil }

// filterLines copies the messages of in to pw, line by line, and answers
// every other line on out. It closes pw when in ends.
func filterLines(in io.Reader, pw *io.PipeWriter, out io.Writer, log *zap.Logger) {
	r := bufio.NewReaderSize(in, 64<<10)
	for {
		line, tooLong, err := readLine(r)
		if tooLong {
			log.Warn("client message too long", zap.Int("limit", maxLine))
			reply(out, nil, jsonrpc.CodeParseError, fmt.Sprintf("message longer than %d bytes", maxLine))
		} else if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 {
			if id, code, msg, ok := check(trimmed); !ok {
				log.Warn("not a JSON-RPC message from the client", zap.String("why", msg), zap.ByteString("line", capBytes(trimmed, 200)))
				reply(out, id, code, msg)
			} else if _, werr := pw.Write(append(trimmed, '\n')); werr != nil {
				return // the server stopped reading
			}
		}
		if err != nil {
			_ = pw.CloseWithError(err)
			return
		}
	}
}

// readLine reads one line, without its newline. A line past maxLine is
// read to its end and dropped.
func readLine(r *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, e := r.ReadSlice('\n')
		if len(line)+len(chunk) > maxLine {
			tooLong = true
		}
		if !tooLong {
			line = append(line, chunk...)
		}
		if e == bufio.ErrBufferFull {
			continue
		}
		if tooLong {
			line = nil
		}
		return bytes.TrimSuffix(line, []byte("\n")), tooLong, e
	}
}

// check reports whether line is one JSON-RPC message the SDK can take, and
// if not, what to answer: a parse error, or an invalid request with its id
// when one can be read.
func check(line []byte) (id any, code int64, why string, ok bool) {
	if !json.Valid(line) {
		return nil, jsonrpc.CodeParseError, "parse error: the line is not JSON", false
	}
	if line[0] == '[' {
		return nil, jsonrpc.CodeInvalidRequest, "JSON-RPC batches are not supported: send one message a line", false
	}
	var probe struct {
		ID any `json:"id"`
	}
	decoded, err := jsonrpc.DecodeMessage(line)
	if err != nil {
		_ = json.Unmarshal(line, &probe)
		return probe.ID, jsonrpc.CodeInvalidRequest, "invalid request: " + err.Error(), false
	}
	// With an id and no method the SDK takes it for a response and drops
	// it in silence; without a result or an error it is neither.
	if resp, isResponse := decoded.(*jsonrpc.Response); isResponse && len(resp.Result) == 0 && resp.Error == nil {
		_ = json.Unmarshal(line, &probe)
		return probe.ID, jsonrpc.CodeInvalidRequest, "invalid request: neither a request (no method) nor a response (no result or error)", false
	}
	return nil, 0, "", true
}

func reply(out io.Writer, id any, code int64, msg string) {
	data, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{"code": code, "message": msg}})
	if err != nil {
		return
	}
	_, _ = out.Write(append(data, '\n'))
}

func capBytes(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	return b[:n]
}
