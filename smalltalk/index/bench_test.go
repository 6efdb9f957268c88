package index

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/stui-lsp/stui-lsp/internal/corpus"
	"github.com/stui-lsp/stui-lsp/smalltalk"
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

// BenchmarkUpdateMethod: a character typed and deleted inside a method in
// the middle of the tree's largest file (Morph's, in Pharo's src/), taken
// by the index method by method as the server takes an edit.
func BenchmarkUpdateMethod(b *testing.B) {
	dir := benchCorpus(b)
	ix := loadedBenchIndex(b)
	sources, err := FindSources(context.Background(), dir, func(string, error) {})
	if err != nil {
		b.Fatal(err)
	}
	var path string
	var src []byte
	for _, s := range sources {
		if data, err := ReadSource(s.Target); err == nil && len(data) > len(src) {
			path, src = s.Path, data
		}
	}
	uri := FileURI(path)
	cur := smalltalk.Parse(path, src)
	ix.Update(uri, cur)
	at := len(src) / 2
	at += strings.Index(string(src[at:]), "\n\t") + 2
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		end, text := at, "x"
		if i%2 == 1 {
			end, text = at+1, ""
		}
		i++
		b.StopTimer()
		next, m := smalltalk.ReparseMethod(cur, at, end, text)
		if m < 0 {
			b.Fatal("the edit left its method")
		}
		b.StartTimer()
		ix.UpdateMethod(uri, cur, next, m)
		cur = next
	}
}
