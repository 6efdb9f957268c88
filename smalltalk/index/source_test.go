package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// hostileTree makes a workspace with one good file and every kind of .st
// entry the index must not read: a FIFO (reading it blocks forever), a
// link to /dev/zero (reading it never ends), a link out of the tree, a
// file over the size limit, and a link to a directory.
func hostileTree(t *testing.T) (root string) {
	t.Helper()
	root = t.TempDir()
	outside := t.TempDir()
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "Good.class.st"), "Class { #name : #Good }\n\nGood >> ok [ ^ 1 ]\n")
	write(filepath.Join(outside, "Secret.class.st"), "Class { #name : #Secret }\n")
	if err := syscall.Mkfifo(filepath.Join(root, "x.st"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"zero.st":    "/dev/zero",
		"secret.st":  filepath.Join(outside, "Secret.class.st"),
		"inside.st":  "Good.class.st",
		"dir.st":     outside,
		"dangles.st": "nowhere.st",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	big, err := os.Create(filepath.Join(root, "Big.class.st"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(MaxSourceSize + 1); err != nil {
		t.Fatal(err)
	}
	big.Close()
	return root
}

func TestFindSourcesSkipsWhatItMustNotRead(t *testing.T) {
	root := hostileTree(t)
	skipped := map[string]error{}
	sources, err := FindSources(context.Background(), root, func(path string, err error) {
		skipped[filepath.Base(path)] = err
	})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, s := range sources {
		found = append(found, filepath.Base(s.Path)+"->"+filepath.Base(s.Target))
	}
	sort.Strings(found)
	if got := strings.Join(found, " "); got != "Big.class.st->Big.class.st Good.class.st->Good.class.st inside.st->Good.class.st" {
		t.Errorf("sources %s", got)
	}
	for name, want := range map[string]error{"x.st": ErrNotRegular, "zero.st": ErrOutsideTree, "secret.st": ErrOutsideTree, "dir.st": ErrOutsideTree} {
		if !errors.Is(skipped[name], want) {
			t.Errorf("%s: skipped with %v, want %v", name, skipped[name], want)
		}
	}
	if skipped["dangles.st"] == nil {
		t.Errorf("a dangling link was not reported")
	}
}

func TestReadSourceRefusesWhatIsNotARegularFile(t *testing.T) {
	root := hostileTree(t)
	for name, want := range map[string]error{
		"x.st":         ErrNotRegular, // opened without blocking, then refused
		"zero.st":      ErrNotRegular, // a link: not followed
		"Big.class.st": ErrTooLarge,
	} {
		if _, err := ReadSource(filepath.Join(root, name)); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	if _, err := ReadSource("/dev/zero"); !errors.Is(err, ErrNotRegular) {
		t.Errorf("/dev/zero: %v", err)
	}
	if src, err := ReadSource(filepath.Join(root, "Good.class.st")); err != nil || !strings.HasPrefix(string(src), "Class") {
		t.Errorf("good file: %q, %v", src, err)
	}
}

func TestLoadDirIndexesOnlyTheRegularFiles(t *testing.T) {
	root := hostileTree(t)
	ix := New()
	n, err := ix.LoadDir(context.Background(), root)
	if n != 2 {
		t.Errorf("%d files indexed, want 2 (the good file and the link to it)", n)
	}
	if err == nil {
		t.Errorf("no error reported for the skipped files")
	}
	if got := strings.Join(ix.Classes(), " "); got != "Good" {
		t.Errorf("classes %q", got)
	}
}
