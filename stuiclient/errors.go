package stuiclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Sentinel errors, matched with errors.Is. The transport ones are those of
// stuiproto, so code that does not import this package can test for them.
var (
	// ErrUnavailable: no image answers at the endpoint (nothing listens, the
	// connection was lost, or the request could not even be sent).
	ErrUnavailable = stuiproto.ErrUnavailable
	// ErrDeadline: the request was sent over a live connection but no reply
	// came before the deadline.
	ErrDeadline = stuiproto.ErrDeadline
	// ErrCanceled: the caller's context was canceled. The error also matches
	// context.Canceled.
	ErrCanceled = stuiproto.ErrCanceled
	// ErrReplyTooLarge: the reply exceeded the client's maximum reply size.
	ErrReplyTooLarge = stuiproto.ErrReplyTooLarge
	// ErrBadReply: the reply was not a valid STUI reply.
	ErrBadReply = stuiproto.ErrBadReply
	// ErrClosed: the client was closed.
	ErrClosed = errors.New("stui: client closed")
	// ErrCurveUnsupported: CURVE was asked for but libzmq was built without it.
	ErrCurveUnsupported = errors.New("stui: libzmq has no CURVE support")
)

// CallError is the error of one call that failed on the client's side of the
// wire. Kind is one of the sentinel errors above; Cause, when set, says more
// (a context error, a decoding error).
type CallError struct {
	Command string
	ID      string
	Kind    error
	Cause   error
	Detail  string
}

func (e *CallError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s", e.Kind, e.Command)
	if e.ID != "" {
		fmt.Fprintf(&b, " id %s", e.ID)
	}
	b.WriteString(")")
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Cause != nil {
		b.WriteString(": " + e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the kind and the cause, so errors.Is matches either.
func (e *CallError) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// VersionMismatchError reports that the image speaks another major version of
// the protocol. Ping returns it together with a valid result.
type VersionMismatchError = stuiproto.VersionMismatchError

// InsecureTokenError refuses to send a token in clear text to a host other
// than this machine.
type InsecureTokenError struct {
	Endpoint string
}

func (e *InsecureTokenError) Error() string {
	return fmt.Sprintf("stui: refusing to send the token unencrypted to %s: use a loopback or ipc endpoint, or enable CURVE", e.Endpoint)
}

func ctxError(command, id string, err error, sent, connected bool, waited time.Duration) error {
	if errors.Is(err, context.Canceled) {
		return &CallError{Command: command, ID: id, Kind: ErrCanceled, Cause: err}
	}
	d := fmt.Sprintf("no reply after %v", waited.Round(time.Millisecond))
	switch {
	case !sent:
		return &CallError{Command: command, ID: id, Kind: ErrUnavailable, Cause: err, Detail: d + ", the request could not be sent (no connection)"}
	case !connected:
		return &CallError{Command: command, ID: id, Kind: ErrUnavailable, Cause: err, Detail: d + ", the connection is down"}
	}
	return &CallError{Command: command, ID: id, Kind: ErrDeadline, Cause: err, Detail: d}
}
