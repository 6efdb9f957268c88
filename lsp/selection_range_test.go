package lsp

import (
	"testing"

	"go.lsp.dev/protocol"
)

func TestSelectionRangeGrowsThroughTheTree(t *testing.T) {
	e := startEditor(t, editorOptions{})
	text, at := markers(`Class { #name : #Counter, #superclass : #Object }

Counter >> run [
	"é😀" ⟦stmt⟧⟦kw⟧self at: (⟦inner⟧3 + 4) put: ⟦x⟧'😀'⟦stmtEnd⟧.
	^ 1
]
`)
	u := e.open("Counter.class.st", text)
	var res []protocol.SelectionRange
	if err := e.call("textDocument/selectionRange", &protocol.SelectionRangeParams{TextDocument: td(u), Positions: []protocol.Position{at["x"], at["inner"]}}, &res); err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("%d selection ranges", len(res))
	}
	var chain []protocol.Range
	for r := &res[0]; r != nil; r = r.Parent {
		chain = append(chain, r.Range)
	}
	if chain[0].Start != at["x"] {
		t.Errorf("innermost starts at %v, want the string at %v", chain[0].Start, at["x"])
	}
	found := false
	for i, r := range chain {
		if i > 0 && !contains(r, chain[i-1]) {
			t.Errorf("range %d %v does not contain %v", i, r, chain[i-1])
		}
		if r.Start == at["stmt"] && r.End == at["stmtEnd"] {
			found = true
		}
	}
	if !found {
		t.Errorf("no step selects the statement: %v", chain)
	}
	if last := chain[len(chain)-1]; last.Start != (protocol.Position{}) {
		t.Errorf("outermost %v is not the whole document", last)
	}
	if res[1].Range.Start != at["inner"] {
		t.Errorf("second position starts at %v, want %v", res[1].Range.Start, at["inner"])
	}
}
