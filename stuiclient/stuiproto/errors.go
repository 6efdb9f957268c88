package stuiproto

import (
	"context"
	"errors"
)

// TransportError is the type of the transport-level failures below, which
// every client reports, so that code which only knows the protocol (the
// language server) can tell them apart with errors.Is without importing the
// ZeroMQ client, and can word a message from Reason without repeating the
// "stui: " that Error puts first.
type TransportError struct {
	Reason string
}

func (e *TransportError) Error() string { return "stui: " + e.Reason }

var (
	// ErrUnavailable: no image answers at the endpoint.
	ErrUnavailable error = &TransportError{"image unavailable"}
	// ErrDeadline: the image did not answer before the deadline.
	ErrDeadline error = &TransportError{"request timed out"}
	// ErrCanceled: the caller gave up on the request.
	ErrCanceled error = &TransportError{"request canceled"}
	// ErrReplyTooLarge: the reply exceeded the client's size limit.
	ErrReplyTooLarge error = &TransportError{"reply too large"}
	// ErrBadReply: the reply could not be understood.
	ErrBadReply error = &TransportError{"malformed reply"}
)

// IsConnectionError reports whether err means the image could not be reached
// (as opposed to the image answering with an error).
func IsConnectionError(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, ErrDeadline)
}

type requestIDKey struct{}

// WithRequestID asks the client to send the request made with ctx under id, so
// that the caller can later interrupt it by that id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFromContext returns the id set by WithRequestID, if any.
func RequestIDFromContext(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(requestIDKey{}).(string)
	return id, ok && id != ""
}
