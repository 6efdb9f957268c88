package stuiclient

import (
	"fmt"
	"os"
	"strings"
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
	// trustUnproven: send the token without the image's proof of it.
	trustUnproven bool
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
// an unencrypted tcp endpoint whose host is not loopback. Without CURVE, each
// connection first asks the image to prove it holds tok
// (stuiproto.ImageChallenge); until it has, nothing is sent, and a failed
// proof fails the calls with ErrImageNotAuthenticated.
func WithToken(tok string) Option { return func(o *options) { o.token = tok } }

// WithoutImageProof sends the token without asking the image to prove it
// holds it: whoever took the endpoint first receives it. It is for tools
// that test an image's own handling of a wrong token (stui-lsp conformance),
// never for sending code.
func WithoutImageProof() Option { return func(o *options) { o.trustUnproven = true } }

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

// LoadCurve reads CURVE keys from files and returns the option that uses
// them: serverPublicFile holds the image's public key, clientSecretFile this
// client's secret key (its public key is derived from it). Each file holds one
// Z85 key on its first line, as GenerateCurveKeys writes them. A secret key
// file that its group or others may read is refused, as a token file is.
func LoadCurve(serverPublicFile, clientSecretFile string) (Option, error) {
	server, err := readKeyFile(serverPublicFile, false)
	if err != nil {
		return nil, err
	}
	secret, err := readKeyFile(clientSecretFile, true)
	if err != nil {
		return nil, err
	}
	public, err := curvePublicKey(secret)
	if err != nil {
		return nil, fmt.Errorf("stui: CURVE secret key %s: %w", clientSecretFile, err)
	}
	return WithCurve(server, public, secret), nil
}

// GenerateCurveKeys makes a CURVE key pair and writes the public key to
// prefix+".pub" (mode 0644) and the secret key to prefix+".key" (mode 0600,
// created with that mode). It refuses to overwrite an existing key file.
func GenerateCurveKeys(prefix string) (public string, err error) {
	for _, path := range []string{prefix + ".key", prefix + ".pub"} {
		if _, err := os.Lstat(path); err == nil {
			return "", fmt.Errorf("stui: %s exists already: not overwriting a key", path)
		}
	}
	public, secret, err := newCurveKeypair()
	if err != nil {
		return "", fmt.Errorf("stui: generating CURVE keys: %w", err)
	}
	for _, k := range []struct {
		path, key string
		mode      os.FileMode
	}{{prefix + ".key", secret, 0o600}, {prefix + ".pub", public, 0o644}} {
		f, err := os.OpenFile(k.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, k.mode)
		if err != nil {
			return "", fmt.Errorf("stui: %w", err)
		}
		_, werr := f.WriteString(k.key + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return "", fmt.Errorf("stui: %s: %w", k.path, werr)
		}
	}
	return public, nil
}

func readKeyFile(path string, secret bool) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("stui: CURVE key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("stui: CURVE key: %w", err)
	}
	if secret && fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("stui: CURVE secret key file %s has mode %04o: it must be readable by its owner only (chmod 600 %s)", path, fi.Mode().Perm(), path)
	}
	buf := make([]byte, 256)
	n, _ := f.Read(buf)
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	key := strings.TrimSpace(line)
	if len(key) != 40 {
		return "", fmt.Errorf("stui: CURVE key file %s: want one 40-character Z85 key on the first line", path)
	}
	return key, nil
}
