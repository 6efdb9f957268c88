package lsp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

type readOnly struct{ io.Reader }

func (readOnly) Write(b []byte) (int, error) { return len(b), nil }
func (readOnly) Close() error                { return nil }

func lspFrame(body string) string {
	return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
}

func TestFramingLimits(t *testing.T) {
	big := strings.Repeat("x", 5<<20)
	input := lspFrame(`{"a":1}`) + lspFrame(big) + fmt.Sprintf("Content-Length: %d\r\n\r\n", maxFrameBytes+1) + strings.Repeat(" ", maxFrameBytes+1) + lspFrame(`{"b":2}`)
	s := newBoundedStream(readOnly{strings.NewReader(input)})
	ctx := context.Background()
	if body, _, err := s.ReadFrame(ctx); err != nil || string(body) != `{"a":1}` {
		t.Fatalf("first frame %q, %v", body, err)
	}
	if body, _, err := s.ReadFrame(ctx); err != nil || len(body) != len(big) {
		t.Fatalf("big frame: %d bytes, %v", len(body), err)
	}
	if cap(s.buf) > keptFrameBuffer {
		t.Errorf("a %d-byte buffer kept after a large message", cap(s.buf))
	}
	var tooLarge *frameTooLargeError
	if _, _, err := s.ReadFrame(ctx); !errors.As(err, &tooLarge) {
		t.Fatalf("frame over the limit: %v", err)
	}
	if body, _, err := s.ReadFrame(ctx); err != nil || string(body) != `{"b":2}` {
		t.Fatalf("the frame after the refused one: %q, %v", body, err)
	}
	if _, _, err := s.ReadFrame(ctx); err != io.EOF {
		t.Fatalf("at the end: %v, want EOF", err)
	}
}

func TestFramingRefusesUnboundedHeaders(t *testing.T) {
	for name, input := range map[string]string{
		"endless header line":  strings.Repeat("X", 1<<20),
		"long header line":     "X-Junk: " + strings.Repeat("y", 2000) + "\r\n\r\n{}",
		"endless header block": strings.Repeat("X-Junk: 1\r\n", 1000),
		"20-digit length":      "Content-Length: 99999999999999999999\r\n\r\n{}",
		"negative length":      "Content-Length: -5\r\n\r\n{}",
		"no length":            "X-Nothing: 1\r\n\r\n{}",
	} {
		s := newBoundedStream(readOnly{bytes.NewReader([]byte(input))})
		if _, _, err := s.ReadFrame(context.Background()); !errors.Is(err, errInvalidHeader) {
			t.Errorf("%s: %v, want an invalid header", name, err)
		}
	}
}
