package stuiclient

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// DefaultTCPEndpoint is the loopback endpoint images listened on by default
// before protocol 1.2; it is used only when given explicitly now.
const DefaultTCPEndpoint = "tcp://127.0.0.1:5555"

// DefaultSocketDir is the per-user directory of the image's default socket:
// $XDG_RUNTIME_DIR/stui, or stui-<uid> in the system's temporary directory
// where there is no XDG_RUNTIME_DIR (macOS). The image creates it with mode
// 0700.
func DefaultSocketDir() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "stui")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("stui-%d", os.Getuid()))
}

// DefaultEndpoint returns the image's default endpoint,
// ipc://DefaultSocketDir()/stui.sock, or "" when that directory is not
// private to this user (see DefaultEndpointSource).
func DefaultEndpoint() string {
	ep, _ := DefaultEndpointSource()
	return ep
}

// DefaultEndpointSource is DefaultEndpoint plus a sentence saying why, for
// diagnostics. The token and the code go to whoever listens on the socket: in
// a directory that another user owns or may write to, they could have put it
// there, so such a directory gives no default at all ("") and the user must
// name an endpoint. A directory that does not exist yet is fine: only the
// image creates it, with mode 0700.
func DefaultEndpointSource() (endpoint, source string) {
	dir := DefaultSocketDir()
	ep := "ipc://" + filepath.Join(dir, "stui.sock")
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return ep, "default (the image's per-user socket; " + dir + " does not exist yet: is the image started?)"
	case err != nil:
		return "", fmt.Sprintf("no default endpoint: %v", err)
	case !fi.IsDir():
		return "", fmt.Sprintf("no default endpoint: %s is not a directory", dir)
	case fi.Mode().Perm()&0o077 != 0:
		return "", fmt.Sprintf("no default endpoint: %s has mode %04o, want 0700 (another user could have put the socket there)", dir, fi.Mode().Perm())
	}
	if owner, ok := fileOwner(fi); ok && owner != os.Getuid() {
		return "", fmt.Sprintf("no default endpoint: %s belongs to user %d, not to this user", dir, owner)
	}
	return ep, "default (the image's per-user socket)"
}

func fileOwner(fi os.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// DefaultTokenPath returns $XDG_CONFIG_HOME/stui/token, or
// ~/.config/stui/token when XDG_CONFIG_HOME is not set.
func DefaultTokenPath() string {
	if dir := os.Getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "stui", "token")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".config", "stui", "token")
}

// ErrNoToken means no token is configured: neither STUI_TOKEN nor a token file.
var ErrNoToken = errors.New("stui: no token configured")

// The token's precedence, the one place it is decided (the server, every
// subcommand and doctor resolve it here):
//
//  1. the file named explicitly (the --token-file flag), which must exist;
//  2. $STUI_TOKEN, when set and not blank;
//  3. the per-user token file (DefaultTokenPath), when it exists.
//
// The first that is given wins, even if it cannot be used: a token file that
// others may read is an error, not a reason to fall back to the next.

// ResolveToken returns the token to send and where it came from ("--token-file
// PATH", "STUI_TOKEN" or the default file's path), by the precedence above.
// Nothing configured gives ErrNoToken. A token file that its group or others
// may read is refused: the token lets whoever holds it run code in the image.
func ResolveToken(file string) (token, source string, err error) {
	if file != "" {
		if _, err := os.Stat(file); err != nil {
			return "", "", fmt.Errorf("stui: --token-file: %w", err)
		}
		tok, err := readTokenFile(file)
		return tok, "--token-file " + file, err
	}
	if tok := strings.TrimSpace(os.Getenv("STUI_TOKEN")); tok != "" {
		return tok, "STUI_TOKEN", nil
	}
	path := DefaultTokenPath()
	if path == "" {
		return "", "", ErrNoToken
	}
	tok, err := readTokenFile(path)
	return tok, path, err
}

// LoadToken is ResolveToken without the source: file is the explicit token
// file, "" for none.
func LoadToken(file string) (string, error) {
	tok, _, err := ResolveToken(file)
	return tok, err
}

// readTokenFile reads the token on the first line of the file at path; a
// missing file gives ErrNoToken.
func readTokenFile(path string) (string, error) {
	// Without O_NONBLOCK, opening a FIFO waits for a writer: a token file
	// that is one hung every call that resolves the token.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, os.ErrNotExist) {
		return "", ErrNoToken
	}
	if err != nil {
		return "", fmt.Errorf("stui: token file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("stui: token file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("stui: token file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("stui: token file %s has mode %04o: it must be readable by its owner only (chmod 600 %s)", path, perm, path)
	}
	buf := make([]byte, 4096)
	n, err := f.Read(buf)
	if err != nil && n == 0 {
		return "", fmt.Errorf("stui: token file %s: %w", path, err)
	}
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	tok := strings.TrimSpace(line)
	if tok == "" {
		return "", fmt.Errorf("stui: token file %s is empty", path)
	}
	return tok, nil
}
