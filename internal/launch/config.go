// Package launch starts, watches and stops the image of a workspace: how to
// start it comes from the `stui.image` setting or a .stui.json at the folder's
// root; when neither names an endpoint, the image gets a private one (an ipc
// socket in a 0700 directory) and a generated token (a 0600 file), so an
// image stui-lsp starts is reachable by its user alone.
//
// The package knows nothing of ZeroMQ or LSP: whoever uses it says how to
// ping the image.
package launch

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// FileName is the launch configuration file at a workspace folder's root.
const FileName = ".stui.json"

// Config says how to start a workspace's image: the `image` object of
// .stui.json or of the `stui` settings.
type Config struct {
	// Command and Args start the image, e.g. "pharo" and ["--headless",
	// "My.image", "st", "pharo/scripts/serve.st"]. ${endpoint}, ${tokenFile}
	// and ${workspaceFolder} in either are replaced by their values.
	Command string   `json:"command"`
	Args    []string `json:"args"`
	// Cwd is the working directory, relative to the workspace folder
	// (default: the folder).
	Cwd string `json:"cwd"`
	// Env is added to stui-lsp's environment for the image.
	Env map[string]string `json:"env"`
	// Endpoint is where the image listens. Empty: a private ipc endpoint of
	// the workspace, with a generated token.
	Endpoint string `json:"endpoint"`
	// KeepRunning leaves the image running when the editor shuts stui-lsp
	// down; `stui-lsp image stop` stops it.
	KeepRunning bool `json:"keepRunning"`
}

// ErrNotConfigured means neither the settings nor .stui.json say how to
// start the image.
var ErrNotConfigured = errors.New("no image launch configured")

// Load finds the launch configuration of folder: the `stui.image` setting
// (raw, may be empty) when it names a command, else the `image` object of
// folder/.stui.json. It answers ErrNotConfigured when neither does, and an
// error naming the file for a file that does not parse.
func Load(folder string, setting json.RawMessage) (Config, error) {
	if s := bytes.TrimSpace(setting); len(s) > 0 && string(s) != "null" {
		var c Config
		if err := json.Unmarshal(s, &c); err != nil {
			return Config{}, fmt.Errorf("the stui.image setting: %w", err)
		}
		if c.Command != "" {
			return c, nil
		}
	}
	path := filepath.Join(folder, FileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Config{}, ErrNotConfigured
	}
	if err != nil {
		return Config{}, err
	}
	var file struct {
		Image *Config `json:"image"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if file.Image == nil || file.Image.Command == "" {
		return Config{}, ErrNotConfigured
	}
	return *file.Image, nil
}

// Workspace is a folder's image as stui-lsp runs it: where its state lives,
// the endpoint to reach it and, when that endpoint is the generated one,
// the token file.
type Workspace struct {
	Folder string
	Config Config
	// Dir is the workspace's private directory (0700): the generated socket
	// and token, the pid file and the image's output.
	Dir       string
	Endpoint  string
	TokenFile string // "" when the configuration names the endpoint
}

// PIDFile holds the pid of the image last started for the workspace.
func (w *Workspace) PIDFile() string { return filepath.Join(w.Dir, "image.pid") }

// LogFile collects what the image writes to its stdout and stderr.
func (w *Workspace) LogFile() string { return filepath.Join(w.Dir, "image.log") }

// Prepare makes the workspace's private directory and, when the
// configuration names no endpoint, its ipc endpoint and token.
func Prepare(folder string, c Config) (*Workspace, error) {
	abs, err := filepath.Abs(folder)
	if err != nil {
		return nil, err
	}
	dir, err := stateDir(abs)
	if err != nil {
		return nil, err
	}
	w := &Workspace{Folder: abs, Config: c, Dir: dir, Endpoint: c.Endpoint}
	if w.Endpoint == "" {
		w.Endpoint = "ipc://" + filepath.Join(dir, "image.sock")
		w.TokenFile = filepath.Join(dir, "token")
		if err := ensureToken(w.TokenFile); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// stateDir is $XDG_RUNTIME_DIR/stui/ws-<hash of folder>, or the same under
// a per-user directory of the temporary directory, each level 0700 and ours.
func stateDir(folder string) (string, error) {
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base != "" {
		base = filepath.Join(base, "stui")
	} else {
		base = filepath.Join(os.TempDir(), fmt.Sprintf("stui-%d", os.Getuid()))
	}
	sum := sha256.Sum256([]byte(folder))
	dir := filepath.Join(base, "ws-"+hex.EncodeToString(sum[:6]))
	for _, d := range []string{base, dir} {
		if err := privateDir(d); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// privateDir makes d with mode 0700, or checks that an existing d is a
// directory of ours that nobody else may enter. It never loosens or takes
// over a directory made by someone else.
func privateDir(d string) error {
	if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	fi, err := os.Lstat(d)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", d)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s belongs to another user (uid %d)", d, st.Uid)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s has mode %04o: others may enter it; want 0700", d, fi.Mode().Perm())
	}
	return nil
}

// ensureToken writes a fresh random token to path (mode 0600) unless a
// private one is there already.
func ensureToken(path string) error {
	if _, err := ReadToken(path); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(hex.EncodeToString(raw) + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadToken reads the token in path: its first line. A file others may
// read is refused, for the token lets whoever holds it run code.
func ReadToken(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("token file %s is not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("token file %s has mode %04o; want 0600", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	tok, _, _ := strings.Cut(string(data), "\n")
	if tok = strings.TrimSpace(tok); tok == "" {
		return "", fmt.Errorf("token file %s is empty", path)
	}
	return tok, nil
}

// expand replaces the ${...} names a configuration may use.
func (w *Workspace) expand(s string) string {
	return strings.NewReplacer("${endpoint}", w.Endpoint, "${tokenFile}", w.TokenFile, "${workspaceFolder}", w.Folder).Replace(s)
}

// environment is stui-lsp's environment for the image, less any token of
// its own, plus STUI_ENDPOINT, STUI_TOKEN_FILE (which pharo/scripts/serve.st
// reads) and the configuration's variables.
func (w *Workspace) environment() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "STUI_TOKEN", "STUI_TOKEN_FILE", "STUI_ENDPOINT":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "STUI_ENDPOINT="+w.Endpoint)
	if w.TokenFile != "" {
		env = append(env, "STUI_TOKEN_FILE="+w.TokenFile)
	}
	for k, v := range w.Config.Env {
		env = append(env, k+"="+w.expand(v))
	}
	return env
}

// NobodyListens reports whether the endpoint is an ipc socket that nothing
// accepts connections on (missing, or left behind by an image that
// ended): no need to wait for a ping to learn that nothing answers.
func (w *Workspace) NobodyListens() bool {
	path, ok := strings.CutPrefix(w.Endpoint, "ipc://")
	if !ok {
		return false
	}
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return true
	}
	_ = conn.Close()
	return false
}
