// Package mcp serves a live Pharo image to coding agents over the Model
// Context Protocol: tools to evaluate, inspect, browse, search and compile,
// and the image's classes and methods as resources under the stui: scheme.
// It speaks MCP through the official Go SDK and the image through the same
// STUI calls as the language server, in the workspace folder's session.
//
// The package depends on a small Image interface, not on the ZeroMQ client;
// cmd/stui-lsp wires the real client in.
package mcp

import (
	"context"
	"errors"
	"fmt"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/zap"
)

// Image is what the MCP server needs from a Smalltalk image: one STUI call.
// Errors are *stuiproto.RemoteError for error replies, and wrap
// stuiproto.ErrUnavailable or ErrDeadline when the image cannot be reached.
type Image interface {
	Call(ctx context.Context, command string, params, result any) error
}

// SessionMode says whose image session the agent evaluates in.
type SessionMode string

const (
	// SessionShared: the editor's session for the workspace folder, so the
	// agent and the editor see each other's workspace variables.
	SessionShared SessionMode = "shared"
	// SessionOwn: a session of the agent's own for the folder.
	SessionOwn SessionMode = "own"
)

// ParseSessionMode accepts "shared" and "own".
func ParseSessionMode(s string) (SessionMode, error) {
	switch m := SessionMode(s); m {
	case SessionShared, SessionOwn:
		return m, nil
	}
	return "", fmt.Errorf("--session %q: want shared or own", s)
}

// Options configure a Server. Zero values mean the defaults noted.
type Options struct {
	Logger  *zap.Logger
	Version string // reported to the client as the server's version

	Image    Image
	Endpoint string // where Image is connected, for messages and the remembered session

	// Workspace is the folder whose session the agent uses (default: the
	// current directory); Session chooses the editor's session or one of the
	// agent's own. CacheDir is where the language server remembers sessions
	// (default: sessionmemory.DefaultCacheDir).
	Workspace string
	Session   SessionMode
	CacheDir  string

	// ReadOnly offers only the tools that change nothing in the image;
	// NoCompile keeps evaluation but not compile_method.
	ReadOnly  bool
	NoCompile bool

	// MaxResultChars caps a printString and the text of every result
	// (default 10000, as in the editor). EvaluateTimeout bounds one
	// evaluation in the image (default 30 s, as in the editor); CallTimeout
	// bounds every other call (default 10 s).
	MaxResultChars  int
	EvaluateTimeout time.Duration
	CallTimeout     time.Duration
}

func (o *Options) setDefaults() {
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.Session == "" {
		o.Session = SessionShared
	}
	if o.MaxResultChars <= 0 {
		o.MaxResultChars = 10000
	}
	if o.EvaluateTimeout <= 0 {
		o.EvaluateTimeout = 30 * time.Second
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 10 * time.Second
	}
}

// Server is one MCP server over one image. Its methods are safe for
// concurrent use: the SDK runs tool calls concurrently.
type Server struct {
	opts     Options
	log      *zap.Logger
	mcp      *sdk.Server
	session  *sessionKeeper
	packages *packageIndex
	// refused maps a tool left out by --read-only or --no-compile to the
	// sentence that says why, for an agent that calls it anyway.
	refused map[string]string
}

// NewServer builds the server with its tools and resources.
func NewServer(opts Options) (*Server, error) {
	opts.setDefaults()
	if opts.Image == nil {
		return nil, errors.New("mcp: no image client")
	}
	if _, err := ParseSessionMode(string(opts.Session)); err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, refused: map[string]string{}}
	s.session = newSessionKeeper(opts, s.log)
	s.packages = newPackageIndex(s)
	s.mcp = sdk.NewServer(&sdk.Implementation{Name: "stui-lsp", Title: "Pharo image (stui-lsp)", Version: opts.Version},
		&sdk.ServerOptions{
			Instructions: s.instructions(),
			// Without the SDK's default logging capability: the server logs
			// to stderr or --log-file, never to the client. Tools and
			// resources are added from what is registered.
			Capabilities: &sdk.ServerCapabilities{},
		})
	s.addTools()
	s.addResources()
	s.mcp.AddReceivingMiddleware(s.logCalls, s.refuse, s.listResources)
	return s, nil
}

// Run serves one client over transport until it disconnects or ctx ends.
func (s *Server) Run(ctx context.Context, transport sdk.Transport) error {
	s.log.Info("serving MCP",
		zap.String("endpoint", s.opts.Endpoint),
		zap.String("workspace", s.opts.Workspace),
		zap.String("client_id", s.session.clientID),
		zap.String("session", string(s.opts.Session)),
		zap.Bool("read_only", s.opts.ReadOnly),
		zap.Bool("no_compile", s.opts.NoCompile))
	err := s.mcp.Run(ctx, transport)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// Connect serves one client over transport in the background, for tests and
// embedders; the session ends when either side closes it.
func (s *Server) Connect(ctx context.Context, transport sdk.Transport) (*sdk.ServerSession, error) {
	return s.mcp.Connect(ctx, transport, nil)
}

func (s *Server) instructions() string {
	text := "Tools and resources of a live Pharo Smalltalk image (stui-lsp). " +
		"Evaluate Smalltalk with evaluate, look code up with browse_class, get_method, search_classes, implementors and senders, " +
		"and read classes and methods as stui:// resources. Errors raised in the image come back as tool errors with their line, column or stack."
	switch {
	case s.opts.ReadOnly:
		text += " This server is read-only: nothing can be evaluated or compiled."
	case s.opts.NoCompile:
		text += " compile_method is disabled (--no-compile)."
	}
	if s.opts.Session == SessionShared {
		text += " Evaluations share the workspace variables of the editor's session for this folder."
	}
	return text
}
