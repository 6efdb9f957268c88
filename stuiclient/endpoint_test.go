package stuiclient_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stui-lsp/stui-lsp/stuiclient"
)

func TestDefaultEndpoint(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "")
	if ep := stuiclient.DefaultEndpoint(); ep != stuiclient.DefaultTCPEndpoint {
		t.Errorf("without XDG_RUNTIME_DIR: %s", ep)
	}
	dir := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", dir)
	if ep := stuiclient.DefaultEndpoint(); ep != stuiclient.DefaultTCPEndpoint {
		t.Errorf("without a socket: %s", ep)
	}
	os.MkdirAll(filepath.Join(dir, "stui"), 0o700)
	sock := filepath.Join(dir, "stui", "stui.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skip(err)
	}
	defer l.Close()
	if ep := stuiclient.DefaultEndpoint(); ep != "ipc://"+sock {
		t.Errorf("with a socket: %s", ep)
	}
}

func TestLoadToken(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("STUI_TOKEN", "")
	if got := stuiclient.DefaultTokenPath(); got != filepath.Join(dir, "stui", "token") {
		t.Errorf("default path %s", got)
	}
	if _, err := stuiclient.LoadToken(""); !errors.Is(err, stuiclient.ErrNoToken) {
		t.Errorf("no file: %v", err)
	}
	os.MkdirAll(filepath.Join(dir, "stui"), 0o700)
	path := stuiclient.DefaultTokenPath()
	os.WriteFile(path, []byte("s3cret\n"), 0o640)
	if _, err := stuiclient.LoadToken(""); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("group-readable file: %v", err)
	}
	os.Chmod(path, 0o604)
	if _, err := stuiclient.LoadToken(path); err == nil {
		t.Error("world-readable file accepted")
	}
	os.Chmod(path, 0o600)
	if tok, err := stuiclient.LoadToken(""); err != nil || tok != "s3cret" {
		t.Errorf("0600 file: %q, %v", tok, err)
	}
	t.Setenv("STUI_TOKEN", "from-env")
	if tok, err := stuiclient.LoadToken(path); err != nil || tok != "from-env" {
		t.Errorf("STUI_TOKEN: %q, %v", tok, err)
	}
}
