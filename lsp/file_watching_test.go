package lsp

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/internal/corpus"
	"github.com/stui-lsp/stui-lsp/smalltalk/index"
)

func watchingClient(p *protocol.InitializeParams) {
	yes := true
	p.Capabilities.Workspace = &protocol.WorkspaceClientCapabilities{
		DidChangeWatchedFiles: &protocol.DidChangeWatchedFilesClientCapabilities{DynamicRegistration: &yes},
	}
}

func TestTheServerAsksAWatchingEditorToWatchSmalltalkFiles(t *testing.T) {
	e := startEditor(t, editorOptions{initialize: watchingClient})
	e.waitFor("client/registerCapability", func(raw json.RawMessage) bool {
		var p struct {
			Registrations []struct {
				Method          string `json:"method"`
				RegisterOptions struct {
					Watchers []struct {
						GlobPattern string `json:"globPattern"`
					} `json:"watchers"`
				} `json:"registerOptions"`
			} `json:"registrations"`
		}
		if json.Unmarshal(raw, &p) != nil || len(p.Registrations) != 1 {
			return false
		}
		r := p.Registrations[0]
		return r.Method == protocol.MethodWorkspaceDidChangeWatchedFiles && len(r.RegisterOptions.Watchers) == 1 && r.RegisterOptions.Watchers[0].GlobPattern == "**/*.st"
	})
}

// checkout changes a corpus on disk as a git checkout does: some files
// rewritten in place, some replaced by a rename, some deleted, some new.
// It returns the paths it touched.
func checkout(t *testing.T, dir string, r *rand.Rand) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".class.st") {
			files = append(files, path)
		}
		return nil
	})
	var touched []string
	for i, path := range files {
		switch r.IntN(6) {
		case 0: // a method renamed, a send added, in place
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			src = []byte(strings.Replace(string(src), "\ttmp := self ", fmt.Sprintf("\ttmp := self changedByCheckout%d; ", i), 1))
			if err := os.WriteFile(path, src, 0o644); err != nil {
				t.Fatal(err)
			}
		case 1: // replaced by a rename, as git writes files
			tmp := path + ".tmp"
			if err := os.WriteFile(tmp, []byte(fmt.Sprintf("Class { #name : #Renamed%d }\n\nRenamed%d >> fresh%d [ ^ self printOn: nil ]\n", i, i, i)), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		case 2:
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		case 3:
			path = filepath.Join(filepath.Dir(path), fmt.Sprintf("Added%d.class.st", i))
			if err := os.WriteFile(path, []byte(fmt.Sprintf("Class { #name : #Added%d }\n\nAdded%d >> added [ ^ 3 + 4 ]\n", i, i)), 0o644); err != nil {
				t.Fatal(err)
			}
		default:
			continue
		}
		touched = append(touched, path)
	}
	// A package renamed (git moves a directory as it moves each of its
	// files) and a new package with classes already in it.
	pkgs, _ := filepath.Glob(filepath.Join(dir, "Generated-Package*"))
	if len(pkgs) < 2 {
		t.Fatalf("the corpus has %d packages", len(pkgs))
	}
	moved := pkgs[len(pkgs)-1]
	before, _ := filepath.Glob(filepath.Join(moved, "*.st"))
	if err := os.Rename(moved, moved+"-Moved"); err != nil {
		t.Fatal(err)
	}
	after, _ := filepath.Glob(filepath.Join(moved+"-Moved", "*.st"))
	touched = append(append(touched, before...), after...)
	fresh := filepath.Join(dir, "Checked-Out")
	if err := os.MkdirAll(filepath.Join(fresh, "Tests"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, sub := range []string{"", "Tests"} {
		path := filepath.Join(fresh, sub, fmt.Sprintf("CheckedOut%d.class.st", i))
		if err := os.WriteFile(path, []byte(fmt.Sprintf("Class { #name : #CheckedOut%d }\n\nCheckedOut%d >> here [ ^ 1 ]\n", i, i)), 0o644); err != nil {
			t.Fatal(err)
		}
		touched = append(touched, path)
	}
	return touched
}

func TestTheIndexAfterChangesOnDiskEqualsAFreshIndex(t *testing.T) {
	for _, tc := range []struct {
		name     string
		watching bool
		poll     bool
	}{
		{"the editor watches and reports", true, false},
		{"the server watches with inotify", false, false},
		{"the server looks itself", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.poll {
				t.Setenv(pollEnv, "1")
			}
			folder := t.TempDir()
			w, err := corpus.Write(folder, corpus.Shape{Files: 60, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			opts := editorOptions{folder: folder}
			if tc.watching {
				opts.initialize = watchingClient
			}
			e := startEditor(t, opts)
			e.waitIndexed(w.Files + 60/40 + 1)
			<-e.srv.workspace.indexed
			if watcher := e.srv.workspace.treeWatcher(); (watcher != nil) != (!tc.watching && !tc.poll && runtime.GOOS == "linux") {
				t.Fatalf("inotify watcher %v, want one only when the server watches on Linux", watcher)
			}

			touched := checkout(t, folder, rand.New(rand.NewPCG(7, 18)))
			if tc.watching {
				var changes []protocol.FileEvent
				for _, path := range touched {
					typ := protocol.FileChangeTypeChanged
					if _, err := os.Stat(path); err != nil {
						typ = protocol.FileChangeTypeDeleted
					}
					changes = append(changes, protocol.FileEvent{URI: uri.File(path), Type: typ})
				}
				if err := e.conn.Notify(t.Context(), protocol.MethodWorkspaceDidChangeWatchedFiles, &protocol.DidChangeWatchedFilesParams{Changes: changes}); err != nil {
					t.Fatal(err)
				}
			}

			fresh := index.New()
			if _, err := fresh.LoadDir(t.Context(), folder); err != nil {
				t.Fatal(err)
			}
			want := fresh.Listing()
			deadline := time.Now().Add(10 * time.Second)
			for e.srv.workspace.index.Listing() != want {
				if time.Now().After(deadline) {
					got := e.srv.workspace.index.Listing()
					t.Fatalf("after %d files changed on disk the index differs from a fresh one (%d lines, want %d)", len(touched), strings.Count(got, "\n"), strings.Count(want, "\n"))
				}
				time.Sleep(20 * time.Millisecond)
			}
			if watcher := e.srv.workspace.treeWatcher(); watcher != nil && !watcher.following() {
				t.Error("the index caught up, but inotify had stopped: the server was looking at the files itself")
			}
		})
	}
}
