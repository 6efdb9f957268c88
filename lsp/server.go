package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/internal/sessionmemory"
)

// server holds the state of one editor connection. Behaviour lives in the
// files named after the LSP areas; this file only holds state.
type server struct {
	protocol.UnimplementedServer

	// publishMu orders the publication of large documents' diagnostics,
	// parsed off the read loop (documentChanged).
	publishMu sync.Mutex

	opts   Options
	log    *zap.Logger
	conn   jsonrpc2.Conn
	client protocol.Client

	lifecycle lifecycle
	exited    chan struct{}
	exitOnce  sync.Once

	// alive is cancelled when the connection ends; background work
	// (goBackground) stops with it.
	alive     context.Context
	stopAlive context.CancelFunc

	// Negotiated at initialize and read-only afterwards.
	encoding positionEncoding
	caps     clientCaps

	docs       *documentStore
	workspace  *workspaceState
	image      *imageLink
	sessions   *sessionSet
	results    *resultStore
	tokens     tokenResults   // the last semantic tokens of each document, for deltas
	lineTables lineTableCache // of indexed files, for their locations
	diags      *diagnosticStore
	edited     editedDocuments // not yet in the index
	tests      *testState

	settingsMu sync.RWMutex
	settings   settings

	launched launchedImage

	// handled counts the messages the editor has sent, for releaseWhenIdle.
	handled atomic.Uint64
}

var _ protocol.Server = (*server)(nil)

func newServer(conn jsonrpc2.Conn, opts Options) *server {
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	if opts.CacheDir == "" {
		opts.CacheDir = sessionmemory.DefaultCacheDir()
	}
	if opts.Cores == nil {
		opts.Cores = coresAsTheyAre{}
	}
	s := &server{
		opts:      opts,
		log:       log,
		conn:      conn,
		client:    protocol.ClientDispatcher(conn),
		exited:    make(chan struct{}),
		docs:      newDocumentStore(),
		workspace: newWorkspaceState(),
		results:   newResultStore(),
		diags:     newDiagnosticStore(),
		tests:     newTestState(),
		settings:  defaultSettings(),
	}
	s.alive, s.stopAlive = context.WithCancel(context.Background())
	s.image = newImageLink(s)
	s.sessions = newSessionSet(s)
	return s
}

// close releases what the server holds when the connection ends.
func (s *server) close() {
	s.stopAlive()
	if s.lifecycle.get() != stateShutDown {
		// The editor went without shutdown: close what shutdown would have.
		ctx, cancel := context.WithTimeout(context.Background(), closeSessionsWait/2)
		s.sessions.closeUnremembered(ctx)
		cancel()
	}
	s.image.close()
	s.stopLaunchedImage()
}

// clientCaps is what the server needs to know of the client's capabilities.
type clientCaps struct {
	applyEdit        bool
	showDocument     bool
	configuration    bool
	inlayHintRefresh bool
	codeLensRefresh  bool
	workDoneProgress bool
	markdown         bool
	documentChanges  bool // versioned edits in a WorkspaceEdit
	// logsCommandErrors: the client only logs a failed executeCommand, so
	// the server shows the error itself (Helix).
	logsCommandErrors bool
}

// settings are the `stui` section of the client's configuration, merged over
// initializationOptions.
type settings struct {
	Endpoint          string `json:"endpoint"`
	HoverTimeoutMS    int    `json:"hoverTimeoutMs"`
	EvaluateTimeoutMS int    `json:"evaluateTimeoutMs"`
	CompleteTimeoutMS int    `json:"completionTimeoutMs"`
	MaxResultChars    int    `json:"maxResultChars"`
	InlineResultChars int    `json:"inlineResultChars"`
	PersistSession    *bool  `json:"persistSession"`
	CompileOnSave     *bool  `json:"compileOnSave"`
	SenderLenses      *bool  `json:"senderLenses"`
	// Image says how to start the workspace's image (see internal/launch).
	Image json.RawMessage `json:"image"`
	// Transcript is where the image's Transcript goes: "log" (the default),
	// "notification" (stui/transcript) or "off".
	Transcript string `json:"transcript"`
}

func defaultSettings() settings {
	return settings{HoverTimeoutMS: 1500, EvaluateTimeoutMS: 30000, CompleteTimeoutMS: 800, MaxResultChars: 10000, InlineResultChars: 120}
}

// merge applies the fields set in raw over s. Unknown fields are ignored.
func (s settings) merge(raw []byte) (settings, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return s, nil
	}
	var in settings
	if err := json.Unmarshal(raw, &in); err != nil {
		return s, fmt.Errorf("stui settings: %w", err)
	}
	if in.Endpoint != "" {
		s.Endpoint = in.Endpoint
	}
	if in.HoverTimeoutMS > 0 {
		s.HoverTimeoutMS = in.HoverTimeoutMS
	}
	if in.EvaluateTimeoutMS > 0 {
		s.EvaluateTimeoutMS = in.EvaluateTimeoutMS
	}
	if in.CompleteTimeoutMS > 0 {
		s.CompleteTimeoutMS = in.CompleteTimeoutMS
	}
	if in.MaxResultChars > 0 {
		s.MaxResultChars = in.MaxResultChars
	}
	if in.InlineResultChars > 0 {
		s.InlineResultChars = in.InlineResultChars
	}
	if in.PersistSession != nil {
		s.PersistSession = in.PersistSession
	}
	if in.CompileOnSave != nil {
		s.CompileOnSave = in.CompileOnSave
	}
	if in.SenderLenses != nil {
		s.SenderLenses = in.SenderLenses
	}
	if len(in.Image) > 0 {
		s.Image = in.Image
	}
	if in.Transcript != "" {
		s.Transcript = in.Transcript
	}
	return s, nil
}

func (s settings) persistSession() bool { return s.PersistSession == nil || *s.PersistSession }
func (s settings) compileOnSave() bool  { return s.CompileOnSave == nil || *s.CompileOnSave }
func (s settings) senderLenses() bool   { return s.SenderLenses == nil || *s.SenderLenses }

func (s *server) currentSettings() settings {
	s.settingsMu.RLock()
	defer s.settingsMu.RUnlock()
	return s.settings
}

// notify sends a notification to the client, logging a failure: the
// connection may be closing, and there is nobody else to tell.
func (s *server) notify(ctx context.Context, method string, params any) {
	if err := s.conn.Notify(detach(ctx), method, params); err != nil {
		s.log.Debug("notify failed", zap.String("method", method), zap.Error(err))
	}
}

// logToClient writes a line to the editor's log (window/logMessage) and ours.
func (s *server) logToClient(ctx context.Context, typ protocol.MessageType, msg string) {
	s.log.Info(msg)
	s.notify(ctx, protocol.MethodWindowLogMessage, &protocol.LogMessageParams{Type: typ, Message: msg})
}

// tellUser shows a message the user can act on (window/showMessage).
func (s *server) tellUser(ctx context.Context, typ protocol.MessageType, msg string) {
	s.log.Info("told user", zap.String("message", msg))
	s.notify(ctx, protocol.MethodWindowShowMessage, &protocol.ShowMessageParams{Type: typ, Message: msg})
}
