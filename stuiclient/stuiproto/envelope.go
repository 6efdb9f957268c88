// Package stuiproto holds the STUI protocol's wire types: the request and reply
// envelopes, the parameters and results of every command, and the error types.
// It is pure Go so that packages which only speak about the protocol (the
// language server, tests, fuzzers) need neither cgo nor libzmq.
//
// The contract is docs/protocol.md; testdata/protocol holds one request/reply
// pair per command and per documented error.
package stuiproto

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Version is the protocol version this module speaks.
const Version = "1.3.0"

// MaxMessageSize caps one message in either direction.
const MaxMessageSize = 10 << 20

// Request is the envelope of one request.
type Request struct {
	ID         string          `json:"id"`
	Command    string          `json:"command"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
	Token      string          `json:"token,omitempty"`
}

// Reply is the envelope of one reply. Result is kept raw so the caller decodes
// it into the command's own result type.
type Reply struct {
	ID         string          `json:"id"`
	Status     string          `json:"status"`
	Result     json.RawMessage `json:"result,omitempty"`
	Error      string          `json:"error,omitempty"`
	ErrorType  string          `json:"error_type,omitempty"`
	Details    *ErrorDetails   `json:"details,omitempty"`
	StackTrace []string        `json:"stack_trace,omitempty"`
	Timestamp  string          `json:"timestamp,omitempty"`
}

// Reply statuses.
const (
	StatusSuccess = "success"
	StatusError   = "error"
)

// ErrorDetails is the machine-readable part of an error reply.
type ErrorDetails struct {
	Line       int    `json:"line,omitempty"`
	Column     int    `json:"column,omitempty"`
	Position   int    `json:"position,omitempty"`
	ErrorClass string `json:"error_class,omitempty"`
	// The details of a run_tests Timeout (1.3): what the run had done.
	*TimedOutRun
}

// Error types, as in docs/protocol.md.
const (
	ErrInvalidRequest       = "InvalidRequest"
	ErrUnsupportedOperation = "UnsupportedOperation"
	ErrPermissionDenied     = "PermissionDenied"
	ErrSession              = "SessionError"
	ErrSessionNotFound      = "SessionNotFound"
	ErrSessionExpired       = "SessionExpired"
	ErrSyntax               = "SyntaxError"
	ErrCompile              = "CompileError"
	ErrRuntime              = "RuntimeError"
	ErrTimeout              = "Timeout"
	ErrInterrupted          = "Interrupted"
	ErrObjectNotFound       = "ObjectNotFound"
	ErrClassNotFound        = "ClassNotFound"
	ErrMethodNotFound       = "MethodNotFound"
	ErrVariableNotFound     = "VariableNotFound"
	ErrInternal             = "InternalError"
)

// RemoteError is an error reply from the image. It satisfies error and is
// matched with errors.As; Type is the reply's error_type.
type RemoteError struct {
	Command    string
	Type       string
	Message    string
	Details    *ErrorDetails
	StackTrace []string
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("stui %s: %s: %s", e.Command, e.Type, e.Message)
}

// Is lets errors.Is(err, &RemoteError{Type: "SessionNotFound"}) match by type.
func (e *RemoteError) Is(target error) bool {
	t, ok := target.(*RemoteError)
	return ok && t.Type != "" && t.Type == e.Type && t.Message == ""
}

// DecodeReply parses one reply message. It never panics: bad input gives an
// error saying what is wrong with it.
func DecodeReply(data []byte) (*Reply, error) {
	if len(data) > MaxMessageSize {
		return nil, fmt.Errorf("reply of %d bytes exceeds the %d byte limit", len(data), MaxMessageSize)
	}
	var r Reply
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("reply is not valid JSON: %w", err)
	}
	switch r.Status {
	case StatusSuccess:
	case StatusError:
		if r.ErrorType == "" {
			r.ErrorType = "Error"
		}
	default:
		return nil, fmt.Errorf("reply %q has status %q, want %q or %q", r.ID, r.Status, StatusSuccess, StatusError)
	}
	return &r, nil
}

// Err turns an error reply into a *RemoteError, and a success reply into nil.
func (r *Reply) Err(command string) error {
	if r.Status != StatusError {
		return nil
	}
	return &RemoteError{Command: command, Type: r.ErrorType, Message: r.Error, Details: r.Details, StackTrace: r.StackTrace}
}

// MajorVersion returns the major number of a semver string, or -1.
func MajorVersion(v string) int {
	major, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return -1
	}
	return n
}
