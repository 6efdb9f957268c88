package dap

import (
	"errors"

	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/internal/sessionmemory"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// workspaceSession finds the image session of a workspace folder the way the
// language server and the MCP server do, so that the debugged code sees the
// editor's workspace variables: the session remembered for the folder's
// client id if the image still has it, else the client's most recently
// active one, else a new one (remembered for the others).
func (s *server) workspaceSession(folder string) (string, error) {
	clientID := sessionmemory.ClientID(folder)
	dir := s.opts.CacheDir
	if dir == "" {
		dir = sessionmemory.DefaultCacheDir()
	}
	memory := sessionmemory.Store{Dir: dir}
	if old := memory.Recall(clientID, s.opts.Endpoint); old != "" {
		res, err := call(s, stuiproto.RestoreSessionCommand, stuiproto.SessionIDParams{SessionID: old})
		var re *stuiproto.RemoteError
		switch {
		case err == nil:
			if res.SessionID != "" {
				return res.SessionID, nil
			}
			return old, nil
		case errors.As(err, &re):
			s.log.Info("remembered session is gone", zap.String("session", old), zap.Error(err))
		default:
			return "", err
		}
	}
	list, err := call(s, stuiproto.ListClientSessionsCommand, stuiproto.ClientIDParams{ClientID: clientID})
	if err != nil {
		return "", err
	}
	var best *stuiproto.Session
	for i := range list.Sessions {
		if ss := &list.Sessions[i]; ss.IsActive && (best == nil || ss.LastActivity > best.LastActivity) {
			best = ss
		}
	}
	if best != nil {
		return best.SessionID, nil
	}
	created, err := call(s, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: clientID})
	if err != nil {
		return "", err
	}
	if err := memory.Remember(clientID, folder, s.opts.Endpoint, created.SessionID); err != nil {
		s.log.Warn("cannot remember the session", zap.Error(err))
	}
	return created.SessionID, nil
}
