package stuiclient_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stui-lsp/stui-lsp/stuiclient"
)

func TestDefaultEndpoint(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("XDG_RUNTIME_DIR", "")
	perUser := filepath.Join(tmp, fmt.Sprintf("stui-%d", os.Getuid()))
	if ep := stuiclient.DefaultEndpoint(); ep != "ipc://"+filepath.Join(perUser, "stui.sock") {
		t.Errorf("without XDG_RUNTIME_DIR: %s", ep)
	}
	dir := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", dir)
	want := "ipc://" + filepath.Join(dir, "stui", "stui.sock")
	if ep := stuiclient.DefaultEndpoint(); ep != want {
		t.Errorf("before the image made its directory: %s", ep)
	}
	os.MkdirAll(filepath.Join(dir, "stui"), 0o700)
	if ep := stuiclient.DefaultEndpoint(); ep != want {
		t.Errorf("in a private directory: %s", ep)
	}
	// Never loopback tcp, and never a directory others could have made.
	for _, mode := range []os.FileMode{0o750, 0o711, 0o777} {
		os.Chmod(filepath.Join(dir, "stui"), mode)
		if ep, why := stuiclient.DefaultEndpointSource(); ep != "" || !strings.Contains(why, "want 0700") {
			t.Errorf("mode %04o: %q (%s)", mode, ep, why)
		}
	}
	os.Chmod(filepath.Join(dir, "stui"), 0o700)
	if os.Getuid() == 0 {
		os.Chown(filepath.Join(dir, "stui"), 65534, 65534)
		if ep, why := stuiclient.DefaultEndpointSource(); ep != "" || !strings.Contains(why, "belongs to user 65534") {
			t.Errorf("another user's directory: %q (%s)", ep, why)
		}
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
	if tok, err := stuiclient.LoadToken(""); err != nil || tok != "from-env" {
		t.Errorf("STUI_TOKEN: %q, %v", tok, err)
	}
}

// TestTokenPrecedence: --token-file, then STUI_TOKEN, then the per-user file,
// as the flag's help says; the first given wins even when it is unusable.
func TestTokenPrecedence(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	os.MkdirAll(filepath.Join(dir, "stui"), 0o700)
	os.WriteFile(stuiclient.DefaultTokenPath(), []byte("from-default\n"), 0o600)
	flagFile := filepath.Join(dir, "flag-token")
	os.WriteFile(flagFile, []byte("from-flag\n"), 0o600)
	loose := filepath.Join(dir, "loose-token")
	os.WriteFile(loose, []byte("from-loose\n"), 0o644)

	cases := []struct {
		name, env, file       string
		wantToken, wantSource string
		wantErr               string
	}{
		{name: "the flag's file over STUI_TOKEN", env: "from-env", file: flagFile, wantToken: "from-flag", wantSource: "--token-file " + flagFile},
		{name: "STUI_TOKEN over the default file", env: "from-env", wantToken: "from-env", wantSource: "STUI_TOKEN"},
		{name: "the default file when nothing else is given", wantToken: "from-default", wantSource: stuiclient.DefaultTokenPath()},
		{name: "an unusable flag file does not fall back", env: "from-env", file: loose, wantErr: "chmod 600"},
		{name: "a missing flag file does not fall back", env: "from-env", file: filepath.Join(dir, "absent"), wantErr: "--token-file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("STUI_TOKEN", c.env)
			tok, source, err := stuiclient.ResolveToken(c.file)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("ResolveToken(%q) = %q, %v; want an error with %q", c.file, tok, err, c.wantErr)
				}
				return
			}
			if err != nil || tok != c.wantToken || source != c.wantSource {
				t.Errorf("ResolveToken(%q) = %q from %q, %v; want %q from %q", c.file, tok, source, err, c.wantToken, c.wantSource)
			}
		})
	}
}
