package index

import (
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/stui-lsp/stui-lsp/internal/corpus"
)

// benchCorpus is the tree BenchmarkLoadDir indexes: STUI_BENCH_CORPUS (for
// example Pharo's src/), else a generated corpus of Pharo's shape at a
// tenth of its size.
func benchCorpus(b *testing.B) string {
	if dir := os.Getenv("STUI_BENCH_CORPUS"); dir != "" {
		return dir
	}
	dir := b.TempDir()
	if _, err := corpus.Write(dir, corpus.Shape{Files: corpus.PharoFiles / 10, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkLoadDir indexes a tree and reports the live heap it keeps.
func BenchmarkLoadDir(b *testing.B) {
	dir := benchCorpus(b)
	var ix *Index
	for b.Loop() {
		ix = New()
		if _, err := ix.LoadDir(context.Background(), dir); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
	b.ReportMetric(float64(ix.Len()), "files")
	runtime.KeepAlive(ix)
}

// loadedBenchIndex indexes benchCorpus once for the request benchmarks.
func loadedBenchIndex(b *testing.B) *Index {
	ix := New()
	if _, err := ix.LoadDir(context.Background(), benchCorpus(b)); err != nil {
		b.Fatal(err)
	}
	return ix
}

// BenchmarkSymbols runs the workspace/symbol queries of `stui-lsp bench
// --workspace`: prefixes of class names, selectors and camel humps.
func BenchmarkSymbols(b *testing.B) {
	ix := loadedBenchIndex(b)
	classes := ix.Classes()
	queries := []string{"printOn", "initialize", "at:put:", "OCM", "new"}
	for i := 0; i < len(classes); i += len(classes) / 20 {
		queries = append(queries, classes[i][:min(len(classes[i]), 3+i%6)])
	}
	ix.Symbols("warm", 200)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ix.Symbols(queries[i%len(queries)], 200)
		i++
	}
}
