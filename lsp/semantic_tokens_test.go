package lsp

import (
	"fmt"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// decodeTokens turns the relative encoding back into "line:char:len type mods".
func decodeTokens(data []uint32) []string {
	var out []string
	var line, char uint32
	for i := 0; i+4 < len(data); i += 5 {
		if data[i] > 0 {
			line += data[i]
			char = data[i+1]
		} else {
			char += data[i+1]
		}
		typ := semanticTypes[data[i+3]]
		var mods []string
		for j, m := range semanticModifiers {
			if data[i+4]&(1<<j) != 0 {
				mods = append(mods, m)
			}
		}
		out = append(out, fmt.Sprintf("%d:%d:%d %s%s", line, char, data[i+2], typ, strings.Join(append([]string{""}, mods...), "+")))
	}
	return out
}

func tokenAt(p protocol.Position, length int, typ string, mods ...string) string {
	return fmt.Sprintf("%d:%d:%d %s%s", p.Line, p.Character, length, typ, strings.Join(append([]string{""}, mods...), "+"))
}

func TestSemanticTokensUseTheLegendAndUTF16Columns(t *testing.T) {
	e := startEditor(t, editorOptions{})
	text, at := markers(`Class { #name : #⟦cls⟧Counter, #superclass : #⟦sup⟧Object, #instVars : [ 'count' ], #category : #X }

Counter >> ⟦kw⟧at: ⟦arg⟧i ⟦kw2⟧put: x [
	"⟦cmt⟧é 😀"
	⟦prag⟧<primitive: 60>
	| ⟦tmp⟧t |
	⟦t1⟧t := '😀' , ⟦iv⟧count ⟦op⟧+ ⟦num⟧42.
	^ ⟦self⟧self ⟦un⟧size + #⟦sym⟧foo
]
`)
	u := e.open("Counter.class.st", text)
	var res protocol.SemanticTokens
	if err := e.call("textDocument/semanticTokens/full", &protocol.SemanticTokensParams{TextDocument: td(u)}, &res); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(decodeTokens(res.Data), "\n")
	sym := at["sym"]
	sym.Character-- // the '#'
	for _, want := range []string{
		tokenAt(at["cls"], 7, "class", "declaration"),
		tokenAt(at["sup"], 6, "class"),
		tokenAt(at["kw"], 3, "method", "declaration"),
		tokenAt(at["kw2"], 4, "method", "declaration"),
		tokenAt(at["arg"], 1, "parameter", "declaration"),
		tokenAt(protocol.Position{Line: at["cmt"].Line, Character: at["cmt"].Character - 1}, 6, "comment"), // "é 😀": 1+1+1+2+1 UTF-16 units
		tokenAt(at["prag"], 1, "decorator"),
		tokenAt(at["tmp"], 1, "variable", "declaration"),
		tokenAt(at["t1"], 1, "variable"),
		tokenAt(at["iv"], 5, "property"),
		tokenAt(at["op"], 1, "operator"),
		tokenAt(at["num"], 2, "number"),
		tokenAt(at["self"], 4, "keyword", "readonly"),
		tokenAt(at["un"], 4, "method"),
		tokenAt(sym, 4, "enumMember"),
	} {
		if !strings.Contains(got+"\n", want+"\n") {
			t.Errorf("no token %q in\n%s", want, got)
		}
	}

	// A range request returns only what lies in the range, still relative to
	// the document start.
	var part protocol.SemanticTokens
	r := protocol.Range{Start: at["t1"], End: protocol.Position{Line: at["t1"].Line + 1}}
	if err := e.call("textDocument/semanticTokens/range", &protocol.SemanticTokensRangeParams{TextDocument: td(u), Range: r}, &part); err != nil {
		t.Fatal(err)
	}
	toks := decodeTokens(part.Data)
	if len(toks) == 0 || toks[0] != tokenAt(at["t1"], 1, "variable") {
		t.Errorf("range tokens = %v", toks)
	}
	for _, tk := range toks {
		var line int
		fmt.Sscanf(tk, "%d:", &line)
		if uint32(line) != at["t1"].Line {
			t.Errorf("range token %q outside line %d", tk, at["t1"].Line)
		}
	}
}

func TestSemanticTokensSplitMultiLineComments(t *testing.T) {
	e := startEditor(t, editorOptions{})
	u := e.open("p.st", "\"ab\nc😀d\" x")
	var res protocol.SemanticTokens
	if err := e.call("textDocument/semanticTokens/full", &protocol.SemanticTokensParams{TextDocument: td(u)}, &res); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(decodeTokens(res.Data), ",")
	if want := "0:0:3 comment,1:0:5 comment,1:6:1 variable"; got != want {
		t.Errorf("tokens %s, want %s", got, want)
	}
}
