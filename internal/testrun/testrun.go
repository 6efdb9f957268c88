// Package testrun is `stui-lsp test`: it runs SUnit tests in the image
// through run_tests, prints one line per test and a summary, and can write
// the outcomes as JUnit XML for a CI system to show.
package testrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Target is one thing to run: a class (with some of its selectors, or all),
// a package, or the classes of a Tonel file.
type Target struct {
	Arg       string // as given on the command line
	ClassName string
	Selectors []string
	Package   string
	// File is the Tonel file the class was read from, for file:line
	// locations; "" otherwise.
	File string
	// fileMethods maps a selector of File to the 1-based line of its header.
	fileMethods map[string]int
}

// Config is one run.
type Config struct {
	Caller stuiproto.Caller
	// TimeoutMS bounds each run_tests request (0: the protocol's default).
	TimeoutMS int
	Out       io.Writer
}

// Outcome is a test's result with the target it came from.
type Outcome struct {
	stuiproto.TestOutcome
	Target *Target
}

// Report is everything a run found.
type Report struct {
	Outcomes                        []Outcome
	Passed, Failed, Errors, Skipped int
	DurationMS                      int
	Problems                        []string // targets that could not run or finish, with why
	// NotRun counts the tests that never started because their target's run
	// passed its deadline.
	NotRun int
}

// OK reports whether every test passed or was skipped and every target ran.
func (r *Report) OK() bool { return r.Failed == 0 && r.Errors == 0 && len(r.Problems) == 0 }

// ParseTargets reads command-line arguments: a path to a Tonel file (its
// classes), Class>>selector, a class name, or a package name (anything with
// a '-' or not capitalised). A capitalised name without '-' is tried as a
// class first and, if the image has no such class, as a package.
func ParseTargets(args []string) ([]*Target, error) {
	var out []*Target
	for _, a := range args {
		switch {
		case strings.HasSuffix(a, ".st") || strings.ContainsRune(a, os.PathSeparator):
			ts, err := fileTargets(a)
			if err != nil {
				return nil, err
			}
			out = append(out, ts...)
		case strings.Contains(a, ">>"):
			class, sel, _ := strings.Cut(a, ">>")
			class, sel = strings.TrimSpace(class), strings.TrimPrefix(strings.TrimSpace(sel), "#")
			if class == "" || sel == "" {
				return nil, fmt.Errorf("%q: give Class>>selector", a)
			}
			out = append(out, &Target{Arg: a, ClassName: class, Selectors: []string{sel}})
		case looksLikeClass(a):
			out = append(out, &Target{Arg: a, ClassName: a})
		default:
			out = append(out, &Target{Arg: a, Package: a})
		}
	}
	return out, nil
}

func looksLikeClass(s string) bool {
	if s == "" || !unicode.IsUpper([]rune(s)[0]) {
		return false
	}
	for _, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// fileTargets reads the classes of a Tonel file: a class definition runs
// the class, an extension only the test methods it adds.
func fileTargets(path string) ([]*Target, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := smalltalk.Parse(filepath.Base(path), src)
	if !f.Kind.IsTonel() || len(f.Classes) == 0 {
		return nil, fmt.Errorf("%s: not a Tonel class or extension file", path)
	}
	var out []*Target
	for _, c := range f.Classes {
		t := &Target{Arg: path, ClassName: c.Name, File: path, fileMethods: map[string]int{}}
		for _, m := range f.Methods {
			if m.ClassName != c.Name || m.ClassSide {
				continue
			}
			line, _ := f.LineCol(m.SelectorRange.Start)
			t.fileMethods[m.Selector] = line
			if c.IsExtension && strings.HasPrefix(m.Selector, "test") && !strings.ContainsAny(m.Selector, ":") {
				t.Selectors = append(t.Selectors, m.Selector)
			}
		}
		if c.IsExtension && len(t.Selectors) == 0 {
			continue
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no class to test", path)
	}
	return out, nil
}

// Run runs every target, printing each test as its target's reply comes.
func Run(ctx context.Context, cfg Config, targets []*Target) *Report {
	r := &Report{}
	start := time.Now()
	for _, t := range targets {
		res, err := runTarget(ctx, cfg, t)
		var stopped *timedOutError
		stoppedMsg := ""
		if errors.As(err, &stopped) {
			// The tests that finished count as in a complete run; the one
			// running is an error, and the target a problem, so the run fails.
			res = &stopped.run.RunTestsResult
			r.NotRun += stopped.run.NotRun
			if running := stopped.run.Running; running != nil {
				res.Errors++
				res.Results = append(res.Results, stuiproto.TestOutcome{ClassName: running.ClassName, Selector: running.Selector,
					Status: stuiproto.TestError, Message: fmt.Sprintf("timed out: still running when the run passed its %d ms", stopped.timeoutMS)})
			}
			stoppedMsg = fmt.Sprintf("%s: %v", t.Arg, err)
			r.Problems = append(r.Problems, stoppedMsg)
			err = nil
		}
		if err != nil {
			msg := fmt.Sprintf("%s: %v", t.Arg, err)
			r.Problems = append(r.Problems, msg)
			fmt.Fprintf(cfg.Out, "ERROR  %s\n", msg)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		r.Passed += res.Passed
		r.Failed += res.Failed
		r.Errors += res.Errors
		r.Skipped += res.Skipped
		for _, o := range res.Results {
			out := Outcome{TestOutcome: o, Target: t}
			r.Outcomes = append(r.Outcomes, out)
			writeLine(cfg.Out, out)
		}
		if stoppedMsg != "" {
			fmt.Fprintf(cfg.Out, "ERROR  %s\n", stoppedMsg)
		}
	}
	r.DurationMS = int(time.Since(start).Milliseconds())
	fmt.Fprintln(cfg.Out, Summary(r))
	return r
}

func runTarget(ctx context.Context, cfg Config, t *Target) (*stuiproto.RunTestsResult, error) {
	p := stuiproto.RunTestsParams{ClassName: t.ClassName, Selectors: t.Selectors, Package: t.Package, TimeoutMS: cfg.TimeoutMS}
	call := func(p stuiproto.RunTestsParams) (*stuiproto.RunTestsResult, error) {
		var res stuiproto.RunTestsResult
		callCtx, cancel := context.WithTimeout(ctx, stuiproto.RunTestsCommand.Wait(p))
		defer cancel()
		return &res, stuiproto.Call(callCtx, cfg.Caller, stuiproto.RunTestsCommand, p, &res)
	}
	res, err := call(p)
	var remote *stuiproto.RemoteError
	if err != nil && t.File == "" && len(t.Selectors) == 0 && t.ClassName != "" &&
		errors.As(err, &remote) && remote.Type == stuiproto.ErrClassNotFound {
		// Not a class: perhaps a package with a capitalised name.
		p.ClassName, p.Package = "", t.ClassName
		if pres, perr := call(p); perr == nil {
			return pres, nil
		}
	}
	if run := stuiproto.TimedOutRunOf(err); run != nil {
		timeoutMS := p.TimeoutMS
		if timeoutMS <= 0 {
			timeoutMS = stuiproto.RunTestsDefaultTimeoutMS
		}
		return nil, &timedOutError{run: run, timeoutMS: timeoutMS}
	}
	if errors.As(err, &remote) {
		return nil, fmt.Errorf("%s: %s", remote.Type, remote.Message)
	}
	return res, err
}

// timedOutError is a target whose run passed its deadline; run holds what
// had finished (protocol 1.3).
type timedOutError struct {
	run       *stuiproto.TimedOutRun
	timeoutMS int
}

func (e *timedOutError) Error() string {
	s := fmt.Sprintf("Timeout: the run passed its %d ms", e.timeoutMS)
	if e.run.Running != nil {
		s += " in " + e.run.Running.ClassName + ">>" + e.run.Running.Selector
	}
	return s + fmt.Sprintf("; %d tests not run", e.run.NotRun)
}

// Location is where a failure shows in the target's file: the line of the
// deepest frame of the stack in one of the file's methods, else its test
// method's header; "" when the target is no file.
func (o Outcome) Location() string {
	t := o.Target
	if t == nil || t.File == "" {
		return ""
	}
	for _, f := range o.Stack {
		if header, ok := t.fileMethods[f.Selector]; ok && f.ClassName == t.ClassName {
			line := header
			if f.Line > 0 {
				line = header + f.Line - 1
			}
			return fmt.Sprintf("%s:%d", t.File, line)
		}
	}
	if header, ok := t.fileMethods[o.Selector]; ok {
		return fmt.Sprintf("%s:%d", t.File, header)
	}
	return ""
}

var statusWords = map[string]string{stuiproto.TestPass: "PASS", stuiproto.TestFail: "FAIL", stuiproto.TestError: "ERROR", stuiproto.TestSkip: "SKIP"}

func writeLine(w io.Writer, o Outcome) {
	word := statusWords[o.Status]
	if word == "" {
		word = strings.ToUpper(o.Status)
	}
	line := fmt.Sprintf("%-6s %s>>%s (%d ms)", word, o.ClassName, o.Selector, o.DurationMS)
	if o.Message != "" && o.Status != stuiproto.TestPass {
		line += ": " + oneLine(o.Message)
	}
	if loc := o.Location(); loc != "" && (o.Status == stuiproto.TestFail || o.Status == stuiproto.TestError) {
		line += "\n       " + loc
	}
	fmt.Fprintln(w, line)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Summary is the last line of a run.
func Summary(r *Report) string {
	n := len(r.Outcomes)
	s := fmt.Sprintf("%d tests: %d passed, %d failed, %d errors, %d skipped (%d ms)", n, r.Passed, r.Failed, r.Errors, r.Skipped, r.DurationMS)
	if r.NotRun > 0 {
		s += fmt.Sprintf("; %d not run", r.NotRun)
	}
	if len(r.Problems) > 0 {
		s += fmt.Sprintf("; %d targets could not run or finish", len(r.Problems))
	}
	return s
}
