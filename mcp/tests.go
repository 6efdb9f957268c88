package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// RunTestsArgs are run_tests's arguments.
type RunTestsArgs struct {
	ClassName string   `json:"class_name,omitempty" jsonschema:"a TestCase subclass whose tests to run"`
	Selectors []string `json:"selectors,omitempty" jsonschema:"with class_name: only these test selectors (default: all of the class's tests)"`
	Package   string   `json:"package,omitempty" jsonschema:"run every test class of this package (when class_name is not given)"`
}

// RunTestsOutput is run_tests's result: the protocol's, as the image reports it.
type RunTestsOutput struct {
	Passed     int                     `json:"passed"`
	Failed     int                     `json:"failed"`
	Errors     int                     `json:"errors"`
	Skipped    int                     `json:"skipped"`
	DurationMS int                     `json:"duration_ms"`
	Results    []stuiproto.TestOutcome `json:"results" jsonschema:"each test in the order it ran: status pass, fail, error or skip, with the message and stack of a fail or an error"`
	TimedOut   *TestsTimedOut          `json:"timed_out,omitempty" jsonschema:"present when the run passed its deadline: results are then only the tests that finished"`
}

// TestsTimedOut says where a run that passed its deadline stopped.
type TestsTimedOut struct {
	TimeoutMS int                `json:"timeout_ms"`
	Running   *stuiproto.TestRef `json:"running,omitempty" jsonschema:"the test that was still running (absent when the deadline passed between two tests)"`
	NotRun    int                `json:"not_run" jsonschema:"how many tests never started"`
}

// stackShown is how many frames of a failing test the text shows, the test
// method's own among them.
const stackShown = 5

func (s *Server) runTests(ctx context.Context, a RunTestsArgs) (RunTestsOutput, string, error) {
	if strings.TrimSpace(a.ClassName) == "" && strings.TrimSpace(a.Package) == "" {
		return RunTestsOutput{}, "", badArgs("give class_name (a TestCase subclass) or package")
	}
	p := stuiproto.RunTestsParams{ClassName: strings.TrimSpace(a.ClassName), Selectors: a.Selectors,
		Package: strings.TrimSpace(a.Package), TimeoutMS: s.testsTimeoutMS()}
	requestID := s.newRequestID()
	var res stuiproto.RunTestsResult
	err := stuiproto.Call(stuiproto.WithRequestID(ctx, requestID), s.opts.Image, stuiproto.RunTestsCommand, p, &res)
	s.interruptIfCancelled(ctx, requestID)
	var timedOut *TestsTimedOut
	if run := stuiproto.TimedOutRunOf(err); run != nil {
		// What finished is a result to read; the deadline is said first.
		res, err = run.RunTestsResult, nil
		timedOut = &TestsTimedOut{TimeoutMS: p.TimeoutMS, Running: run.Running, NotRun: run.NotRun}
	}
	if err != nil {
		return RunTestsOutput{}, "", err
	}
	out := RunTestsOutput{Passed: res.Passed, Failed: res.Failed, Errors: res.Errors, Skipped: res.Skipped,
		DurationMS: res.DurationMS, Results: res.Results, TimedOut: timedOut}
	if out.Results == nil {
		out.Results = []stuiproto.TestOutcome{}
	}
	text := testsText(&res)
	if timedOut != nil {
		text = timedOutText(timedOut) + "\n" + text
	}
	return out, text, nil
}

func timedOutText(t *TestsTimedOut) string {
	s := fmt.Sprintf("TIMED OUT after %d ms", t.TimeoutMS)
	if t.Running != nil {
		s += fmt.Sprintf(" while %s>>%s was running", t.Running.ClassName, t.Running.Selector)
	}
	return s + fmt.Sprintf("; %d tests not run. The tests that finished:", t.NotRun)
}

// testsTimeoutMS bounds a run: the protocol's default, or the evaluation
// timeout when that is longer.
func (s *Server) testsTimeoutMS() int {
	return max(stuiproto.RunTestsDefaultTimeoutMS, s.evaluateTimeoutMS())
}

// testsText puts what went wrong first: a summary, then each failure and
// error with its message and the frames nearest the test, then the rest.
func testsText(r *stuiproto.RunTestsResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d passed, %d failed, %d errors, %d skipped in %d ms", r.Passed, r.Failed, r.Errors, r.Skipped, r.DurationMS)
	var passed, skipped []string
	for _, t := range r.Results {
		name := t.ClassName + ">>" + t.Selector
		switch t.Status {
		case stuiproto.TestPass:
			passed = append(passed, name)
		case stuiproto.TestSkip:
			skipped = append(skipped, name)
		default:
			fmt.Fprintf(&b, "\n%s %s: %s", strings.ToUpper(t.Status), name, t.Message)
			frames := t.Stack
			if len(frames) > stackShown {
				// The last frame is the test method, the one the agent edits.
				frames = append(frames[:stackShown-1:stackShown-1], frames[len(frames)-1])
			}
			for i, f := range frames {
				if i == len(frames)-1 && len(t.Stack) > stackShown {
					b.WriteString("\n  …")
				}
				fmt.Fprintf(&b, "\n  %s>>%s", f.ClassName, f.Selector)
				if f.Line > 0 {
					fmt.Fprintf(&b, " line %d", f.Line)
				}
			}
		}
	}
	if len(passed) > 0 {
		b.WriteString("\npassed: " + strings.Join(passed, ", "))
	}
	if len(skipped) > 0 {
		b.WriteString("\nskipped: " + strings.Join(skipped, ", "))
	}
	return b.String()
}
