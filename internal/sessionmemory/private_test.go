package sessionmemory

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPrivateDirRefusesWhatOthersControl(t *testing.T) {
	base := t.TempDir()
	mine := filepath.Join(base, "mine")
	if dir, err := PrivateDir(mine, "sessions"); err != nil || dir != filepath.Join(mine, "sessions") {
		t.Fatalf("a fresh directory: %q, %v", dir, err)
	}
	if fi, _ := os.Stat(filepath.Join(mine, "sessions")); fi.Mode().Perm() != 0o700 {
		t.Errorf("created with mode %04o", fi.Mode().Perm())
	}

	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o777)
	if _, err := PrivateDir(open); err == nil || !strings.Contains(err.Error(), "others may write") {
		t.Errorf("a 0777 directory: %v", err)
	}

	other := t.TempDir()
	link := filepath.Join(base, "link")
	os.Symlink(other, link)
	if _, err := PrivateDir(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a link to a directory: %v", err)
	}
	if _, err := PrivateDir(mine, "..", "link"); err == nil {
		t.Errorf("a link below the root was accepted")
	}

	if os.Getuid() == 0 {
		theirs := filepath.Join(base, "theirs")
		os.Mkdir(theirs, 0o700)
		if err := os.Chown(theirs, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := PrivateDir(theirs); err == nil || !strings.Contains(err.Error(), "belongs to user 65534") {
			t.Errorf("another user's directory: %v", err)
		}
	}
}

func TestDefaultCacheDirWithoutHomeIsUnpredictable(t *testing.T) {
	t.Setenv("HOME", "")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("TMPDIR", t.TempDir())
	a, b := DefaultCacheDir(), DefaultCacheDir()
	if a == "" || a == b {
		t.Fatalf("cache directories %q and %q: want two fresh ones", a, b)
	}
	if strings.HasSuffix(a, fmt.Sprintf("stui-lsp-%d", os.Getuid())) {
		t.Errorf("the predictable name %s", a)
	}
	if _, err := PrivateDir(a); err != nil {
		t.Errorf("the fallback is not private: %v", err)
	}
}

// A link planted where the session file goes is replaced, not followed.
func TestRememberDoesNotFollowALink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("precious"), 0o600)
	s := Store{Dir: dir}
	if _, err := PrivateDir(dir, "sessions"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, s.path("c")); err != nil {
		t.Fatal(err)
	}
	if err := s.Remember("c", "/f", "ipc://x", "session_1"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(victim); string(data) != "precious" {
		t.Errorf("the victim's file now reads %q", data)
	}
	if got := s.Recall("c", "ipc://x"); got != "session_1" {
		t.Errorf("recalled %q", got)
	}
}
