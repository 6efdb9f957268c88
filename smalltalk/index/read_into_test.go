package index

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ReadSourceInto reads into the buffer it is given when the file fits,
// and into new storage when it does not, with the file's bytes either way.
func TestReadSourceIntoReusesALargeEnoughBuffer(t *testing.T) {
	dir := t.TempDir()
	long, short := filepath.Join(dir, "Long.class.st"), filepath.Join(dir, "Short.class.st")
	longText, shortText := strings.Repeat("Object subclass: #Long. ", 200), "Short"
	for p, text := range map[string]string{long: longText, short: shortText} {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := ReadSourceInto(long, nil)
	if err != nil || string(buf) != longText {
		t.Fatalf("read %q, %v", buf, err)
	}
	got, err := ReadSourceInto(short, buf[:0])
	if err != nil || string(got) != shortText {
		t.Fatalf("read %q, %v", got, err)
	}
	if &got[0] != &buf[0] {
		t.Error("the short file was not read into the buffer given")
	}
	again, err := ReadSourceInto(long, make([]byte, 0, 8))
	if err != nil || string(again) != longText {
		t.Fatalf("read into a small buffer: %q, %v", again, err)
	}
	if _, err := ReadSourceInto(dir, buf[:0]); err == nil {
		t.Error("a directory was read")
	}
}
