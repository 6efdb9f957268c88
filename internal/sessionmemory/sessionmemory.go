// Package sessionmemory is what stui-lsp remembers about the image session of
// a workspace folder: the client id derived from the folder, and the session
// id last used for it, kept in a small file per client id. The language
// server and the MCP server both use it, so an editor and an agent working
// in the same folder find the same session.
package sessionmemory

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ScratchClientID is the client id of files outside any workspace folder.
const ScratchClientID = "stui-lsp-scratch"

// ClientID derives a stable client id from a folder path: the folder's base
// name (for people reading the image's session list) and a hash of its
// absolute path (so two folders with the same name differ).
func ClientID(folder string) string {
	if folder == "" {
		return ScratchClientID
	}
	abs, err := filepath.Abs(folder)
	if err != nil {
		abs = folder
	}
	sum := sha256.Sum256([]byte(abs))
	name := strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, filepath.Base(abs))
	if len(name) > 32 {
		name = name[:32]
	}
	return "stui-lsp-" + name + "-" + hex.EncodeToString(sum[:6])
}

// DefaultCacheDir is where stui-lsp keeps remembered sessions and generated
// documents unless told otherwise.
func DefaultCacheDir() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "stui-lsp")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("stui-lsp-%d", os.Getuid()))
}

// Store keeps one remembered session per client id under Dir/sessions.
type Store struct {
	Dir string
}

// remembered is the file's content.
type remembered struct {
	SessionID string `json:"session_id"`
	Folder    string `json:"folder"`
	Endpoint  string `json:"endpoint"`
}

func (s Store) path(clientID string) string {
	return filepath.Join(s.Dir, "sessions", clientID+".json")
}

// Recall returns the session id remembered for clientID at endpoint, or ""
// (nothing remembered, or remembered for another image).
func (s Store) Recall(clientID, endpoint string) string {
	data, err := os.ReadFile(s.path(clientID))
	if err != nil {
		return ""
	}
	var m remembered
	if json.Unmarshal(data, &m) != nil || m.Endpoint != endpoint {
		return ""
	}
	return m.SessionID
}

// Remember records sessionID as clientID's session at endpoint. The file is
// replaced atomically, so a concurrent Recall sees the old or the new id.
func (s Store) Remember(clientID, folder, endpoint, sessionID string) error {
	path := s.path(clientID)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	data, err := json.Marshal(remembered{SessionID: sessionID, Folder: folder, Endpoint: endpoint})
	if err != nil {
		return err
	}
	// A temporary file of its own: the language server and the MCP server may
	// write the same client id's file at once.
	tmp, err := os.CreateTemp(filepath.Dir(path), clientID+".*.tmp")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
	}
	return werr
}

// Forget removes what is remembered for clientID.
func (s Store) Forget(clientID string) {
	_ = os.Remove(s.path(clientID))
}
