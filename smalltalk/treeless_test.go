package smalltalk

import "testing"

// BenchmarkIndexScannerCorpus runs the IndexScanner over the files below
// STUI_CHECK_CORPUS, as the index's load does before it parses any; with
// BenchmarkCheckCorpus it measures the two users of the tree-less reader.
func BenchmarkIndexScannerCorpus(b *testing.B) {
	srcs, n := corpusSources(b)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	var s IndexScanner
	for b.Loop() {
		for _, src := range srcs {
			s.Scan(src)
		}
	}
}
