package corpus

import (
	"os"
	"strings"
	"testing"
)

func TestWriteMakesACorpusOfTheShapeAsked(t *testing.T) {
	dir := t.TempDir()
	w, err := Write(dir, Shape{Files: 200, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if w.Files != 200 {
		t.Errorf("files %d", w.Files)
	}
	big, err := os.ReadFile(w.BigFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(big) < 150_000 || len(big) > 300_000 {
		t.Errorf("the big class has %d bytes, want about 200 KB", len(big))
	}
	if avg := w.Bytes / int64(w.Files); avg < 1500 || avg > 6000 {
		t.Errorf("average file %d bytes, want about 3 KB as in Pharo", avg)
	}
	if !strings.Contains(string(big), "printOn:") {
		t.Errorf("no printOn: in the big class")
	}
}
