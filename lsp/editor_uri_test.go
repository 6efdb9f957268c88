package lsp

import (
	"net/url"
	"path/filepath"
	"testing"

	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/smalltalk/index"
)

// editorURI's shortcut for plain paths answers what the parse it skips
// answers, and paths that need escaping still take the parse.
func TestEditorURIOfPlainPathsIsTheParsedOne(t *testing.T) {
	for _, path := range []string{
		"/home/dev/pharo/src/Kernel/Object.class.st", "/a/B-c_d.9/e.st", "/with space/x.st", "/caf\u00e9/x.st",
		"/per%cent/x.st", "/a+b/x.st", "/q?/x.st", "/h#/x.st", "/a/./b.st", "/a/../b.st", "//server/share.st", "/",
	} {
		key := index.FileURI(path)
		var want uri.URI
		if u, err := url.Parse(key); err == nil && u.Scheme == "file" {
			want = uri.File(filepath.FromSlash(u.Path))
		}
		if got := editorURI(key); got != want {
			t.Errorf("editorURI(%q) = %q, want %q (plain: %v)", key, got, want, plainFileURI(key))
		}
	}
	if !plainFileURI(index.FileURI("/home/dev/pharo/src/Kernel/Object.class.st")) {
		t.Error("a plain path takes the parse")
	}
}
