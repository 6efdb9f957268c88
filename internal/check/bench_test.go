package check

import (
	"io"
	"os"
	"testing"
)

// BenchmarkCorpus checks the tree named by STUI_CHECK_CORPUS (Pharo's src/,
// say) as "stui-lsp check" does, output discarded.
func BenchmarkCorpus(b *testing.B) {
	dir := os.Getenv("STUI_CHECK_CORPUS")
	if dir == "" {
		b.Skip("STUI_CHECK_CORPUS not set")
	}
	for b.Loop() {
		Run([]string{dir}, io.Discard, io.Discard)
	}
}
