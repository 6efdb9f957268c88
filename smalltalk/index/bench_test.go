package index

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

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

// BenchmarkRenameThenQuery: what typing a method's selector does to the
// requests that read the names. Each step renames a unary method of a
// file of the tree's median size to a selector no other step used (as
// each keystroke in a selector does), indexes the file again as the
// server takes an edit outside a method's body (Update), then asks for
// the completion of `prin` from the index (SelectorsWithFoldPrefix and
// FirstImplementor, up to the server's 200 items) and for a
// workspace/symbol (the queries of BenchmarkSymbols, 200 results), in
// that order or the other (the first pays for what the edit left to do).
// It reports the p50 and p99 of each of the three.
func BenchmarkRenameThenQuery(b *testing.B) {
	dir := benchCorpus(b)
	ix := loadedBenchIndex(b)
	ix.Warm()
	path, src, sel := medianUnaryMethod(b, dir)
	uri := FileURI(path)
	classes := ix.Classes()
	queries := []string{"printOn", "initialize", "at:put:", "OCM", "new"}
	for i := 0; i < len(classes); i += len(classes) / 20 {
		queries = append(queries, classes[i][:min(len(classes[i]), 3+i%6)])
	}
	step := 0
	for _, completionFirst := range []bool{true, false} {
		name := "symbol-first"
		if completionFirst {
			name = "completion-first"
		}
		b.Run(name, func(b *testing.B) {
			var update, completion, symbol []time.Duration
			complete := func() {
				start := time.Now()
				n := 0
				for s := range ix.SelectorsWithFoldPrefix("prin") {
					ix.FirstImplementor(s)
					if n++; n == 200 {
						break
					}
				}
				completion = append(completion, time.Since(start))
			}
			search := func() {
				start := time.Now()
				ix.Symbols(queries[step%len(queries)], 200)
				symbol = append(symbol, time.Since(start))
			}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				renamed := fmt.Sprintf("%sstuiTyped%d%s", src[:sel.Start], step, src[sel.End:])
				f := smalltalk.Parse(path, []byte(renamed))
				b.StartTimer()
				start := time.Now()
				ix.Update(uri, f)
				update = append(update, time.Since(start))
				if completionFirst {
					complete()
					search()
				} else {
					search()
					complete()
				}
				step++
			}
			reportPercentiles(b, "update", update)
			reportPercentiles(b, "completion", completion)
			reportPercentiles(b, "symbol", symbol)
		})
	}
}

// BenchmarkManyNamesThenQuery: what a change of many names (a branch
// checked out, a package renamed) costs the next completion. Each step
// renames a unary method in each of 300 files (more than the names
// Index.overlayMax lets lie over the table), then times the completion of
// `prin` from the index, which makes the table again with them.
func BenchmarkManyNamesThenQuery(b *testing.B) {
	dir := benchCorpus(b)
	ix := loadedBenchIndex(b)
	ix.Warm()
	type method struct {
		uri, path string
		src       []byte
		sel       smalltalk.Range
	}
	var methods []method
	sources, err := FindSources(context.Background(), dir, func(string, error) {})
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range sources {
		src, err := ReadSource(s.Target)
		if err != nil {
			continue
		}
		f := smalltalk.Parse(s.Path, src)
		if i := slices.IndexFunc(f.Methods, func(m *smalltalk.Method) bool { return isUnary(m.Selector) }); i >= 0 {
			methods = append(methods, method{FileURI(s.Path), s.Path, src, f.Methods[i].SelectorRange})
		}
		if len(methods) == 300 {
			break
		}
	}
	var lat []time.Duration
	b.ReportAllocs()
	step := 0
	for b.Loop() {
		b.StopTimer()
		for i, m := range methods {
			renamed := fmt.Sprintf("%sstuiMany%dIn%d%s", m.src[:m.sel.Start], step, i, m.src[m.sel.End:])
			ix.UpdateSource(m.uri, m.path, []byte(renamed))
		}
		step++
		b.StartTimer()
		start := time.Now()
		n := 0
		for range ix.SelectorsWithFoldPrefix("prin") {
			if n++; n == 200 {
				break
			}
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, "completion", lat)
}

// medianUnaryMethod finds, among the files of dir from the median size up,
// the first with a unary method, and returns its path, source and that
// method's selector range.
func medianUnaryMethod(b *testing.B, dir string) (string, []byte, smalltalk.Range) {
	sources, err := FindSources(context.Background(), dir, func(string, error) {})
	if err != nil {
		b.Fatal(err)
	}
	type file struct {
		path string
		src  []byte
	}
	var files []file
	for _, s := range sources {
		if data, err := ReadSource(s.Target); err == nil {
			files = append(files, file{s.Path, data})
		}
	}
	slices.SortFunc(files, func(x, y file) int {
		return cmp.Or(cmp.Compare(len(x.src), len(y.src)), strings.Compare(x.path, y.path))
	})
	for _, c := range files[len(files)/2:] {
		f := smalltalk.Parse(c.path, c.src)
		for _, m := range f.Methods {
			if isUnary(m.Selector) {
				return c.path, c.src, m.SelectorRange
			}
		}
	}
	b.Fatal("no file of the tree has a unary method")
	return "", nil, smalltalk.Range{}
}

// reportPercentiles reports the p50 and p99 of lat as what-p50-µs and
// what-p99-µs.
func reportPercentiles(b *testing.B, what string, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), what+"-p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), what+"-p99-µs")
}

// isUnary reports whether selector is a unary one (an identifier).
func isUnary(selector string) bool {
	return selector != "" && !strings.ContainsAny(selector, ":+-*/\\~<>=@%|&?!,")
}
