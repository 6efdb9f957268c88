package lsp

import (
	"context"
	"fmt"
	"testing"

	"github.com/stui-lsp/stui-lsp/smalltalk/index"
)

// Warming the line tables makes one for each indexed file, from its
// indexed text, which a later get reuses.
func TestWarmLineTablesCoverTheIndexedFiles(t *testing.T) {
	ix := index.New()
	for i := range 3 {
		src := fmt.Sprintf("Class { #name : #C%d, #superclass : #Object }\n\nC%d >> m [\n\t^ %d\n]\n", i, i, i)
		ix.UpdateSource(fmt.Sprintf("file:///w/C%d.class.st", i), "C.class.st", []byte(src))
	}
	var c lineTableCache
	c.warm(context.Background(), ix)
	if len(c.tables) != 3 {
		t.Fatalf("%d tables after warming, want 3", len(c.tables))
	}
	for key, li := range c.tables {
		src, _ := ix.Source(key)
		if li.text != src || len(li.lines) != 6 {
			t.Errorf("%s: table of %d lines for another text", key, len(li.lines))
		}
		if c.get(key, src) != li {
			t.Errorf("%s: the warmed table was not reused", key)
		}
	}
}
