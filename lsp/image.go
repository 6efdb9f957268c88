package lsp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Image is what the server needs from a Smalltalk image: one STUI call. The
// ZeroMQ client satisfies it; unit tests use a struct of funcs.
type Image interface {
	// Call sends command with params and decodes the reply's result into
	// result. Errors are *stuiproto.RemoteError for error replies, and wrap
	// stuiproto.ErrUnavailable or ErrDeadline when the image cannot be reached.
	Call(ctx context.Context, command string, params, result any) error
	Close() error
}

// notConnectedError says that the image cannot be reached, and why when that
// is known: Cause is the failed dial or handshake, nil when the link is only
// known to be down. Every one matches errNotConnected with errors.Is.
type notConnectedError struct {
	Cause error
}

// errNotConnected is returned without trying when the image is known to be down.
var errNotConnected error = &notConnectedError{}

// notConnected is the error of a call that found the image unreachable
// because of cause.
func notConnected(cause error) error {
	return &notConnectedError{Cause: cause}
}

func (e *notConnectedError) Error() string {
	if e.Cause == nil {
		return "image not connected"
	}
	return "image not connected: " + e.Cause.Error()
}

func (e *notConnectedError) Unwrap() error { return e.Cause }

// Is makes every notConnectedError match errNotConnected.
func (e *notConnectedError) Is(target error) bool {
	_, ok := target.(*notConnectedError)
	return ok
}

// linkState is what the server believes about the image connection.
type linkState int

const (
	linkUnknown linkState = iota // not tried yet
	linkUp
	linkDown
	linkNone // no endpoint or no way to dial
)

func (l linkState) String() string {
	return [...]string{"unknown", "connected", "not connected", "no image configured"}[l]
}

// imageLink owns the connection to the image: dialling, the up/down state,
// background reconnection and the version handshake.
type imageLink struct {
	s *server

	mu            sync.Mutex
	img           Image
	endpoint      string
	source        string
	pinned        bool   // set by initializationOptions or a launch: settings do not override it
	tokenFile     string // the generated token of a launched image's endpoint
	state         linkState
	lastErr       error
	ping          *stuiproto.PingResult
	warnedVersion bool
	dialWarned    string // the endpoint whose dial failure the user was told of
	reconnecting  bool
	closed        bool
	stop          chan struct{}
	notices       linkNotices // what the editor was last told (link_status.go)
}

func newImageLink(s *server) *imageLink {
	return &imageLink{s: s, stop: make(chan struct{})}
}

// configure sets the endpoint. A change drops the current connection.
func (l *imageLink) configure(endpoint, source string, pin bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pinned && !pin {
		return
	}
	l.pinned = l.pinned || pin
	if endpoint == l.endpoint && l.img != nil {
		return
	}
	if l.img != nil {
		_ = l.img.Close()
		l.img = nil
	}
	l.endpoint, l.source = endpoint, source
	l.state = linkUnknown
	l.ping = nil
}

// noEndpoint says why there is no endpoint to dial and what to do: when the
// per-user socket's directory is not private there is no default, and the
// source says why (stuiclient.DefaultEndpointSource).
func (l *imageLink) noEndpoint() error {
	if strings.HasPrefix(l.source, "no default endpoint") {
		return errors.New(l.source + "; set the stui.endpoint setting or STUI_ENDPOINT")
	}
	return errors.New("no image endpoint configured: set the stui.endpoint setting or STUI_ENDPOINT")
}

func (l *imageLink) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	close(l.stop)
	if l.img != nil {
		_ = l.img.Close()
		l.img = nil
	}
}

func (l *imageLink) status() (linkState, string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state, l.endpoint, l.lastErr
}

func (l *imageLink) pingResult() *stuiproto.PingResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ping
}

// client returns the dialled image, dialling on first use.
func (l *imageLink) client() (Image, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, errNotConnected
	}
	if l.img != nil {
		return l.img, nil
	}
	if l.s.opts.Dial == nil || l.endpoint == "" {
		l.state, l.lastErr = linkNone, l.noEndpoint()
		l.s.goBackground(l.s.alive, "tell the editor the link state", l.s.notifyLinkState)
		return nil, notConnected(l.lastErr)
	}
	dial := l.s.opts.Dial
	if l.tokenFile != "" && l.s.opts.DialWithTokenFile != nil {
		dial = func(endpoint string) (Image, error) { return l.s.opts.DialWithTokenFile(endpoint, l.tokenFile) }
	}
	img, err := dial(l.endpoint)
	if err != nil {
		l.state, l.lastErr = linkDown, err
		l.s.goBackground(l.s.alive, "tell the editor the link state", l.s.notifyLinkState)
		if l.dialWarned != l.endpoint {
			// A dial fails on configuration (a malformed endpoint, a token
			// that must not travel in clear), which no retry fixes: say why,
			// once per endpoint, or the user only ever sees "not connected".
			l.dialWarned = l.endpoint
			msg := fmt.Sprintf("stui: cannot connect to the image at %s: %v", l.endpoint, err)
			l.s.goBackground(l.s.alive, "tell the user the dial failed", func(ctx context.Context) {
				l.s.tellUser(ctx, protocol.MessageTypeError, msg)
			})
		}
		return nil, notConnected(err)
	}
	l.img = img
	return img, nil
}

// available reports whether it is worth calling the image now. When the link
// is known to be down, callers answer at once with what they know offline.
func (l *imageLink) available() bool {
	st, _, _ := l.status()
	return st == linkUp || st == linkUnknown
}

// Call makes one STUI call and keeps the link state up to date. Call sites
// use its typed form, stuiproto.Call(ctx, s.image, stuiproto.XCommand, ...).
func (l *imageLink) Call(ctx context.Context, command string, params, result any) error {
	img, err := l.client()
	if err != nil {
		return err
	}
	err = img.Call(ctx, command, params, result)
	switch {
	case err == nil:
		l.markUp(ctx)
	case stuiproto.IsConnectionError(err) && ctx.Err() == nil:
		l.markDown(ctx, err)
	default:
		var remote *stuiproto.RemoteError
		if errors.As(err, &remote) {
			l.markUp(ctx)
		}
	}
	return err
}

func (l *imageLink) markUp(ctx context.Context) {
	l.mu.Lock()
	was := l.state
	l.state, l.lastErr = linkUp, nil
	l.mu.Unlock()
	if was != linkUp {
		l.s.notifyLinkState(ctx)
		l.s.onImageUp(ctx, was)
	}
}

func (l *imageLink) markDown(ctx context.Context, err error) {
	l.mu.Lock()
	was := l.state
	l.state, l.lastErr = linkDown, err
	start := !l.reconnecting && !l.closed
	l.reconnecting = l.reconnecting || start
	l.mu.Unlock()
	if was != linkDown {
		l.s.notifyLinkState(ctx)
		l.s.onImageDown(ctx, err)
	}
	if start {
		l.s.goBackground(ctx, "reconnect to the image", l.reconnect)
	}
}

// connectInBackground tries the image once (ping and version handshake) so
// the first hover does not pay for it, and starts reconnecting if it is down.
func (l *imageLink) connectInBackground(ctx context.Context) {
	l.s.goBackground(ctx, "connect to the image", func(ctx context.Context) {
		if _, err := l.handshake(ctx); err != nil {
			l.s.log.Debug("image not reachable at start", zap.Error(err))
		}
	})
}

// handshake pings the image and checks the protocol version.
func (l *imageLink) handshake(ctx context.Context) (*stuiproto.PingResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var res stuiproto.PingResult
	if err := stuiproto.Call(ctx, l, stuiproto.PingCommand, stuiproto.PingParams{}, &res); err != nil {
		if errors.Is(err, errNotConnected) {
			return nil, err
		}
		if ctx.Err() != nil || stuiproto.IsConnectionError(err) {
			l.markDown(ctx, err)
		}
		return nil, err
	}
	l.mu.Lock()
	l.ping = &res
	warn := !l.warnedVersion && stuiproto.CheckVersion(res.ProtocolVersion) != nil
	l.warnedVersion = l.warnedVersion || warn
	l.mu.Unlock()
	l.s.notifyLinkState(ctx) // now with the image's name
	if warn {
		l.s.tellUser(ctx, protocol.MessageTypeWarning, fmt.Sprintf(
			"stui-lsp speaks STUI protocol %s but the image's server speaks %s: update the image side (pharo/) or stui-lsp; some features may fail.",
			stuiproto.Version, res.ProtocolVersion))
	}
	return &res, nil
}

// reconnect pings with a growing pause until the image answers or the
// server stops.
func (l *imageLink) reconnect(ctx context.Context) {
	defer func() {
		l.mu.Lock()
		l.reconnecting = false
		l.mu.Unlock()
	}()
	pause := 250 * time.Millisecond
	for {
		select {
		case <-l.stop:
			return
		case <-time.After(pause):
		}
		if _, err := l.handshake(ctx); err == nil {
			return
		} else if errors.Is(err, errNotConnected) {
			st, _, _ := l.status()
			if st == linkNone {
				return
			}
		}
		pause = min(pause*2, 5*time.Second)
	}
}

// onImageUp runs when the image answers after being down or unknown.
func (s *server) onImageUp(ctx context.Context, was linkState) {
	_, endpoint, _ := s.image.status()
	s.logToClient(ctx, protocol.MessageTypeInfo, "stui: image connected at "+endpoint)
	if was == linkDown {
		// The image may have restarted: check every session, so a lost one is
		// recreated (and the user told) now rather than at the next evaluation.
		s.goBackground(ctx, "revalidate the sessions", s.sessions.revalidate)
	}
	// Files opened while the image was away have not been compared with it.
	s.goBackground(ctx, "compare the open documents with the image", func(ctx context.Context) {
		for _, doc := range s.docs.all() {
			s.checkAgainstImage(ctx, doc)
		}
	})
	if s.caps.codeLensRefresh {
		s.goBackground(ctx, "refresh code lenses", func(ctx context.Context) { _ = s.client.CodeLensRefresh(ctx) })
	}
}

func (s *server) onImageDown(ctx context.Context, err error) {
	_, endpoint, _ := s.image.status()
	s.logToClient(ctx, protocol.MessageTypeWarning, fmt.Sprintf("stui: image not connected at %s (%v); retrying in the background", endpoint, err))
}
