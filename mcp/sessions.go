package mcp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/internal/sessionmemory"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// sessionKeeper holds the image session the agent evaluates in. In shared
// mode its client id is the language server's for the workspace folder and
// it picks up the session the editor remembered; in own mode the client id
// is the folder's with an -mcp suffix, remembered the same way, so the
// agent's variables survive a restart of the MCP server but are not the
// editor's.
type sessionKeeper struct {
	img      Image
	log      *zap.Logger
	mode     SessionMode
	folder   string
	clientID string
	endpoint string
	memory   sessionmemory.Store

	mu sync.Mutex
	id string
}

func newSessionKeeper(opts Options, log *zap.Logger) *sessionKeeper {
	folder := opts.Workspace
	if folder == "" {
		folder, _ = os.Getwd()
	}
	clientID := sessionmemory.ClientID(folder)
	if opts.Session == SessionOwn {
		clientID += "-mcp"
	}
	dir := opts.CacheDir
	if dir == "" {
		dir = sessionmemory.DefaultCacheDir()
	}
	return &sessionKeeper{img: opts.Image, log: log, mode: opts.Session, folder: folder,
		clientID: clientID, endpoint: opts.Endpoint, memory: sessionmemory.Store{Dir: dir}}
}

// current returns the session id in use, or "" before the first evaluation.
func (k *sessionKeeper) current() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.id
}

// ensure returns the session id: the one in use, the remembered one if the
// image still has it, in shared mode the client's most recently active
// session, or a new one. note tells the agent what happened when that is
// worth knowing (a session restored without its values).
func (k *sessionKeeper) ensure(ctx context.Context) (id, note string, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.id != "" {
		return k.id, "", nil
	}
	if old := k.memory.Recall(k.clientID, k.endpoint); old != "" {
		var res stuiproto.RestoreSessionResult
		err := stuiproto.Call(ctx, k.img, stuiproto.RestoreSessionCommand, stuiproto.SessionIDParams{SessionID: old}, &res)
		switch {
		case err == nil:
			k.id = old
			if res.SessionID != "" {
				k.id = res.SessionID
			}
			vars := res.WorkspaceContext.Variables
			if !res.LiveObjects && len(vars) > 0 {
				note = fmt.Sprintf("session %s was restored after an image restart: the variables %v are declared but their values are gone", k.id, vars)
			}
			k.log.Info("restored session", zap.String("session", k.id), zap.Int("variables", len(vars)))
			return k.id, note, nil
		case isSessionGone(err):
			k.log.Info("remembered session is gone from the image", zap.String("session", old))
			k.memory.Forget(k.clientID)
		default:
			return "", "", err
		}
	}
	if k.mode == SessionShared {
		// The editor may have a session that it has not remembered yet (or
		// does not remember at all, with persistSession off).
		var list stuiproto.ListClientSessionsResult
		if err := stuiproto.Call(ctx, k.img, stuiproto.ListClientSessionsCommand, stuiproto.ClientIDParams{ClientID: k.clientID}, &list); err != nil {
			return "", "", err
		}
		var best *stuiproto.Session
		for i := range list.Sessions {
			s := &list.Sessions[i]
			if s.IsActive && (best == nil || s.LastActivity > best.LastActivity) {
				best = s
			}
		}
		if best != nil {
			k.adopt(best.SessionID)
			k.log.Info("joined the editor's session", zap.String("session", k.id))
			return k.id, "", nil
		}
	}
	var created stuiproto.Session
	if err := stuiproto.Call(ctx, k.img, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: k.clientID}, &created); err != nil {
		return "", "", err
	}
	k.adopt(created.SessionID)
	k.log.Info("new session", zap.String("session", k.id), zap.String("client_id", k.clientID))
	return k.id, "", nil
}

// adopt makes id the session in use and remembers it, so that the editor
// (in shared mode) or the next MCP server (in own mode) finds it. Called with
// k.mu held.
func (k *sessionKeeper) adopt(id string) {
	k.id = id
	if err := k.memory.Remember(k.clientID, k.folder, k.endpoint, id); err != nil {
		k.log.Warn("cannot remember session", zap.Error(err))
	}
}

// lost forgets id after the image said it no longer has it.
func (k *sessionKeeper) lost(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.id == id {
		k.id = ""
		k.memory.Forget(k.clientID)
	}
}

// do runs fn in the session, and once more in a new session when the image
// lost the first (it was restarted). The note says so, for the agent.
func (k *sessionKeeper) do(ctx context.Context, fn func(id string) error) (note string, err error) {
	for attempt := 0; ; attempt++ {
		id, n, err := k.ensure(ctx)
		if err != nil {
			return note, err
		}
		if n != "" {
			note = n
		}
		err = fn(id)
		if isSessionGone(err) && attempt == 0 {
			k.lost(id)
			note = fmt.Sprintf("the image no longer had session %s (was it restarted?): a new session was made, and workspace variables from before are gone", id)
			continue
		}
		return note, err
	}
}

func isSessionGone(err error) bool {
	var remote *stuiproto.RemoteError
	return errors.As(err, &remote) && (remote.Type == stuiproto.ErrSessionNotFound || remote.Type == stuiproto.ErrSessionExpired)
}
