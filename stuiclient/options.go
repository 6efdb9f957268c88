package stuiclient

import (
	"time"

	"go.uber.org/zap"
)

// DefaultTimeout bounds a call whose context has no deadline.
const DefaultTimeout = 30 * time.Second

// Option configures a Client.
type Option func(*options)

type options struct {
	timeout        time.Duration
	token          string
	logger         *zap.Logger
	maxReply       int
	curve          *curveKeys
	versionWarning func(*VersionMismatchError)
	reconnectIvl   time.Duration
}

type curveKeys struct {
	server, public, secret string
}

func defaultOptions() options {
	return options{
		timeout:      DefaultTimeout,
		logger:       zap.NewNop(),
		maxReply:     10 << 20,
		reconnectIvl: 100 * time.Millisecond,
	}
}

// WithTimeout sets the deadline of calls whose context has none.
func WithTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithToken sends tok as the token of every request. New refuses a token on
// an unencrypted tcp endpoint whose host is not loopback.
func WithToken(tok string) Option { return func(o *options) { o.token = tok } }

// WithLogger logs connection changes and dropped replies to l.
func WithLogger(l *zap.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithMaxReplySize rejects replies longer than n bytes with ErrReplyTooLarge
// (default 10 MiB, the protocol's cap).
func WithMaxReplySize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxReply = n
		}
	}
}

// WithCurve encrypts and authenticates the connection with CURVE. Keys are
// Z85 strings as made by zmq4.NewCurveKeypair.
func WithCurve(serverPublicKey, clientPublicKey, clientSecretKey string) Option {
	return func(o *options) {
		o.curve = &curveKeys{server: serverPublicKey, public: clientPublicKey, secret: clientSecretKey}
	}
}

// WithVersionWarning makes Ping report a protocol major version mismatch by
// calling f (once per client) instead of returning a *VersionMismatchError.
func WithVersionWarning(f func(*VersionMismatchError)) Option {
	return func(o *options) { o.versionWarning = f }
}
