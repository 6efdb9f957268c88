// Package check implements "stui-lsp check": it parses Smalltalk source
// files and reports their syntax errors.
package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
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
	// big; collecting less often saves a quarter of the CPU (docs/performance.md).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	start := time.Now()
	status := 0
	var files []index.Source
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
			files = append(files, index.Source{Path: p, Target: target})
			continue
		}
		found, err := index.FindSources(context.Background(), p, func(path string, err error) {
			if errors.Is(err, index.ErrNotRegular) || errors.Is(err, index.ErrOutsideTree) {
				fmt.Fprintf(stderr, "check: skipped %s: %v\n", path, unwrapPath(err))
				return
			}
			fmt.Fprintf(stderr, "check: cannot read %s: %v\n", path, unwrapPath(err))
			status = 2
		})
		if err != nil {
			fmt.Fprintf(stderr, "check: %v\n", err)
			status = 2
		}
		files = append(files, found...)
	}

	type result struct {
		lines []string
		bytes int
		errs  int
		err   error
	}
	results := make([]result, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				src, err := index.ReadSource(files[i].Target)
				if err != nil {
					results[i].err = err
					continue
				}
				f := smalltalk.Parse(files[i].Path, src)
				r := result{bytes: len(src), errs: len(f.Errors)}
				for _, e := range f.Errors {
					l, c := f.LineCol(e.Start)
					r.lines = append(r.lines, fmt.Sprintf("%s:%d:%d: %s", files[i].Path, l, c, e.Message))
				}
				results[i] = r
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()

	var nbytes, nerrs int
	for i, r := range results {
		if r.err != nil {
			fmt.Fprintf(stderr, "check: cannot read %s: %v\n", files[i].Path, unwrapPath(r.err))
			status = 2
			continue
		}
		nbytes += r.bytes
		nerrs += r.errs
		for _, l := range r.lines {
			fmt.Fprintln(stdout, l)
		}
	}
	if nerrs > 0 && status == 0 {
		status = 1
	}
	fmt.Fprintf(stderr, "checked %d %s (%s) in %s: %d syntax %s\n",
		len(files), plural(len(files), "file"), sizeString(nbytes),
		time.Since(start).Round(time.Millisecond), nerrs, plural(nerrs, "error"))
	return status
}

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
