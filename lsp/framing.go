package lsp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"go.lsp.dev/jsonrpc2"
)

// The LSP base protocol's framing, with limits: an editor (or anything else on
// stdin) decides how long a header line is and how many bytes a message
// claims, and jsonrpc2's own reader believes both.
const (
	// maxHeaderLine bounds one header line; real ones are under 100 bytes.
	maxHeaderLine = 1 << 10
	// maxHeaderLines bounds a header block.
	maxHeaderLines = 32
	// maxFrameBytes bounds one message. A larger one is read past and
	// refused; the connection goes on.
	maxFrameBytes = 128 << 20
	// keptFrameBuffer is the largest body buffer kept for the next message:
	// a closed 100 MB document must not leave 100 MB behind.
	keptFrameBuffer = 1 << 20
)

// errInvalidHeader is a header the stream cannot recover from: it cannot
// know where the next message starts.
var errInvalidHeader = errors.New("stui-lsp: invalid LSP header")

// frameTooLargeError is a message over maxFrameBytes, read past: the stream
// is still in step.
type frameTooLargeError struct{ length int64 }

func (e *frameTooLargeError) Error() string {
	return fmt.Sprintf("stui-lsp: a message of %d bytes is over the limit of %d MiB; it was ignored", e.length, maxFrameBytes>>20)
}

// boundedStream reads LSP frames within the limits above and writes them
// (see Write); jsonrpc2's header stream only closes.
type boundedStream struct {
	jsonrpc2.Stream // closes
	in              *bufio.Reader
	buf             []byte
	out             *batchWriter
}

func newBoundedStream(rwc io.ReadWriteCloser) *boundedStream {
	return &boundedStream{Stream: jsonrpc2.NewHeaderStream(rwc), in: bufio.NewReaderSize(rwc, 64<<10), out: &batchWriter{w: rwc}}
}

// Write frames msg and writes it, together with the messages other
// goroutines write meanwhile (see batchWriter).
func (s *boundedStream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.out.write(msg)
}

// Close waits for the messages written so far to be out, then closes.
func (s *boundedStream) Close() error {
	s.out.drain()
	return s.Stream.Close()
}

func (s *boundedStream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	frame, n, err := s.ReadFrame(ctx)
	if err != nil {
		return nil, 0, err
	}
	msg, err := jsonrpc2.DecodeMessage(frame)
	return msg, n, err
}

// ReadFrame returns the body of the next message. The body is valid until the
// next call.
func (s *boundedStream) ReadFrame(ctx context.Context) ([]byte, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	length, headerLen, err := s.readHeader()
	if err != nil {
		return nil, 0, err
	}
	if length > maxFrameBytes {
		if _, err := io.CopyN(io.Discard, s.in, length); err != nil {
			return nil, 0, io.ErrUnexpectedEOF
		}
		return nil, headerLen + length, &frameTooLargeError{length}
	}
	body := s.buf
	if int64(cap(body)) < length {
		body = make([]byte, length)
		if length <= keptFrameBuffer {
			s.buf = body
		}
	}
	body = body[:length]
	if _, err := io.ReadFull(s.in, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, 0, err
	}
	return body, headerLen + length, nil
}

// readHeader reads a header block and returns its Content-Length.
func (s *boundedStream) readHeader() (length, consumed int64, err error) {
	length = -1
	for lines := 0; ; lines++ {
		if lines == maxHeaderLines {
			return 0, 0, fmt.Errorf("%w: more than %d header lines", errInvalidHeader, maxHeaderLines)
		}
		line, err := s.in.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull) || len(line) > maxHeaderLine:
			return 0, 0, fmt.Errorf("%w: a header line over %d bytes", errInvalidHeader, maxHeaderLine)
		case err == io.EOF && len(line) == 0 && lines == 0:
			return 0, 0, io.EOF
		case err != nil:
			return 0, 0, io.ErrUnexpectedEOF
		}
		consumed += int64(len(line))
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, 0, fmt.Errorf("%w: %q", errInvalidHeader, line)
		}
		if !bytes.EqualFold(bytes.TrimSpace(name), []byte("Content-Length")) {
			continue
		}
		v := bytes.TrimSpace(value)
		// Nineteen digits fit an int64; more is no length anyone sends.
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || n <= 0 || len(v) > 19 {
			return 0, 0, fmt.Errorf("%w: Content-Length %q", errInvalidHeader, v)
		}
		length = n
	}
	if length < 0 {
		return 0, 0, fmt.Errorf("%w: no Content-Length", errInvalidHeader)
	}
	return length, consumed, nil
}
