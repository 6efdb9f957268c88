package lsp

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// BenchmarkTypeSelectorThenRequests: an editor typing a new method's
// selector in a class of the workspace, over the real Serve loop: each
// step changes the selector in the method's header (a didChange outside
// the method's body, which the server indexes as the whole file before a
// request that reads the index) to one no step used before, then asks for
// the completion of `x prin` in the playground (from the index) and for a
// workspace/symbol. It reports the p50 and p99 of both requests, the
// edit's notification included in the completion's.
func BenchmarkTypeSelectorThenRequests(b *testing.B) {
	e, probe := workspaceBenchEditor(b)
	u := uri.File(filepath.Join(filepath.Dir(uriToPath(probe)), "StuiBenchTyping.class.st"))
	const header = "StuiBenchTyping >> "
	selector := "stuiTyped"
	text := "Class { #name : #StuiBenchTyping, #superclass : #Object, #category : #'Stui-Bench' }\n\n" + header + selector + " [ ^ 1 ]\n"
	if err := e.conn.Notify(context.Background(), "textDocument/didOpen", &protocol.DidOpenTextDocumentParams{
		TextDocument: protocol.TextDocumentItem{URI: u, LanguageID: "smalltalk", Version: 1, Text: text},
	}); err != nil {
		b.Fatal(err)
	}
	completion := &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: td(probe), Position: protocol.Position{Line: 2, Character: 6}}}
	queries := []string{"printOn", "initialize", "at:put:", "OCM", "new", "Mor", "RBPar", "Collec", "Test", "Str"}
	var completions, symbols []time.Duration
	b.ReportAllocs()
	cpu := processCPU(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		next := fmt.Sprintf("stuiTyped%d", i)
		start := time.Now()
		change := &protocol.TextDocumentContentChangePartial{
			Range: protocol.Range{Start: protocol.Position{Line: 2, Character: uint32(len(header))}, End: protocol.Position{Line: 2, Character: uint32(len(header) + len(selector))}},
			Text:  next,
		}
		selector = next
		if err := e.conn.Notify(context.Background(), "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
			TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: td(u), Version: int32(i + 2)},
			ContentChanges: []protocol.TextDocumentContentChangeEvent{change},
		}); err != nil {
			b.Fatal(err)
		}
		var list protocol.CompletionList
		if err := e.call("textDocument/completion", completion, &list); err != nil {
			b.Fatal(err)
		}
		completions = append(completions, time.Since(start))
		start = time.Now()
		var res []protocol.SymbolInformation
		if err := e.call("workspace/symbol", &protocol.WorkspaceSymbolParams{Query: queries[i%len(queries)]}, &res); err != nil {
			b.Fatal(err)
		}
		symbols = append(symbols, time.Since(start))
	}
	b.StopTimer()
	// The typed method is in the index: a search for it finds it.
	var res []protocol.SymbolInformation
	if err := e.call("workspace/symbol", &protocol.WorkspaceSymbolParams{Query: selector}, &res); err != nil || !slices.ContainsFunc(res, func(s protocol.SymbolInformation) bool {
		return s.Name == selector && s.ContainerName != nil && *s.ContainerName == "StuiBenchTyping"
	}) {
		b.Fatalf("workspace/symbol %s: %v, %d symbols, without the typed method", selector, err, len(res))
	}
	b.ReportMetric(float64((processCPU(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/step")
	for _, m := range []struct {
		what string
		lat  []time.Duration
	}{{"completion", completions}, {"symbol", symbols}} {
		slices.Sort(m.lat)
		b.ReportMetric(float64(m.lat[len(m.lat)/2].Microseconds()), m.what+"-p50-µs")
		b.ReportMetric(float64(m.lat[len(m.lat)*99/100].Microseconds()), m.what+"-p99-µs")
	}
}
