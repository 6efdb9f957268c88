package lsp

import (
	"errors"
	"fmt"
	"strings"

	"go.lsp.dev/jsonrpc2"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// codeImageError is the JSON-RPC error code of a request that failed in or on
// the way to the image (in the range JSON-RPC leaves to servers).
const codeImageError jsonrpc2.Code = -32001

func errMethodNotFound(method string) error {
	return jsonrpc2.NewError(jsonrpc2.MethodNotFound, fmt.Sprintf("stui-lsp does not implement %q", method))
}

func errInvalidParams(format string, args ...any) error {
	return jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf(format, args...))
}

// imageError turns an error from the image into a reply error for the editor
// that says what happened and, where there is one, what to do.
func (s *server) imageError(err error) error {
	if err == nil {
		return nil
	}
	var remote *stuiproto.RemoteError
	switch {
	case errors.As(err, &remote):
		msg := remote.Type + ": " + remote.Message
		if d := remote.Details; d != nil && d.Line > 0 {
			msg += fmt.Sprintf(" (line %d, column %d)", d.Line, d.Column)
		}
		return jsonrpc2.NewError(codeImageError, msg)
	case errors.Is(err, stuiproto.ErrDeadline):
		return jsonrpc2.NewError(codeImageError,
			"the image did not answer in time; it may be busy with a long evaluation (stui.interrupt stops it) or hung: "+reason(err))
	case errors.Is(err, errNotConnected), errors.Is(err, stuiproto.ErrUnavailable):
		_, endpoint, lastErr := s.image.status()
		if endpoint == "" && lastErr != nil {
			// Without an endpoint the link's own error says why; the
			// caller's may be the bare errNotConnected.
			err = notConnected(lastErr)
		}
		return jsonrpc2.NewError(codeImageError, notConnectedMessage(endpoint, s.opts.DefaultEndpoint, err))
	case errors.Is(err, stuiproto.ErrCanceled):
		return err
	}
	// The client's errors say "stui: " themselves.
	return jsonrpc2.NewError(codeImageError, err.Error())
}

// reason is err's text without the "stui: " that a transport error of
// stuiproto puts first, for a message that says "stui" once, its own way.
func reason(err error) string {
	var transport *stuiproto.TransportError
	if errors.As(err, &transport) {
		if rest, ok := strings.CutPrefix(err.Error(), transport.Error()); ok {
			return transport.Reason + rest
		}
	}
	return err.Error()
}

// notConnectedMessage says the image is not there, why if known, and how to
// start it: on the default endpoint, with nothing to type.
func notConnectedMessage(endpoint, defaultEndpoint string, err error) string {
	var b strings.Builder
	b.WriteString("image not connected")
	if endpoint != "" {
		b.WriteString(" at " + endpoint)
	}
	// The innermost cause says why: a notConnectedError may wrap the one
	// the link recorded.
	cause := err
	var nc *notConnectedError
	for errors.As(cause, &nc) {
		cause = nc.Cause
	}
	if cause != nil {
		b.WriteString(" (" + reason(cause) + ")")
		// A refusal of our own (a token file, keys, an insecure endpoint) is
		// not fixed by starting the image.
		if !errors.Is(cause, stuiproto.ErrUnavailable) {
			return b.String()
		}
	}
	if endpoint == "" {
		// Starting an image does not help until an endpoint is named.
		if cause == nil {
			b.WriteString(" (no image endpoint configured: set the stui.endpoint setting or STUI_ENDPOINT)")
		}
		return b.String()
	}
	if endpoint == defaultEndpoint {
		b.WriteString(". Start the STUI server in your image: STUIServer start")
		return b.String()
	}
	b.WriteString(". Start the STUI server in your image: STUIServer startOn: '")
	if strings.HasPrefix(endpoint, "tcp://") || strings.HasPrefix(endpoint, "ipc://") {
		b.WriteString(endpoint)
	} else {
		b.WriteString("tcp://127.0.0.1:5555")
	}
	b.WriteString("'")
	return b.String()
}
