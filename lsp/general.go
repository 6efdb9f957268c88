package lsp

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"
)

func (s *server) Initialize(ctx context.Context, params *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	s.encoding = negotiateEncoding(params.Capabilities.General)
	s.caps = readClientCaps(&params.Capabilities)
	s.caps.logsCommandErrors = clientLogsCommandErrors(params.ClientInfo.Name)
	s.workspace.attach(s, &params.Capabilities)

	st, err := defaultSettings().merge(params.InitializationOptions)
	if err != nil {
		s.log.Warn("ignoring initializationOptions", zap.Error(err))
	}
	endpointFromInit := st.Endpoint != ""
	s.settingsMu.Lock()
	s.settings = st
	s.settingsMu.Unlock()

	var folders []string
	if list, ok := params.WorkspaceFolders.Get(); ok {
		for _, f := range list {
			folders = append(folders, uriToPath(f.URI))
		}
	}
	if len(folders) == 0 && params.RootURI != nil && *params.RootURI != "" {
		folders = append(folders, uriToPath(*params.RootURI))
	}
	if len(folders) == 0 {
		if root, ok := params.RootPath.Get(); ok && root != "" {
			folders = append(folders, root)
		}
	}
	s.workspace.setFolders(folders)

	endpoint, source := s.opts.Endpoint, s.opts.EndpointSource
	if endpointFromInit {
		endpoint, source = st.Endpoint, "initializationOptions"
	}
	s.image.configure(endpoint, source, endpointFromInit)

	s.lifecycle.set(stateRunning)
	s.log.Info("initialized", zap.String("client", params.ClientInfo.Name), zap.Stringer("encoding", s.encoding), zap.Strings("folders", folders))
	return &protocol.InitializeResult{
		Capabilities: s.capabilities(),
		ServerInfo:   protocol.ServerInfo{Name: "stui-lsp", Version: protocol.NewOptional(s.opts.Version)},
	}, nil
}

func (s *server) capabilities() protocol.ServerCapabilities {
	change := protocol.TextDocumentSyncKindIncremental
	yes := true
	no := false
	var enc protocol.PositionEncodingKind
	switch s.encoding {
	case encodingUTF8:
		enc = protocol.PositionEncodingKindUTF8
	case encodingUTF32:
		enc = protocol.PositionEncodingKindUTF32
	default:
		enc = protocol.PositionEncodingKindUTF16
	}
	return protocol.ServerCapabilities{
		PositionEncoding: enc,
		TextDocumentSync: &protocol.TextDocumentSyncOptions{
			OpenClose: &yes,
			Change:    &change,
			Save:      &protocol.SaveOptions{IncludeText: &no},
		},
		HoverProvider:      protocol.Boolean(true),
		CodeLensProvider:   &protocol.CodeLensOptions{ResolveProvider: &yes},
		CodeActionProvider: &protocol.CodeActionOptions{CodeActionKinds: []protocol.CodeActionKind{protocol.CodeActionKindQuickFix, codeActionKindEvaluate, codeActionKindTest}},
		ExecuteCommandProvider: protocol.ExecuteCommandOptions{
			Commands: slices.Clone(commandNames),
		},
		InlayHintProvider:       protocol.Boolean(true),
		DocumentSymbolProvider:  protocol.Boolean(true),
		FoldingRangeProvider:    protocol.Boolean(true),
		SelectionRangeProvider:  protocol.Boolean(true),
		DefinitionProvider:      protocol.Boolean(true),
		ImplementationProvider:  protocol.Boolean(true),
		ReferencesProvider:      protocol.Boolean(true),
		CallHierarchyProvider:   protocol.Boolean(true),
		TypeHierarchyProvider:   protocol.Boolean(true),
		WorkspaceSymbolProvider: protocol.Boolean(true),
		SemanticTokensProvider: &protocol.SemanticTokensOptions{
			Legend: semanticLegend(),
			Range:  protocol.Boolean(true),
			Full:   &protocol.SemanticTokensFullDelta{Delta: &yes},
		},
		CompletionProvider: &protocol.CompletionOptions{
			ResolveProvider:   &yes,
			TriggerCharacters: []string{":"},
		},
		SignatureHelpProvider: &protocol.SignatureHelpOptions{
			TriggerCharacters:   []string{":"},
			RetriggerCharacters: []string{" "},
		},
		DocumentFormattingProvider:      protocol.Boolean(true),
		DocumentRangeFormattingProvider: protocol.Boolean(true),
	}
}

func negotiateEncoding(general *protocol.GeneralClientCapabilities) positionEncoding {
	if general == nil {
		return encodingUTF16
	}
	// UTF-8 saves a conversion on every position; take it when offered.
	for _, e := range general.PositionEncodings {
		if e == protocol.PositionEncodingKindUTF8 {
			return encodingUTF8
		}
	}
	return encodingUTF16
}

func readClientCaps(c *protocol.ClientCapabilities) clientCaps {
	var caps clientCaps
	if w := c.Workspace; w != nil {
		caps.applyEdit = w.ApplyEdit != nil && *w.ApplyEdit
		caps.configuration = w.Configuration != nil && *w.Configuration
		caps.inlayHintRefresh = w.InlayHint != nil && w.InlayHint.RefreshSupport != nil && *w.InlayHint.RefreshSupport
		caps.codeLensRefresh = w.CodeLens != nil && w.CodeLens.RefreshSupport != nil && *w.CodeLens.RefreshSupport
		caps.documentChanges = w.WorkspaceEdit != nil && w.WorkspaceEdit.DocumentChanges != nil && *w.WorkspaceEdit.DocumentChanges
	}
	if w := c.Window; w != nil {
		caps.showDocument = w.ShowDocument != nil && w.ShowDocument.Support
		caps.workDoneProgress = w.WorkDoneProgress != nil && *w.WorkDoneProgress
	}
	if td := c.TextDocument; td != nil && td.Hover != nil {
		caps.markdown = slices.Contains(td.Hover.ContentFormat, protocol.MarkupKindMarkdown)
	}
	return caps
}

func (s *server) Initialized(ctx context.Context, _ *protocol.InitializedParams) error {
	// Both run off the read loop: asking the client for its configuration is a
	// call back into the connection, and indexing the workspace takes a while.
	s.goBackground(ctx, "read the configuration", s.refreshConfiguration)
	s.goBackground(ctx, "index the workspace", s.indexWorkspace)
	s.goBackground(ctx, "watch the workspace's files", func(ctx context.Context) { s.watchFiles(ctx, s.workspace.indexed) })
	s.goBackground(ctx, "follow the Transcript", s.followTranscript)
	return nil
}

// refreshConfiguration reads the `stui` section with workspace/configuration,
// then (re)connects to the image if the endpoint changed.
func (s *server) refreshConfiguration(ctx context.Context) {
	if s.caps.configuration {
		section := "stui"
		items, err := s.client.Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: &section}}})
		if err != nil {
			s.log.Debug("workspace/configuration failed", zap.Error(err))
		} else if len(items) > 0 {
			s.applySettings(items[0])
		}
	}
	s.attachOrLaunch(ctx)
}

func (s *server) applySettings(raw []byte) {
	s.settingsMu.Lock()
	merged, err := s.settings.merge(raw)
	if err != nil {
		s.settingsMu.Unlock()
		s.log.Warn("ignoring stui settings", zap.Error(err))
		return
	}
	s.settings = merged
	s.settingsMu.Unlock()
	if merged.Endpoint != "" {
		s.image.configure(merged.Endpoint, "stui.endpoint setting", false)
	}
}

func (s *server) DidChangeConfiguration(ctx context.Context, params *protocol.DidChangeConfigurationParams) error {
	// Clients send either the settings themselves or a bare "go ask" signal.
	var pushed struct {
		Stui json.RawMessage `json:"stui"`
	}
	if len(params.Settings) > 0 && json.Unmarshal(params.Settings, &pushed) == nil && len(pushed.Stui) > 0 {
		s.applySettings(pushed.Stui)
		s.image.connectInBackground(detach(ctx))
		return nil
	}
	s.goBackground(ctx, "read the configuration", s.refreshConfiguration)
	return nil
}

func (s *server) DidChangeWorkspaceFolders(_ context.Context, params *protocol.DidChangeWorkspaceFoldersParams) error {
	for _, f := range params.Event.Removed {
		s.workspace.removeFolder(uriToPath(f.URI))
	}
	for _, f := range params.Event.Added {
		s.workspace.addFolder(uriToPath(f.URI))
	}
	s.workspace.foldersChanged()
	return nil
}

func (s *server) Shutdown(ctx context.Context) error {
	s.lifecycle.set(stateShutDown)
	// Sessions nobody can come back to would count against the image's
	// limit until they expire (persistSession off, or the disk refused).
	cctx, cancel := context.WithTimeout(ctx, closeSessionsWait)
	s.sessions.closeUnremembered(cctx)
	cancel()
	s.stopLaunchedImage()
	return nil
}

// closeSessionsWait bounds closing the sessions at shutdown: the editor
// waits for the answer, then for the process to end.
const closeSessionsWait = time.Second

func (s *server) Exit(context.Context) error {
	s.exitOnce.Do(func() { close(s.exited) })
	return nil
}

// Request answers methods the server does not know. Unknown notifications
// reach it too; the middleware drops their error.
func (s *server) Request(_ context.Context, method string, _ any) (any, error) {
	return nil, errMethodNotFound(method)
}

func uriToPath(u uri.URI) string {
	if u.IsFile() {
		return u.FsPath()
	}
	return string(u)
}
