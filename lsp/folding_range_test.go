package lsp

import (
	"testing"

	"go.lsp.dev/protocol"
)

func TestFoldingRangesCoverDefinitionMethodsBlocksAndComments(t *testing.T) {
	e := startEditor(t, editorOptions{})
	text, at := markers(`⟦c⟧"Zählt 😀
über mehrere Zeilen"
⟦def⟧Class {
	#name : #Counter,
	#superclass : #Object
⟦defEnd⟧}

⟦m⟧Counter >> run [
	#(1 2) do: ⟦blk⟧[ :x |
		x printString.
		x ⟦blkEnd⟧]
⟦mEnd⟧]
`)
	u := e.open("Counter.class.st", text)
	var folds []protocol.FoldingRange
	if err := e.call("textDocument/foldingRange", &protocol.FoldingRangeParams{TextDocument: td(u)}, &folds); err != nil {
		t.Fatal(err)
	}
	want := map[[2]uint32]protocol.FoldingRangeKind{
		{at["c"].Line, at["c"].Line + 1}:        protocol.FoldingRangeKindComment,
		{at["def"].Line, at["defEnd"].Line - 1}: protocol.FoldingRangeKindRegion, // the closing brace stays visible
		{at["m"].Line, at["mEnd"].Line - 1}:     protocol.FoldingRangeKindRegion,
		{at["blk"].Line, at["blkEnd"].Line}:     protocol.FoldingRangeKindRegion, // the bracket ends a line of code
	}
	got := map[[2]uint32]protocol.FoldingRangeKind{}
	for _, f := range folds {
		got[[2]uint32{f.StartLine, f.EndLine}] = f.Kind
	}
	for k, kind := range want {
		if got[k] != kind {
			t.Errorf("no %s fold over lines %d-%d; got %v", kind, k[0], k[1], folds)
		}
	}
	if len(folds) != len(want) {
		t.Errorf("folds = %v, want %d", folds, len(want))
	}
}
