package sessionmemory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClientIDIsStablePerFolder(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "my project")
	b := filepath.Join(dir, "other", "my project")
	if ClientID(a) != ClientID(a) {
		t.Fatal("the same folder gave two client ids")
	}
	if ClientID(a) == ClientID(b) {
		t.Fatalf("two folders named alike share the client id %s", ClientID(a))
	}
	if got := ClientID(a); !strings.HasPrefix(got, "stui-lsp-my_project-") {
		t.Fatalf("ClientID(%q) = %q, want the folder's name in it", a, got)
	}
	if ClientID("") != ScratchClientID {
		t.Fatalf("ClientID(\"\") = %q", ClientID(""))
	}
	wd, _ := os.Getwd()
	if ClientID(".") != ClientID(wd) {
		t.Fatal("a relative path and its absolute form give different client ids")
	}
}

func TestStoreRemembersPerEndpoint(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	if got := s.Recall("c", "tcp://127.0.0.1:1"); got != "" {
		t.Fatalf("Recall before Remember = %q", got)
	}
	if err := s.Remember("c", "/w", "tcp://127.0.0.1:1", "session_1"); err != nil {
		t.Fatal(err)
	}
	if got := s.Recall("c", "tcp://127.0.0.1:1"); got != "session_1" {
		t.Fatalf("Recall = %q, want session_1", got)
	}
	if got := s.Recall("c", "tcp://127.0.0.1:2"); got != "" {
		t.Fatalf("Recall for another image = %q, want nothing", got)
	}
	fi, err := os.Stat(filepath.Join(s.Dir, "sessions", "c.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("remembered file has mode %v, want 0600", fi.Mode().Perm())
	}
	s.Forget("c")
	if got := s.Recall("c", "tcp://127.0.0.1:1"); got != "" {
		t.Fatalf("Recall after Forget = %q", got)
	}
}
