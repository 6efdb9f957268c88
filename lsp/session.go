package lsp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/internal/sessionmemory"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// workspaceSession is the image session of one workspace folder. Its client id
// is derived from the folder, so it is the same every time the editor opens
// that folder; its session id is remembered on disk so variables assigned
// yesterday are still there today, as long as the image kept them.
type workspaceSession struct {
	set      *sessionSet
	folder   string
	clientID string

	mu sync.Mutex
	id string
	// hadState: the session held variables the user may rely on (restored
	// with variables, or used for evaluations). Losing it is worth telling.
	hadState bool
}

// sessionSet holds one session per workspace folder.
type sessionSet struct {
	s  *server
	mu sync.Mutex
	by map[string]*workspaceSession
}

func newSessionSet(s *server) *sessionSet {
	return &sessionSet{s: s, by: map[string]*workspaceSession{}}
}

// forFolder returns the session of folder ("" for files outside any folder).
func (ss *sessionSet) forFolder(folder string) *workspaceSession {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ws, ok := ss.by[folder]; ok {
		return ws
	}
	ws := &workspaceSession{set: ss, folder: folder, clientID: sessionmemory.ClientID(folder)}
	ss.by[folder] = ws
	return ws
}

func (ss *sessionSet) all() []*workspaceSession {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := make([]*workspaceSession, 0, len(ss.by))
	for _, ws := range ss.by {
		out = append(out, ws)
	}
	return out
}

// revalidate checks every known session after a reconnection.
func (ss *sessionSet) revalidate(ctx context.Context) {
	for _, ws := range ss.all() {
		ws.mu.Lock()
		id := ws.id
		ws.mu.Unlock()
		if id == "" {
			continue
		}
		var info stuiproto.SessionInfoResult
		err := stuiproto.Call(ctx, ss.s.image, stuiproto.GetSessionInfoCommand, stuiproto.SessionIDParams{SessionID: id}, &info)
		if isSessionGone(err) {
			ws.lost(ctx, id)
			if _, err := ws.ensure(ctx); err != nil {
				ss.s.log.Debug("recreating session", zap.Error(err))
			}
		}
	}
}

func isSessionGone(err error) bool {
	var remote *stuiproto.RemoteError
	return errors.As(err, &remote) && (remote.Type == stuiproto.ErrSessionNotFound || remote.Type == stuiproto.ErrSessionExpired)
}

func (ws *workspaceSession) memory() sessionmemory.Store {
	return sessionmemory.Store{Dir: ws.set.s.opts.CacheDir}
}

func (ws *workspaceSession) recall(endpoint string) string {
	if !ws.set.s.currentSettings().persistSession() {
		return ""
	}
	return ws.memory().Recall(ws.clientID, endpoint)
}

func (ws *workspaceSession) remember(id, endpoint string) {
	if !ws.set.s.currentSettings().persistSession() {
		return
	}
	if err := ws.memory().Remember(ws.clientID, ws.folder, endpoint, id); err != nil {
		ws.set.s.log.Warn("cannot remember session", zap.Error(err))
	}
}

func (ws *workspaceSession) forget() {
	ws.memory().Forget(ws.clientID)
}

// ensure returns the session id, restoring the remembered session or creating
// a new one.
func (ws *workspaceSession) ensure(ctx context.Context) (string, error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.id != "" {
		return ws.id, nil
	}
	s := ws.set.s
	_, endpoint, _ := s.image.status()
	if old := ws.recall(endpoint); old != "" {
		var res stuiproto.RestoreSessionResult
		err := stuiproto.Call(ctx, s.image, stuiproto.RestoreSessionCommand, stuiproto.SessionIDParams{SessionID: old}, &res)
		switch {
		case err == nil:
			ws.id = res.SessionID
			if ws.id == "" {
				ws.id = old
			}
			vars := res.WorkspaceContext.Variables
			ws.hadState = len(vars) > 0
			if !res.LiveObjects && len(vars) > 0 {
				s.tellUser(ctx, protocol.MessageTypeWarning, fmt.Sprintf(
					"stui: session %s was restored after an image restart, but the values of %s are gone (the image was not saved). Evaluate their assignments again.",
					ws.id, listNames(vars)))
			} else {
				s.logToClient(ctx, protocol.MessageTypeInfo, fmt.Sprintf("stui: restored session %s (%d variables)", ws.id, len(vars)))
			}
			ws.remember(ws.id, endpoint)
			return ws.id, nil
		case isSessionGone(err):
			s.logToClient(ctx, protocol.MessageTypeInfo, fmt.Sprintf("stui: remembered session %s is gone from the image; creating a new one", old))
		default:
			return "", err
		}
	}
	var res stuiproto.Session
	if err := stuiproto.Call(ctx, s.image, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: ws.clientID}, &res); err != nil {
		return "", err
	}
	ws.id = res.SessionID
	ws.remember(ws.id, endpoint)
	s.logToClient(ctx, protocol.MessageTypeInfo, fmt.Sprintf("stui: new session %s for %s", ws.id, ws.clientID))
	return ws.id, nil
}

// lost records that session id is no longer in the image, and tells the user
// once if it held anything.
func (ws *workspaceSession) lost(ctx context.Context, id string) {
	ws.mu.Lock()
	if ws.id != id {
		ws.mu.Unlock()
		return
	}
	ws.id = ""
	had := ws.hadState
	ws.hadState = false
	ws.mu.Unlock()
	ws.forget()
	if had {
		ws.set.s.tellUser(ctx, protocol.MessageTypeWarning, fmt.Sprintf(
			"stui: the image no longer has session %s (was it restarted?). Workspace variables from earlier evaluations are lost; a new session was created.", id))
	}
}

// do runs fn with the session id, recreating the session once if the image
// says it is gone.
func (ws *workspaceSession) do(ctx context.Context, fn func(id string) error) error {
	for attempt := 0; ; attempt++ {
		id, err := ws.ensure(ctx)
		if err != nil {
			return err
		}
		err = fn(id)
		if isSessionGone(err) && attempt == 0 {
			ws.lost(ctx, id)
			continue
		}
		return err
	}
}

// markUsed records that the session now holds the user's work.
func (ws *workspaceSession) markUsed() {
	ws.mu.Lock()
	ws.hadState = true
	ws.mu.Unlock()
}

// reset closes the session and starts a fresh one.
func (ws *workspaceSession) reset(ctx context.Context) (string, error) {
	ws.mu.Lock()
	old := ws.id
	ws.id = ""
	ws.hadState = false
	ws.mu.Unlock()
	ws.forget()
	if old != "" {
		var res stuiproto.CloseSessionResult
		if err := stuiproto.Call(ctx, ws.set.s.image, stuiproto.CloseSessionCommand, stuiproto.SessionIDParams{SessionID: old}, &res); err != nil && !isSessionGone(err) {
			ws.set.s.log.Debug("closing session", zap.Error(err))
		}
	}
	return ws.ensure(ctx)
}

func listNames(names []string) string {
	if len(names) > 8 {
		return strings.Join(names[:8], ", ") + fmt.Sprintf(" and %d more", len(names)-8)
	}
	return strings.Join(names, ", ")
}
