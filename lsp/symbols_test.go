package lsp

import (
	"fmt"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

func TestDocumentSymbolGroupsMethodsBySideAndCategory(t *testing.T) {
	e := startEditor(t, editorOptions{})
	text, at := markers(counterSource)
	u := e.open("Counter.class.st", text)
	var syms []protocol.DocumentSymbol
	if err := e.call("textDocument/documentSymbol", &protocol.DocumentSymbolParams{TextDocument: td(u)}, &syms); err != nil {
		t.Fatal(err)
	}
	if len(syms) != 1 || syms[0].Name != "Counter" || syms[0].Kind != protocol.SymbolKindClass {
		t.Fatalf("symbols = %+v, want the class Counter", syms)
	}
	c := syms[0]
	if c.SelectionRange.Start != at["cls"] {
		t.Errorf("class selection at %v, want %v (UTF-16)", c.SelectionRange.Start, at["cls"])
	}
	var outline []string
	var walk func(prefix string, ss []protocol.DocumentSymbol)
	walk = func(prefix string, ss []protocol.DocumentSymbol) {
		for _, s := range ss {
			outline = append(outline, prefix+s.Name)
			walk(prefix+"  ", s.Children)
		}
	}
	walk("", c.Children)
	want := "accessing|  count|  increment|Counter class|  instance creation|    new"
	if got := strings.Join(outline, "|"); got != want {
		t.Errorf("outline\n got %s\nwant %s", got, want)
	}
	incr := c.Children[0].Children[1]
	if incr.SelectionRange.Start != at["incr"] || incr.Kind != protocol.SymbolKindMethod {
		t.Errorf("increment at %v kind %v, want %v method", incr.SelectionRange.Start, incr.Kind, at["incr"])
	}
	if !contains(c.Range, incr.Range) || !contains(c.Children[0].Range, incr.Range) {
		t.Errorf("method range %v is not inside its protocol %v and class %v", incr.Range, c.Children[0].Range, c.Range)
	}
}

func TestDocumentSymbolListsPlaygroundVariables(t *testing.T) {
	e := startEditor(t, editorOptions{})
	text, at := markers("| ⟦a⟧a |\n\"é😀\" ⟦b⟧b := 3. a := b + 1.\n")
	u := e.open("p.st", text)
	var syms []protocol.DocumentSymbol
	if err := e.call("textDocument/documentSymbol", &protocol.DocumentSymbolParams{TextDocument: td(u)}, &syms); err != nil {
		t.Fatal(err)
	}
	if len(syms) != 2 || syms[0].Name != "a" || syms[1].Name != "b" || syms[1].SelectionRange.Start != at["b"] {
		t.Errorf("playground symbols = %+v", syms)
	}
}

func contains(outer, inner protocol.Range) bool {
	before := func(a, b protocol.Position) bool {
		return a.Line < b.Line || a.Line == b.Line && a.Character <= b.Character
	}
	return before(outer.Start, inner.Start) && before(inner.End, outer.End)
}

// bigTonel generates a Tonel class of about n lines.
func bigTonel(n int) string {
	var b strings.Builder
	b.WriteString("Class {\n\t#name : #Big,\n\t#superclass : #Object,\n\t#instVars : [ 'a', 'b' ],\n\t#category : #'Bench-Core'\n}\n\n")
	for i := 0; b.Len() < n*28; i++ {
		side := ""
		if i%7 == 0 {
			side = " class"
		}
		fmt.Fprintf(&b, "{ #category : #'proto%d' }\nBig%s >> at: i%d put: x [\n\t\"Store x — %d 😀\"\n\t| t |\n\tt := a at: i%d put: x + %d.\n\t^ t collect: [ :e | e printString , 'é' ]\n]\n\n", i%12, side, i, i, i, i)
	}
	return b.String()
}

// BenchmarkDocumentSymbol measures the outline of a 5,000-line Tonel file
// as the server answers it: once with the parse cached (as after the first
// request on a document), once including the parse.
func BenchmarkDocumentSymbol(b *testing.B) {
	text := bigTonel(5000)
	if n := strings.Count(text, "\n"); n < 4900 {
		b.Fatalf("generated %d lines", n)
	}
	s := &server{encoding: encodingUTF16}
	b.Run("cached-parse", func(b *testing.B) {
		doc := newDocument("file:///big.class.st", "smalltalk", 1, text)
		doc.file()
		doc.lines()
		b.SetBytes(int64(len(text)))
		b.ResetTimer()
		for b.Loop() {
			if syms := s.documentSymbols(doc); len(syms) != 1 {
				b.Fatal(len(syms))
			}
		}
	})
	b.Run("with-parse", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			doc := newDocument("file:///big.class.st", "smalltalk", 1, text)
			if syms := s.documentSymbols(doc); len(syms) != 1 {
				b.Fatal(len(syms))
			}
		}
	})
}
