package lsp

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/internal/corpus"
)

// workspaceBenchEditor is a server over the real Serve loop with a
// workspace of Pharo's shape, indexed: the folder STUI_BENCH_CORPUS names
// (for example Pharo's src/), else a generated corpus at a tenth of
// Pharo's size. It also opens a playground in the folder to complete in.
func workspaceBenchEditor(b *testing.B) (*benchEditor, uri.URI) {
	dir := os.Getenv("STUI_BENCH_CORPUS")
	if dir == "" {
		dir = b.TempDir()
		if _, err := corpus.Write(dir, corpus.Shape{Files: corpus.PharoFiles / 10, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	e := startBenchEditorIn(b, nil, dir)
	probe := uri.File(filepath.Join(dir, "StuiBenchProbe.st"))
	if err := e.conn.Notify(b.Context(), "textDocument/didOpen", &protocol.DidOpenTextDocumentParams{
		TextDocument: protocol.TextDocumentItem{URI: probe, LanguageID: "smalltalk", Version: 1, Text: "| x |\nx := Object new.\nx prin\n"},
	}); err != nil {
		b.Fatal(err)
	}
	select {
	case <-e.indexed:
	case <-time.After(time.Minute):
		b.Fatal("the workspace was not indexed within a minute")
	}
	// What Warm makes after indexing, and the first request's line tables.
	var res []protocol.SymbolInformation
	if err := e.call("workspace/symbol", &protocol.WorkspaceSymbolParams{Query: "printOn:"}, &res); err != nil || len(res) == 0 {
		b.Fatalf("workspace/symbol printOn:: %v, %d symbols", err, len(res))
	}
	return e, probe
}

// BenchmarkWorkspaceRequests: workspace/symbol with the queries of `stui-lsp
// bench --workspace` (class name prefixes, printOn, OCM, ...) and
// completion of `x prin` from the index, over the real Serve loop, with
// the CPU time and the allocations per request (the editor's side of the
// pipe included, which costs every version of the server the same).
func BenchmarkWorkspaceRequests(b *testing.B) {
	e, probe := workspaceBenchEditor(b)
	queries := []string{"printOn", "initialize", "at:put:", "OCM", "new", "Mor", "RBPar", "Collec", "Test", "Str"}
	b.Run("symbol", func(b *testing.B) {
		i := 0
		measureRequests(b, func() error {
			var res []protocol.SymbolInformation
			i++
			return e.call("workspace/symbol", &protocol.WorkspaceSymbolParams{Query: queries[i%len(queries)]}, &res)
		})
	})
	b.Run("completion", func(b *testing.B) {
		params := &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: td(probe), Position: protocol.Position{Line: 2, Character: 6}}}
		measureRequests(b, func() error {
			var res protocol.CompletionList
			return e.call("textDocument/completion", params, &res)
		})
	})
}

// measureRequests runs do b.N times and reports the CPU time per request
// and the p50 and p99 latency.
func measureRequests(b *testing.B, do func() error) {
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	cpu := processCPU(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := do(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportRequestCosts(b, cpu, lat)
}

// reportRequestCosts reports the CPU time per request since the process
// had used cpu, and the p50 and p99 of lat. The editor's side of the pipe
// is in this process too, but costs the same to every version of the
// server.
func reportRequestCosts(b *testing.B, cpu time.Duration, lat []time.Duration) {
	b.ReportMetric(float64((processCPU(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
