package index

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stui-lsp/stui-lsp/internal/corpus"
	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// fixtureSources returns the Smalltalk files of the repository's fixtures
// and of its own image side, which together hold every Tonel form the
// parser's tests cover, broken files included.
func fixtureSources(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, dir := range []string{"../../testdata", "../testdata", "../../lsp/testdata", "../../pharo"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".st") {
				return err
			}
			src, err := os.ReadFile(path)
			out[path] = src
			return err
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d fixtures found", len(out))
	}
	return out
}

// parsedListing is the index of one file built from its parse tree, the
// reference the scanner is held to.
func parsedListing(name string, src []byte) string {
	ix := New()
	ix.Update("file:///"+name, smalltalk.Parse(name, src))
	return ix.Listing()
}

func scannedListing(name string, src []byte) string {
	ix := New()
	ix.UpdateSource("file:///"+name, name, src)
	return ix.Listing()
}

// checkScannedEqualsParsed compares the two indexes of one file and, for a
// Tonel file that parses without errors, checks that the scanner read it
// itself rather than leaving it to the parser.
func checkScannedEqualsParsed(t *testing.T, name string, src []byte) {
	t.Helper()
	want, got := parsedListing(name, src), scannedListing(name, src)
	if got != want {
		t.Errorf("%s: the scanned index differs from the parsed one:\n%s", name, firstDifference(want, got))
	}
	f := smalltalk.Parse(name, src)
	var sc smalltalk.IndexScanner
	if f.Kind.IsTonel() && len(f.Errors) == 0 && !sc.Scan(src) {
		t.Errorf("%s parses without errors, but the scanner left it to the parser", name)
	}
}

func firstDifference(want, got string) string {
	if _, a, b, differ := firstMismatch(strings.Split(want, "\n"), strings.Split(got, "\n")); differ {
		return "parsed:  " + a + "\nscanned: " + b
	}
	return ""
}

// firstMismatch finds the first index at which want and got differ, a
// missing element counting as "".
func firstMismatch(want, got []string) (at int, a, b string, differ bool) {
	for i := 0; i < len(want) || i < len(got); i++ {
		a, b = "", ""
		if i < len(want) {
			a = want[i]
		}
		if i < len(got) {
			b = got[i]
		}
		if a != b {
			return i, a, b, true
		}
	}
	return 0, "", "", false
}

func TestTheScannedIndexOfEveryFixtureEqualsTheParsedOne(t *testing.T) {
	scanned := 0
	for name, src := range fixtureSources(t) {
		checkScannedEqualsParsed(t, name, src)
		var sc smalltalk.IndexScanner
		if sc.Scan(src) {
			scanned++
		}
	}
	if scanned < 20 {
		t.Errorf("the scanner read only %d fixtures itself", scanned)
	}
}

func TestTheScannedIndexOfAGeneratedCorpusEqualsTheParsedOne(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.Write(dir, corpus.Shape{Files: 400, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	checkTreeIndexEqualsParsed(t, dir)
}

// TestTheScannedIndexOfATreeEqualsTheParsedOne runs the comparison on the
// tree named by STUI_INDEX_CORPUS, such as Pharo's src/.
func TestTheScannedIndexOfATreeEqualsTheParsedOne(t *testing.T) {
	dir := os.Getenv("STUI_INDEX_CORPUS")
	if dir == "" {
		t.Skip("set STUI_INDEX_CORPUS to a source tree (for example Pharo's src/) to compare on it")
	}
	checkTreeIndexEqualsParsed(t, dir)
}

// checkTreeIndexEqualsParsed compares LoadDir's index of dir (scanned, on
// all cores, in shards) with one built file by file from parse trees, and
// each file's scanned index with its parsed one.
func checkTreeIndexEqualsParsed(t *testing.T, dir string) {
	t.Helper()
	loaded := New()
	n, err := loaded.LoadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	sources, err := FindSources(context.Background(), dir, func(string, error) {})
	if err != nil {
		t.Fatal(err)
	}
	parsed := New()
	for _, s := range sources {
		src, err := ReadSource(s.Target)
		if err != nil {
			t.Fatal(err)
		}
		parsed.Update(FileURI(s.Path), smalltalk.Parse(s.Path, src))
		checkScannedEqualsParsed(t, s.Path, src)
	}
	if n != len(sources) || n == 0 {
		t.Fatalf("LoadDir indexed %d files of %d", n, len(sources))
	}
	if want, got := parsed.Listing(), loaded.Listing(); got != want {
		t.Errorf("LoadDir's index differs from the parsed one:\n%s", firstDifference(want, got))
	}
}

func TestLoadDirKeepsAChangeMadeWhileItRuns(t *testing.T) {
	ix := New()
	beginLoad(ix)
	// A walk's shard read four files; one of them changes in the index
	// after it was read, and another is removed. Of the two the shard
	// brings, one changes after the shard was absorbed, while its
	// locations wait for the load's end.
	shard := shardOf(ix, map[string]string{"foo.st": fooSrc, "bar.st": fooSrc, "kept.st": fooSrc, "later.st": fooSrc})
	ix.Update("file:///foo.st", smalltalk.Parse("foo.st", []byte(barSrc)))
	ix.Remove("file:///bar.st")
	ix.absorb(shard)
	ix.Update("file:///later.st", smalltalk.Parse("later.st", []byte(barSrc)))
	endLoad(ix)
	want := New()
	want.Update("file:///foo.st", smalltalk.Parse("foo.st", []byte(barSrc)))
	want.Update("file:///kept.st", smalltalk.Parse("kept.st", []byte(fooSrc)))
	want.Update("file:///later.st", smalltalk.Parse("later.st", []byte(barSrc)))
	if got := ix.Listing(); got != want.Listing() {
		t.Errorf("the walk's older read replaced a newer change:\n%s", firstDifference(want.Listing(), got))
	}
}

// A load lays out the locations of the files it reads only when it ends.
// A file the index already has with the same text (a document the editor
// opened as the load began, every unchanged file when a lost inotify
// queue makes the server read the workspace again) must stay findable
// meanwhile: the load keeps the entry it has rather than replacing it
// with one whose locations are not laid out yet.
func TestAFileIndexedBeforeALoadStaysFindableWhileTheLoadReadsItAgain(t *testing.T) {
	ix := New()
	ix.Update("file:///foo.st", smalltalk.Parse("foo.st", []byte(fooSrc)))
	ix.Update("file:///changed.st", smalltalk.Parse("changed.st", []byte(fooSrc)))
	beginLoad(ix)
	shard := shardOf(ix, map[string]string{"foo.st": fooSrc, "changed.st": barSrc, "new.st": barSrc})
	ix.absorb(shard)
	if got := ix.ClassDefinition("Foo"); len(got) != 1 || got[0].URI != "file:///foo.st" {
		t.Errorf("while the load runs, Foo's definition = %+v, want foo.st's", got)
	}
	endLoad(ix)
	want := New()
	want.Update("file:///foo.st", smalltalk.Parse("foo.st", []byte(fooSrc)))
	want.Update("file:///changed.st", smalltalk.Parse("changed.st", []byte(barSrc)))
	want.Update("file:///new.st", smalltalk.Parse("new.st", []byte(barSrc)))
	if got := ix.Listing(); got != want.Listing() {
		t.Errorf("after the load:\n%s", firstDifference(want.Listing(), got))
	}
}

// An editor opening a file as it is on disk sends the text the index has:
// Update leaves the entry as it is, except while a load runs, when the
// entry may be one whose locations wait for the load's end and Update
// makes them findable at once.
func TestUpdateWithTheIndexedTextLeavesTheEntryUnlessALoadRuns(t *testing.T) {
	ix := New()
	ix.Update("file:///foo.st", smalltalk.Parse("foo.st", []byte(fooSrc)))
	version := ix.files[ix.ids["file:///foo.st"]].version
	ix.Update("file:///foo.st", smalltalk.Parse("foo.st", []byte(fooSrc)))
	if got := ix.files[ix.ids["file:///foo.st"]].version; got != version {
		t.Errorf("the same text indexed again: version %d, was %d", got, version)
	}
	ix.Update("file:///foo.st", smalltalk.Parse("foo.st", []byte(barSrc)))
	if got := ix.files[ix.ids["file:///foo.st"]].version; got == version {
		t.Errorf("another text left the entry as it was")
	}

	ix = New()
	beginLoad(ix)
	shard := shardOf(ix, map[string]string{"foo.st": fooSrc})
	ix.absorb(shard)
	ix.Update("file:///foo.st", smalltalk.Parse("foo.st", []byte(fooSrc)))
	if got := ix.ClassDefinition("Foo"); len(got) != 1 {
		t.Errorf("a document opened after the load read it, while the load runs: Foo's definition = %+v", got)
	}
	endLoad(ix)
	want := New()
	want.Update("file:///foo.st", smalltalk.Parse("foo.st", []byte(fooSrc)))
	if got := ix.Listing(); got != want.Listing() {
		t.Errorf("after the load:\n%s", firstDifference(want.Listing(), got))
	}
}

// beginLoad and endLoad bracket a load as LoadDir does, for a test that
// absorbs shards by hand.
func beginLoad(ix *Index) {
	ix.mu.Lock()
	ix.loading, ix.touched = 1, map[string]uint64{}
	ix.mu.Unlock()
}

func endLoad(ix *Index) {
	ix.mu.Lock()
	ix.loading--
	ix.layoutLocked()
	ix.mu.Unlock()
}

// shardOf is a LoadDir worker's shard that read the files named (under
// file:///NAME) with the texts given, now.
func shardOf(ix *Index, files map[string]string) *Index {
	shard := newShard()
	readAt := ix.stamp.Load()
	for name, src := range files {
		var ls locations
		ls.fromFile(smalltalk.Parse(name, []byte(src)))
		shard.update("file:///"+name, name, src, &ls)
		shard.files[shard.ids["file:///"+name]].readAt = readAt
	}
	return shard
}
