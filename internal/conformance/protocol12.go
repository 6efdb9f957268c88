package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// The test classes run_tests runs, beside the fixture class.
const (
	FixtureTestClass = "STUIConformanceFixtureTest"
	FixtureSlowTest  = "STUIConformanceFixtureSlowTest"
)

// The tests of FixtureTestClass, one of each outcome but a hang, in the
// order SUnit runs them (by selector); they are those of the vector
// run_tests.
var fixtureTests = []struct{ source, status string }{
	{"testErrors\n\t1 / 0", "error"},
	{"testFails\n\tself assert: 3 + 4 equals: 8", "fail"},
	{"testPasses\n\tself assert: 3 + 4 equals: 7", "pass"},
	{"testSkips\n\tself skip: 'stui-lsp conformance skips me'", "skip"},
}

// protocol12Checks check the commands added in protocol 1.2. An image that
// speaks 1.1 skips them, and says so.
func protocol12Checks() []check {
	return []check{
		{"browse_class.subclasses", since12(withFixture(checkSubclasses))},
		{"transcript", since12(checkTranscript)},
		{"run_tests", since12(withTestClasses(checkRunTests))},
		{"run_tests.ClassNotFound", since12(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdRunTests, stuiproto.RunTestsParams{ClassName: noSuchClass}, stuiproto.ErrClassNotFound)
		})},
		{"run_tests.InvalidRequest", since12(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdRunTests, stuiproto.RunTestsParams{Selectors: []string{"testPasses"}}, stuiproto.ErrInvalidRequest)
		})},
		{"run_tests.SessionNotFound", since12(withTestClasses(func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdRunTests, stuiproto.RunTestsParams{ClassName: FixtureTestClass, SessionID: noSuchSession}, stuiproto.ErrSessionNotFound)
		}))},
		{"run_tests.Timeout", since12(withTestClasses(func(ctx context.Context, r *runner) (string, error) {
			start := time.Now()
			re, err := expectError(ctx, r, stuiproto.CmdRunTests, stuiproto.RunTestsParams{ClassName: FixtureSlowTest, TimeoutMS: 300}, stuiproto.ErrTimeout)
			if err != nil {
				return "", err
			}
			took := shortDuration(time.Since(start))
			if v := r.report.Ping; v == nil || !atLeast13(v.ProtocolVersion) {
				return fmt.Sprintf("a test waiting 5 s, timeout_ms 300: Timeout after %s", took), nil
			}
			// 1.3: the details say what the run had done.
			run := stuiproto.TimedOutRunOf(re)
			switch {
			case run == nil:
				return "", errors.New("a 1.3 image's Timeout has no details saying which test was running")
			case run.Running == nil || run.Running.ClassName != FixtureSlowTest || run.Running.Selector != "testWaits":
				return "", fmt.Errorf("details.running is %+v, want %s>>testWaits", run.Running, FixtureSlowTest)
			case run.NotRun != 0 || len(run.Results) != 0 || run.Passed+run.Failed+run.Errors+run.Skipped != 0:
				return "", fmt.Errorf("details count %d finished and %d not run, want none (the class has one test, the one running)", len(run.Results), run.NotRun)
			}
			return fmt.Sprintf("a test waiting 5 s, timeout_ms 300: Timeout after %s, its details naming testWaits as running", took), nil
		}))},
		{"run_tests.Interrupted", since12(withTestClasses(checkRunTestsInterrupted))},
	}
}

// since12 skips a check of a 1.2 command when the image speaks 1.1.
func since12(f func(context.Context, *runner) (string, error)) func(context.Context, *runner) (string, error) {
	return func(ctx context.Context, r *runner) (string, error) {
		if v := r.report.Ping; v != nil {
			major, minor := versionOf(v.ProtocolVersion)
			if major == 1 && minor < 2 {
				return "", skip("the image speaks protocol %s; this command is new in 1.2", v.ProtocolVersion)
			}
		}
		return f(ctx, r)
	}
}

// atLeast13 reports whether the image's protocol version v is 1.3 or later
// in major version 1.
func atLeast13(v string) bool {
	major, minor := versionOf(v)
	return major == 1 && minor >= 3
}

func versionOf(v string) (major, minor int) {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	major = stuiproto.MajorVersion(v)
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	return major, minor
}

func checkSubclasses(ctx context.Context, r *runner) (string, error) {
	no := false
	res, err := call(ctx, r, stuiproto.BrowseClassCommand, stuiproto.BrowseClassParams{ClassName: "Object", IncludeMethods: &no})
	if err != nil {
		return "", errors.New(describe(err))
	}
	subs := res.ClassInfo.Subclasses
	if subs == nil {
		return "", skip("the image leaves class_info.subclasses out, which the protocol allows")
	}
	if !slices.IsSorted(subs) {
		return "", errors.New("class_info.subclasses of Object are not sorted")
	}
	if !slices.Contains(subs, FixtureClass) {
		return "", fmt.Errorf("class_info.subclasses of Object (%d) lack %s, defined by this run", len(subs), FixtureClass)
	}
	return fmt.Sprintf("Object: %d direct subclasses, sorted, with %s", len(subs), FixtureClass), nil
}

func checkTranscript(ctx context.Context, r *runner) (string, error) {
	first, err := call(ctx, r, stuiproto.TranscriptCommand, stuiproto.TranscriptParams{})
	if isRemote(err, stuiproto.ErrUnsupportedOperation) {
		return "", skip("the image does not capture its Transcript, which the protocol allows (it answers UnsupportedOperation)")
	}
	if err != nil {
		return "", errors.New(describe(err))
	}
	if first.Epoch == "" || first.Next < 0 || first.Dropped < 0 {
		return "", fmt.Errorf("epoch %q, next %d, dropped %d: want an epoch and counts of 0 or more", first.Epoch, first.Next, first.Dropped)
	}
	marker := r.unique("transcript")
	if _, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "Transcript show: '" + marker + "'"}); err != nil {
		return "", fmt.Errorf("writing to the Transcript: %s", describe(err))
	}
	after := first.Next
	res, err := call(ctx, r, stuiproto.TranscriptCommand, stuiproto.TranscriptParams{After: after, WaitMS: 2000})
	if err != nil {
		return "", fmt.Errorf("reading after %d: %s", after, describe(err))
	}
	var text strings.Builder
	for _, e := range res.Entries {
		if e.Seq <= after || e.Seq > res.Next {
			return "", fmt.Errorf("after %d, an entry has seq %d and next is %d: want seqs after %d, up to next", after, e.Seq, res.Next, after)
		}
		text.WriteString(e.Text)
	}
	if !strings.Contains(text.String(), marker) {
		return "", fmt.Errorf("Transcript show: %q, then transcript after %d answered %q", marker, after, clip(text.String(), 80))
	}
	if res.Epoch != first.Epoch {
		return "", fmt.Errorf("the epoch changed from %q to %q without a restart", first.Epoch, res.Epoch)
	}
	empty, err := call(ctx, r, stuiproto.TranscriptCommand, stuiproto.TranscriptParams{After: res.Next, WaitMS: 200})
	if err != nil {
		return "", fmt.Errorf("reading after the last entry: %s", describe(err))
	}
	if len(empty.Entries) != 0 || empty.Next != res.Next {
		return "", fmt.Errorf("after the last entry (%d), with nothing written since, %d entries and next %d", res.Next, len(empty.Entries), empty.Next)
	}
	return "the write comes back once, in order; nothing newer answers empty", nil
}

// withTestClasses runs a check once the test classes exist, defining them
// the first time.
func withTestClasses(f func(ctx context.Context, r *runner) (string, error)) func(context.Context, *runner) (string, error) {
	return func(ctx context.Context, r *runner) (string, error) {
		if !r.testClasses {
			if err := r.defineTestClasses(ctx); err != nil {
				return "", err
			}
		}
		return f(ctx, r)
	}
}

func (r *runner) defineTestClasses(ctx context.Context) error {
	super := "TestCase"
	for _, class := range []string{FixtureTestClass, FixtureSlowTest} {
		if _, err := call(ctx, r, stuiproto.DefineClassCommand, stuiproto.DefineClassParams{Name: class, Superclass: &super,
			Package: FixturePackage, Comment: "I exist while stui-lsp conformance runs; it removes me when it is done."}); err != nil {
			return fmt.Errorf("defining the test class %s: %s", class, describe(err))
		}
		r.created = append(r.created, class)
	}
	sources := []string{"testWaits\n\t(Delay forSeconds: 5) wait"}
	for _, t := range fixtureTests {
		sources = append(sources, t.source)
	}
	for i, src := range sources {
		class := FixtureTestClass
		if i == 0 {
			class = FixtureSlowTest
		}
		if _, err := call(ctx, r, stuiproto.CompileMethodCommand, stuiproto.CompileMethodParams{ClassName: class, Category: "tests", Source: src}); err != nil {
			return fmt.Errorf("compiling %s>>%s: %s", class, strings.SplitN(src, "\n", 2)[0], describe(err))
		}
	}
	r.testClasses = true
	return nil
}

func checkRunTests(ctx context.Context, r *runner) (string, error) {
	res, err := call(ctx, r, stuiproto.RunTestsCommand, stuiproto.RunTestsParams{ClassName: FixtureTestClass, TimeoutMS: 20000})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.Passed != 1 || res.Failed != 1 || res.Errors != 1 || res.Skipped != 1 {
		return "", fmt.Errorf("passed %d, failed %d, errors %d, skipped %d: want 1 of each", res.Passed, res.Failed, res.Errors, res.Skipped)
	}
	var got []string
	for _, o := range res.Results {
		got = append(got, o.Selector+" "+o.Status)
	}
	var want []string
	for _, t := range fixtureTests {
		want = append(want, strings.SplitN(t.source, "\n", 2)[0]+" "+t.status)
	}
	if !slices.Equal(got, want) {
		return "", fmt.Errorf("results %v, want %v (by selector)", got, want)
	}
	fails := res.Results[1]
	if fails.Message == "" {
		return "", errors.New("the failed test has no message")
	}
	if !slices.Contains(fails.Stack, stuiproto.TestFrame{ClassName: FixtureTestClass, Selector: "testFails", Line: 2}) {
		return "", fmt.Errorf("the failed test's stack %v does not reach %s>>testFails at line 2", fails.Stack, FixtureTestClass)
	}
	return fmt.Sprintf("one pass, fail, error and skip; the failure %q at line 2 of testFails", clip(fails.Message, 40)), nil
}

func checkRunTestsInterrupted(ctx context.Context, r *runner) (string, error) {
	s, err := r.newSession(ctx, 0)
	if err != nil {
		return "", err
	}
	defer r.closeSession(ctx, s)
	type outcome struct {
		err error
		at  time.Time
	}
	done := make(chan outcome, 1)
	go func() {
		_, err := call(ctx, r, stuiproto.RunTestsCommand, stuiproto.RunTestsParams{ClassName: FixtureSlowTest, SessionID: s, TimeoutMS: 20000})
		done <- outcome{err, time.Now()}
	}()
	settle(ctx)
	n := 0
	var sent time.Time
	for try := 0; try < 5 && n == 0; try++ {
		if try > 0 {
			settle(ctx)
		}
		sent = time.Now()
		res, err := call(ctx, r, stuiproto.InterruptCommand, stuiproto.InterruptParams{SessionID: s})
		if err != nil {
			return "", fmt.Errorf("interrupt: %s", describe(err))
		}
		n = res.Interrupted
	}
	if n == 0 {
		return "", errors.New("interrupt of the run's session answered interrupted 0 five times while the tests ran")
	}
	wait := time.NewTimer(r.cfg.CallTimeout)
	defer wait.Stop()
	select {
	case o := <-done:
		if !isRemote(o.err, stuiproto.ErrInterrupted) {
			res := "success"
			if o.err != nil {
				res = describe(o.err)
			}
			return "", fmt.Errorf("interrupt answered interrupted %d, but the run answered %s, want Interrupted", n, res)
		}
		return fmt.Sprintf("interrupted by session; the run answered Interrupted %s later", shortDuration(o.at.Sub(sent))), nil
	case <-wait.C:
		return "", fmt.Errorf("interrupt answered interrupted %d, but the run was still going %s later", n, r.cfg.CallTimeout)
	}
}
