package check

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/smalltalk/index"
)

// TestCorpusParseUnchanged parses every file of the tree named by
// STUI_CHECK_CORPUS and compares a hash over everything the parser
// produced (every field of every File, Method, node, STON value, comment
// and error, nil apart from empty), and over the parses of two damaged
// copies of each file (for the error paths), with the hash recorded for that tree in
// testdata/corpus_parse_hashes.txt, so that a faster parser is shown to
// give exactly what the parser before it gave. Trees are recognised by a
// hash of their paths and contents; an unknown tree is skipped with both
// hashes logged, to be recorded with a build known to be right.
func TestCorpusParseUnchanged(t *testing.T) {
	dir := os.Getenv("STUI_CHECK_CORPUS")
	if dir == "" {
		t.Skip("STUI_CHECK_CORPUS not set")
	}
	files, err := index.FindSources(context.Background(), dir, func(path string, err error) { t.Errorf("%s: %v", path, err) })
	if err != nil {
		t.Fatal(err)
	}
	sourceHashes := make([][]byte, len(files))
	parseHashes := make([][]byte, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				src, err := index.ReadSource(files[i].Target)
				if err != nil {
					t.Error(err)
					continue
				}
				rel, _ := filepath.Rel(dir, files[i].Path)
				h := sha256.New()
				h.Write([]byte(filepath.ToSlash(rel)))
				h.Write([]byte{0})
				h.Write(src)
				sourceHashes[i] = h.Sum(nil)
				name := filepath.ToSlash(rel)
				// The tree parses cleanly; two damaged copies of each file
				// bring the error paths in: a byte dropped, and the end cut.
				cut := len(src) / 3
				dropped := append(src[:cut:cut], src[min(cut+1, len(src)):]...)
				h.Reset()
				h.Write(hashParse(smalltalk.Parse(name, src)))
				h.Write(hashParse(smalltalk.Parse(name, dropped)))
				h.Write(hashParse(smalltalk.Parse(name, src[:2*len(src)/3])))
				parseHashes[i] = h.Sum(nil)
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	sourceSum, parseSum := sha256.New(), sha256.New()
	for i := range files {
		sourceSum.Write(sourceHashes[i])
		parseSum.Write(parseHashes[i])
	}
	source, parse := hex.EncodeToString(sourceSum.Sum(nil)), hex.EncodeToString(parseSum.Sum(nil))
	// STUI_CHECK_CORPUS_HASHES names a file to write each file's parse
	// hash to, for finding the files whose parse changed.
	if out := os.Getenv("STUI_CHECK_CORPUS_HASHES"); out != "" {
		var b strings.Builder
		for i, f := range files {
			b.WriteString(hex.EncodeToString(parseHashes[i]) + " " + f.Path + "\n")
		}
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	known, err := os.ReadFile("testdata/corpus_parse_hashes.txt")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(known)) {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || f[0] != source {
			continue
		}
		if f[1] != parse {
			t.Fatalf("%d files (sources %s): the parse hash is %s, recorded %s: the parser's output changed", len(files), source, parse, f[1])
		}
		t.Logf("%d files: parse hash %s as recorded (%s)", len(files), parse, strings.Join(f[2:], " "))
		return
	}
	t.Skipf("tree not recorded: %d files, sources %s, parse %s", len(files), source, parse)
}

// hashParse hashes every field reachable from f, except the File's lazily
// built line and rune tables.
func hashParse(f *smalltalk.File) []byte {
	h := sha256.New()
	w := bufio.NewWriterSize(h, 1<<16)
	d := &dumper{w: w}
	d.value(reflect.ValueOf(f))
	w.Flush()
	return h.Sum(nil)
}

type dumper struct {
	w   *bufio.Writer
	num [binary.MaxVarintLen64]byte
}

var onceType = reflect.TypeFor[sync.Once]()

func (d *dumper) int(n int64) {
	d.w.Write(d.num[:binary.PutVarint(d.num[:], n)])
}

func (d *dumper) str(s string) {
	d.int(int64(len(s)))
	d.w.WriteString(s)
}

func (d *dumper) value(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			d.w.WriteByte('n')
			return
		}
		d.w.WriteByte('p')
		d.value(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			d.w.WriteByte('n')
			return
		}
		d.str(v.Elem().Type().String())
		d.value(v.Elem())
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			sf := t.Field(i)
			if sf.Type == onceType || sf.Name == "lineStarts" || sf.Name == "runeMarks" {
				continue
			}
			d.value(v.Field(i))
		}
	case reflect.Slice:
		if v.IsNil() {
			d.w.WriteByte('n')
			return
		}
		d.w.WriteByte('s')
		d.int(int64(v.Len()))
		if v.Type().Elem().Kind() == reflect.Uint8 {
			d.w.Write(v.Bytes())
			return
		}
		for i := range v.Len() {
			d.value(v.Index(i))
		}
	case reflect.String:
		d.str(v.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		d.int(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		d.int(int64(v.Uint()))
	case reflect.Bool:
		if v.Bool() {
			d.w.WriteByte('t')
		} else {
			d.w.WriteByte('f')
		}
	default:
		panic("hashParse: unexpected " + v.Type().String())
	}
}
