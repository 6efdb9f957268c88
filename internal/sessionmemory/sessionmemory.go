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
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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
// documents unless told otherwise: the user's cache directory. Without one
// (neither $XDG_CACHE_HOME nor $HOME set) it is a new private directory
// under the system's temporary directory, with a random name: a name
// another user can predict is one they can take first. Sessions are then
// remembered for this process only.
func DefaultCacheDir() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "stui-lsp")
	}
	if dir, err := os.MkdirTemp("", "stui-lsp-cache-"); err == nil {
		return dir
	}
	return ""
}

// PrivateDir makes sure root and each directory sub names below it exist
// (created with mode 0700) and are directories of this user that nobody
// else can write to, none of them a symbolic link, and returns the last.
// Files written there cannot be redirected by another user: they cannot
// plant a link or swap a directory.
func PrivateDir(root string, sub ...string) (string, error) {
	if root == "" {
		return "", errors.New("no cache directory (set XDG_CACHE_HOME or HOME)")
	}
	dir := root
	for i := 0; i <= len(sub); i++ {
		if i > 0 {
			dir = filepath.Join(dir, sub[i-1])
		}
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			if i > 0 || !errors.Is(err, fs.ErrNotExist) {
				return "", err
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return "", err
			}
		}
		if err := checkPrivate(dir); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func checkPrivate(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link; stui-lsp writes only into a directory of its own", dir)
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("%s has mode %04o: others may write to it (chmod 700 %s)", dir, fi.Mode().Perm(), dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s belongs to user %d, not to this user (%d)", dir, st.Uid, os.Getuid())
	}
	return nil
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
	if _, err := PrivateDir(s.Dir, "sessions"); err != nil {
		return ""
	}
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
	if _, err := PrivateDir(s.Dir, "sessions"); err != nil {
		return err
	}
	data, err := json.Marshal(remembered{SessionID: sessionID, Folder: folder, Endpoint: endpoint})
	if err != nil {
		return err
	}
	// A temporary file of its own: the language server and the MCP server may
	// write the same client id's file at once. CreateTemp never opens an
	// existing file, and the rename replaces a link at path instead of
	// following it.
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
