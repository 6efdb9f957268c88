package check

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stui-lsp/stui-lsp/internal/corpus"
	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/smalltalk/index"
)

func TestRunClean(t *testing.T) {
	var out, errOut bytes.Buffer
	status := Run([]string{"../../testdata/smalltalk/Counter.class.st", "../../testdata/smalltalk/playground.st"}, &out, &errOut)
	if status != 0 || out.Len() != 0 {
		t.Errorf("status %d, output %q", status, out.String())
	}
	if !strings.HasPrefix(errOut.String(), "checked 2 files (") || !strings.Contains(errOut.String(), ": 0 syntax errors") {
		t.Errorf("summary %q", errOut.String())
	}
}

func TestRunErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	status := Run([]string{"../../testdata/smalltalk/broken"}, &out, &errOut)
	if status != 1 {
		t.Errorf("status %d", status)
	}
	want := "../../testdata/smalltalk/broken/playground.st:2:10: expected argument after '+', found '.'\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}

func TestRunUnreadable(t *testing.T) {
	var out, errOut bytes.Buffer
	if status := Run([]string{"does/not/exist"}, &out, &errOut); status != 2 {
		t.Errorf("status %d", status)
	}
	if !strings.Contains(errOut.String(), "cannot read does/not/exist") {
		t.Errorf("stderr %q", errOut.String())
	}
}

// TestRunReportsEveryErrorParseFinds checks a generated tree in which
// some files are damaged: Run, which parses only what the Checker does
// not call clean, prints exactly the errors that parsing every file finds.
func TestRunReportsEveryErrorParseFinds(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.Write(dir, corpus.Shape{Files: 200, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	files, err := index.FindSources(context.Background(), dir, func(path string, err error) { t.Errorf("%s: %v", path, err) })
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(18, 3))
	pieces := []string{"[", "]", "(", ")", "'", "\"", "#(", "|", "<", "{", "}", ".", ":=", "^", "#[ 300 ]"}
	var want strings.Builder
	for i, s := range files {
		src, err := os.ReadFile(s.Target)
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 && len(src) > 0 {
			at := r.IntN(len(src))
			src = append(append(append([]byte{}, src[:at]...), pieces[r.IntN(len(pieces))]...), src[at:]...)
			if err := os.WriteFile(s.Target, src, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		f := smalltalk.Parse(s.Path, src)
		for _, e := range f.Errors {
			l, c := f.LineCol(e.Start)
			fmt.Fprintf(&want, "%s:%d:%d: %s\n", s.Path, l, c, e.Message)
		}
	}
	if want.Len() == 0 {
		t.Fatal("the damage made no syntax error")
	}
	var out, errOut bytes.Buffer
	if status := Run([]string{dir}, &out, &errOut); status != 1 {
		t.Errorf("status %d, stderr %q", status, errOut.String())
	}
	if out.String() != want.String() {
		t.Errorf("Run printed:\n%s\nparsing every file finds:\n%s", out.String(), want.String())
	}
}
