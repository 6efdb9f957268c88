// Package check implements "stui-lsp check": it parses Smalltalk source
// files and reports their syntax errors.
package check

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/smalltalk/index"
)

// Run parses the files named by paths; a directory stands for every *.st
// file below it (recursively, skipping .git and node_modules). Files are
// read as the language server's index reads them (index.FindSources and
// index.ReadSource): only regular files of at most index.MaxSourceSize
// bytes, and below a directory no symbolic link leading out of it; a FIFO
// or a device is never opened for reading. Each syntax error is printed to
// stdout as "file:line:col: message", with 1-based line and column, the
// column counted in characters (Unicode code points). A one-line summary
// goes to stderr. Run returns 0 if there were no errors, 1 if some file
// has syntax errors, and 2 if a path could not be read. Files skipped
// below a directory are named on stderr and do not change the status.
func Run(paths []string, stdout, stderr io.Writer) int {
	// Nothing outlives a file's parse, so the live heap stays a few files
	// big: the collector need not run until the heap reaches a limit far
	// above that, a few collections over Pharo's tree instead of dozens
	// (docs/performance.md). GOGC and GOMEMLIMIT have the last word.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(checkMemoryLimit))
	}
	start := time.Now()
	status := 0

	// The walk feeds the workers as it finds files, so that reading and
	// parsing start with the first file rather than after the last
	// directory; each file's result has its place in walk order.
	type result struct {
		lines []string
		bytes int
		errs  int
		err   error
	}
	type job struct {
		file index.Source
		r    *result
	}
	var files []index.Source
	var results []*result
	jobs := make(chan job, 1024)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var line []byte
			// Most files have no error to report: the checker says so
			// without a tree, and only the others are parsed, for their
			// messages.
			var checker smalltalk.Checker
			// Nothing refers to a file's bytes once its errors are
			// printed, so one buffer serves every file a worker reads.
			var buf []byte
			for j := range jobs {
				src, err := index.ReadSourceInto(j.file.Target, buf)
				if err != nil {
					j.r.err = err
					continue
				}
				buf = src[:0]
				if checker.Clean(src) {
					j.r.bytes = len(src)
					continue
				}
				f := smalltalk.Parse(j.file.Path, src)
				j.r.bytes, j.r.errs = len(src), len(f.Errors)
				for _, e := range f.Errors {
					l, c := f.LineCol(e.Start)
					line = append(line[:0], j.file.Path...)
					line = append(strconv.AppendInt(append(line, ':'), int64(l), 10), ':')
					line = append(strconv.AppendInt(line, int64(c), 10), ": "...)
					j.r.lines = append(j.r.lines, string(append(append(line, e.Message...), '\n')))
				}
			}
		})
	}
	add := func(s index.Source) {
		r := new(result)
		files, results = append(files, s), append(results, r)
		jobs <- job{s, r}
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(stderr, "check: cannot read %s: %v\n", p, unwrapPath(err))
			status = 2
			continue
		}
		if !fi.IsDir() {
			target, err := index.ResolveNamedSource(p)
			if err != nil {
				fmt.Fprintf(stderr, "check: cannot read %s: %v\n", p, unwrapPath(err))
				status = 2
				continue
			}
			add(index.Source{Path: p, Target: target})
			continue
		}
		err = index.WalkSources(context.Background(), p, func(path string, err error) {
			if errors.Is(err, index.ErrNotRegular) || errors.Is(err, index.ErrOutsideTree) {
				fmt.Fprintf(stderr, "check: skipped %s: %v\n", path, unwrapPath(err))
				return
			}
			fmt.Fprintf(stderr, "check: cannot read %s: %v\n", path, unwrapPath(err))
			status = 2
		}, add)
		if err != nil {
			fmt.Fprintf(stderr, "check: %v\n", err)
			status = 2
		}
	}
	close(jobs)
	wg.Wait()

	var nbytes, nerrs int
	out := bufio.NewWriterSize(stdout, 64<<10)
	defer out.Flush()
	for i, r := range results {
		if r.err != nil {
			out.Flush() // so that the two streams interleave as the files do
			fmt.Fprintf(stderr, "check: cannot read %s: %v\n", files[i].Path, unwrapPath(r.err))
			status = 2
			continue
		}
		nbytes += r.bytes
		nerrs += r.errs
		for _, l := range r.lines {
			out.WriteString(l)
		}
	}
	if nerrs > 0 && status == 0 {
		status = 1
	}
	out.Flush()
	fmt.Fprintf(stderr, "checked %d %s (%s) in %s: %d syntax %s\n",
		len(files), plural(len(files), "file"), sizeString(nbytes),
		time.Since(start).Round(time.Millisecond), nerrs, plural(nerrs, "error"))
	return status
}

// checkMemoryLimit is the heap size at which check collects: far above
// the live heap of parsing a few files of Pharo's size at a time. (Files
// of several MB, whose trees together outgrow it, make the collector run
// more often, as a lower GOGC would.)
const checkMemoryLimit = 128 << 20

func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func sizeString(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
