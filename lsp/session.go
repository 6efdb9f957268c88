package lsp

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

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

	// mu guards the fields below and is never held across an image call: a
	// hover must not wait for an evaluation that is creating the session.
	mu sync.Mutex
	id string
	// opening is closed when the open in progress (restore or create) ends.
	opening chan struct{}
	// hadState: the session held variables the user may rely on (restored
	// with variables, or used for evaluations). Losing it is worth telling.
	hadState bool
	// remembered: the id is on disk for the next start. A session that is
	// not is closed when the editor goes.
	remembered bool
}

// sessionSet holds one session per workspace folder.
type sessionSet struct {
	s  *server
	mu sync.Mutex
	by map[string]*workspaceSession
	// rememberFailed: the user was told a session could not be remembered.
	rememberFailed atomic.Bool
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

// remember writes the session id down for the next start, and tells the user
// (once) when it cannot: their variables would then be gone next time.
func (ws *workspaceSession) remember(ctx context.Context, id, endpoint string) bool {
	s := ws.set.s
	if !s.currentSettings().persistSession() {
		return false
	}
	err := ws.memory().Remember(ws.clientID, ws.folder, endpoint, id)
	if err == nil {
		return true
	}
	s.log.Warn("cannot remember session", zap.Error(err))
	if ws.set.rememberFailed.CompareAndSwap(false, true) {
		s.tellUser(ctx, protocol.MessageTypeWarning, fmt.Sprintf(
			"stui: cannot remember session %s for the next start (%v). Its variables will be gone when the editor closes; the session is then closed.", id, err))
	}
	return false
}

func (ws *workspaceSession) forget() {
	ws.memory().Forget(ws.clientID)
}

// ensure returns the session id, restoring the remembered session or creating
// a new one. Callers that come while another opens the session wait for it,
// as long as their own context lets them.
func (ws *workspaceSession) ensure(ctx context.Context) (string, error) {
	for {
		ws.mu.Lock()
		if ws.id != "" {
			id := ws.id
			ws.mu.Unlock()
			return id, nil
		}
		if wait := ws.opening; wait != nil {
			ws.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		done := make(chan struct{})
		ws.opening = done
		ws.mu.Unlock()

		opened, err := ws.open(ctx)

		ws.mu.Lock()
		if err == nil {
			ws.id, ws.hadState, ws.remembered = opened.id, opened.hadState, opened.remembered
		}
		ws.opening = nil
		close(done)
		ws.mu.Unlock()
		return opened.id, err
	}
}

// openedSession is what open found or made.
type openedSession struct {
	id         string
	hadState   bool
	remembered bool
}

// open restores the remembered session or creates one; ensure makes sure
// only one open runs at a time.
func (ws *workspaceSession) open(ctx context.Context) (openedSession, error) {
	s := ws.set.s
	_, endpoint, _ := s.image.status()
	if old := ws.recall(endpoint); old != "" {
		opened, err := ws.restore(ctx, old, endpoint)
		switch {
		case err == nil:
			return opened, nil
		case isSessionGone(err):
			s.logToClient(ctx, protocol.MessageTypeInfo, fmt.Sprintf("stui: remembered session %s is gone from the image; creating a new one", old))
		default:
			return openedSession{}, err
		}
	}
	var res stuiproto.Session
	err := stuiproto.Call(ctx, s.image, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: ws.clientID}, &res)
	if isSessionLimit(err) {
		return ws.openPastTheLimit(ctx, endpoint, err)
	}
	if err != nil {
		return openedSession{}, err
	}
	opened := openedSession{id: res.SessionID}
	opened.remembered = ws.remember(ctx, opened.id, endpoint)
	s.logToClient(ctx, protocol.MessageTypeInfo, fmt.Sprintf("stui: new session %s for %s", opened.id, ws.clientID))
	return opened, nil
}

// restore restores session id, telling the user what came back.
func (ws *workspaceSession) restore(ctx context.Context, id, endpoint string) (openedSession, error) {
	s := ws.set.s
	var res stuiproto.RestoreSessionResult
	if err := stuiproto.Call(ctx, s.image, stuiproto.RestoreSessionCommand, stuiproto.SessionIDParams{SessionID: id}, &res); err != nil {
		return openedSession{}, err
	}
	opened := openedSession{id: res.SessionID}
	if opened.id == "" {
		opened.id = id
	}
	vars := res.WorkspaceContext.Variables
	opened.hadState = len(vars) > 0
	if !res.LiveObjects && len(vars) > 0 {
		s.tellUser(ctx, protocol.MessageTypeWarning, fmt.Sprintf(
			"stui: session %s was restored after an image restart, but the values of %s are gone (the image was not saved). Evaluate their assignments again.",
			opened.id, listNames(vars)))
	} else {
		s.logToClient(ctx, protocol.MessageTypeInfo, fmt.Sprintf("stui: restored session %s (%d variables)", opened.id, len(vars)))
	}
	opened.remembered = ws.remember(ctx, opened.id, endpoint)
	return opened, nil
}

// isSessionLimit tells whether err is the image refusing a new session because
// this client id has as many as it allows.
func isSessionLimit(err error) bool {
	var remote *stuiproto.RemoteError
	return errors.As(err, &remote) && remote.Type == stuiproto.ErrSession &&
		strings.Contains(strings.ToLower(remote.Message), "limit")
}

// openPastTheLimit handles the image's session limit for this folder's client
// id: the sessions it holds are earlier starts' that nobody remembered (or
// another window's on the same folder). The most recently used one is
// reused; if that fails, the least recently used one is closed and a new
// session created. The user is told which.
func (ws *workspaceSession) openPastTheLimit(ctx context.Context, endpoint string, limitErr error) (openedSession, error) {
	s := ws.set.s
	var list stuiproto.ListClientSessionsResult
	if err := stuiproto.Call(ctx, s.image, stuiproto.ListClientSessionsCommand, stuiproto.ClientIDParams{ClientID: ws.clientID}, &list); err != nil || len(list.Sessions) == 0 {
		return openedSession{}, limitErr
	}
	sessions := list.Sessions
	sort.Slice(sessions, func(i, j int) bool { return sessions[i].LastActivity > sessions[j].LastActivity })
	if opened, err := ws.restore(ctx, sessions[0].SessionID, endpoint); err == nil {
		s.tellUser(ctx, protocol.MessageTypeInfo, fmt.Sprintf(
			"stui: the image holds as many sessions for this folder as it allows (%d); reusing the most recent, %s.", len(sessions), opened.id))
		return opened, nil
	}
	oldest := sessions[len(sessions)-1].SessionID
	var closed stuiproto.CloseSessionResult
	if err := stuiproto.Call(ctx, s.image, stuiproto.CloseSessionCommand, stuiproto.SessionIDParams{SessionID: oldest}, &closed); err != nil && !isSessionGone(err) {
		return openedSession{}, limitErr
	}
	var res stuiproto.Session
	if err := stuiproto.Call(ctx, s.image, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: ws.clientID}, &res); err != nil {
		return openedSession{}, err
	}
	opened := openedSession{id: res.SessionID}
	opened.remembered = ws.remember(ctx, opened.id, endpoint)
	s.tellUser(ctx, protocol.MessageTypeInfo, fmt.Sprintf(
		"stui: the image holds as many sessions for this folder as it allows; closed the least recently used one (%s) for a new session, %s.", oldest, opened.id))
	return opened, nil
}

// closeIfNotRemembered closes the session when its id is not on disk for the
// next start: nobody could come back to it, and it would count against the
// image's session limit until it expires.
func (ws *workspaceSession) closeIfNotRemembered(ctx context.Context) {
	ws.mu.Lock()
	id := ws.id
	if ws.remembered || id == "" {
		ws.mu.Unlock()
		return
	}
	ws.id = ""
	ws.mu.Unlock()
	var res stuiproto.CloseSessionResult
	err := stuiproto.Call(ctx, ws.set.s.image, stuiproto.CloseSessionCommand, stuiproto.SessionIDParams{SessionID: id}, &res)
	ws.set.s.log.Debug("closed the session that is not remembered", zap.String("session", id), zap.Error(err))
}

// closeUnremembered closes every session that will not be restored, within
// the context's deadline.
func (ss *sessionSet) closeUnremembered(ctx context.Context) {
	if !ss.s.image.available() {
		return
	}
	for _, ws := range ss.all() {
		ws.closeIfNotRemembered(ctx)
	}
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
	ws.remembered = false
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
