package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// behaviourChecks check what a client relies on beyond the shape of each
// reply.
func behaviourChecks() []check {
	return []check{
		{"session.variables-persist", withSession(checkVariablesPersist)},
		{"session.variables-isolated", checkVariablesIsolated},
		{"concurrency.ping-during-evaluate", checkPingDuringEvaluate},
		{"concurrency.many-in-flight", checkManyInFlight},
		{"evaluate.Interrupted", func(ctx context.Context, r *runner) (string, error) {
			return checkInterrupt(ctx, r, false)
		}},
		{"interrupt.session_id", func(ctx context.Context, r *runner) (string, error) {
			return checkInterrupt(ctx, r, true)
		}},
		{"evaluate.max_result_chars", checkTruncation},
		{"exception.Warning", func(ctx context.Context, r *runner) (string, error) {
			return checkNonError(ctx, r, "Warning signal: 'stui-lsp conformance'", "Warning")
		}},
		{"exception.Exception", func(ctx context.Context, r *runner) (string, error) {
			return checkNonError(ctx, r, "Exception signal", "Exception")
		}},
		{"compile_method.round-trip", withFixture(checkRoundTrip)},
	}
}

func checkVariablesPersist(ctx context.Context, r *runner, s string) (string, error) {
	if _, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "stuiConformanceKept := 41", SessionID: s}); err != nil {
		return "", fmt.Errorf("assigning: %s", describe(err))
	}
	res, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "stuiConformanceKept + 1", SessionID: s})
	if err != nil {
		return "", fmt.Errorf("reading it back in a second evaluation: %s", describe(err))
	}
	if res.Result != "42" {
		return "", fmt.Errorf("stuiConformanceKept := 41, then stuiConformanceKept + 1 answered %q, want 42", res.Result)
	}
	return "assigned in one evaluation, read in the next", nil
}

func checkVariablesIsolated(ctx context.Context, r *runner) (string, error) {
	a, err := r.newSession(ctx, 0)
	if err != nil {
		return "", err
	}
	defer r.closeSession(ctx, a)
	b, err := r.newSession(ctx, 0)
	if err != nil {
		return "", err
	}
	defer r.closeSession(ctx, b)
	if _, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "stuiConformanceMine := 41", SessionID: a}); err != nil {
		return "", fmt.Errorf("assigning in the first session: %s", describe(err))
	}
	if _, err := expectError(ctx, r, stuiproto.CmdGetVariable, stuiproto.GetVariableParams{SessionID: b, Name: "stuiConformanceMine"}, stuiproto.ErrVariableNotFound); err != nil {
		return "", fmt.Errorf("the second session reading the first one's variable: %v", err)
	}
	if _, err := call(ctx, r, stuiproto.GetVariableCommand, stuiproto.GetVariableParams{SessionID: a, Name: "stuiConformanceMine"}); err != nil {
		return "", fmt.Errorf("the first session reading its own variable: %s", describe(err))
	}
	return "a variable of one session is unknown in another", nil
}

// busyLoop keeps the image's processor busy until the server stops it, or
// for 20 seconds: it ends by itself so that an image whose timeout and
// interrupt both fail is not left running it for ever.
const busyLoop = "stuiConformanceStart := Time millisecondClockValue. " +
	"[ Time millisecondClockValue - stuiConformanceStart < 20000 ] whileTrue"

// evalOutcome is how a background evaluation ended.
type evalOutcome struct {
	res *stuiproto.EvaluateResult
	err error
	at  time.Time
}

// evaluateInBackground sends an evaluation and answers where its outcome
// will arrive; the request goes under id when id is not "".
func (r *runner) evaluateInBackground(ctx context.Context, id string, p stuiproto.EvaluateParams) <-chan evalOutcome {
	done := make(chan evalOutcome, 1)
	if id != "" {
		ctx = stuiproto.WithRequestID(ctx, id)
	}
	go func() {
		res, err := r.evaluate(ctx, p)
		done <- evalOutcome{res, err, time.Now()}
	}()
	return done
}

// settle gives a request sent in the background the time to reach the
// server before the next one; the client sends requests in order on one
// socket, so this only covers the hop from goroutine to socket.
func settle(ctx context.Context) {
	t := time.NewTimer(200 * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func checkPingDuringEvaluate(ctx context.Context, r *runner) (string, error) {
	// A busy loop, not a wait: the evaluation keeps the image's processor,
	// and the server must still answer a ping. timeout_ms ends it.
	const busyMS = 2000
	done := r.evaluateInBackground(ctx, "", stuiproto.EvaluateParams{Code: busyLoop, TimeoutMS: busyMS})
	settle(ctx)
	sent := time.Now()
	_, pingErr := call(ctx, r, stuiproto.PingCommand, stuiproto.PingParams{})
	pinged := time.Now()
	ev := <-done
	switch {
	case pingErr != nil:
		return "", fmt.Errorf("ping while an evaluation ran: %s", describe(pingErr))
	case !ev.at.After(pinged) && ev.at.Sub(sent) < busyMS*time.Millisecond/2:
		return "", fmt.Errorf("the evaluation ended early (%s, %s after the ping was sent), before the ping was answered: nothing to check the ping against",
			outcome(ev), shortDuration(ev.at.Sub(sent)))
	case !ev.at.After(pinged) || pinged.Sub(sent) > busyMS*time.Millisecond/2:
		return "", fmt.Errorf("the ping was answered %s after it was sent, when the evaluation ended (%s): a running evaluation holds up the server",
			shortDuration(pinged.Sub(sent)), outcome(ev))
	case !isRemote(ev.err, stuiproto.ErrTimeout):
		return "", fmt.Errorf("the ping was answered first, but the busy evaluation with timeout_ms %d then answered %s, want Timeout", busyMS, outcome(ev))
	}
	return fmt.Sprintf("ping answered in %s while a busy evaluation ran; the evaluation then answered Timeout", shortDuration(pinged.Sub(sent))), nil
}

// checkManyInFlight sends evaluations that all run at once, each with its
// own answer, and checks that every reply comes back to its own request:
// a server that mixes up the ids of concurrent requests fails here.
func checkManyInFlight(ctx context.Context, r *runner) (string, error) {
	const n = 20
	outcomes := make([]<-chan evalOutcome, n)
	for i := range n {
		// A short wait keeps them all in flight at once.
		code := fmt.Sprintf("(Delay forMilliseconds: %d) wait. %d + 1000", 50+(n-i)*10, i)
		outcomes[i] = r.evaluateInBackground(ctx, "", stuiproto.EvaluateParams{Code: code})
	}
	var problems []string
	for i, done := range outcomes {
		ev := <-done
		want := fmt.Sprint(i + 1000)
		switch {
		case ev.err != nil:
			problems = append(problems, fmt.Sprintf("request %d: %s", i, describe(ev.err)))
		case ev.res.Result != want:
			problems = append(problems, fmt.Sprintf("request %d got %q, want %s", i, ev.res.Result, want))
		}
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("%d of %d concurrent evaluations: %s", len(problems), n, strings.Join(problems[:min(3, len(problems))], "; "))
	}
	return fmt.Sprintf("%d concurrent evaluations, each answered with its own result", n), nil
}

func outcome(ev evalOutcome) string {
	if ev.err != nil {
		return describe(ev.err)
	}
	return fmt.Sprintf("success %q", clip(ev.res.Result, 40))
}

func checkInterrupt(ctx context.Context, r *runner, bySession bool) (string, error) {
	s, err := r.newSession(ctx, 0)
	if err != nil {
		return "", err
	}
	defer r.closeSession(ctx, s)
	// A busy loop, as in the vector evaluate.Interrupted, with a timeout so
	// that a server that ignores the interrupt still ends it.
	const loopMS = 10000
	id := r.unique("interrupted")
	done := r.evaluateInBackground(ctx, id, stuiproto.EvaluateParams{Code: busyLoop, SessionID: s, TimeoutMS: loopMS})
	settle(ctx)
	p := stuiproto.InterruptParams{RequestID: id}
	if bySession {
		p = stuiproto.InterruptParams{SessionID: s}
	}
	// The evaluation may not have started when the first interrupt comes;
	// a few more tries cover a slow start.
	n := 0
	var sent time.Time
	for try := 0; try < 5 && n == 0; try++ {
		if try > 0 {
			settle(ctx)
		}
		sent = time.Now()
		res, err := call(ctx, r, stuiproto.InterruptCommand, p)
		if err != nil {
			return "", fmt.Errorf("interrupt: %s", describe(err))
		}
		n = res.Interrupted
	}
	if n == 0 {
		return "", errors.New("interrupt answered interrupted 0 five times while the evaluation ran")
	}
	wait := time.NewTimer(r.cfg.CallTimeout)
	defer wait.Stop()
	select {
	case ev := <-done:
		if !isRemote(ev.err, stuiproto.ErrInterrupted) {
			return "", fmt.Errorf("interrupt answered interrupted %d, but the evaluation answered %s, want Interrupted", n, outcome(ev))
		}
		return fmt.Sprintf("interrupted %d; the evaluation answered Interrupted %s later", n, shortDuration(ev.at.Sub(sent))), nil
	case <-wait.C:
		return "", fmt.Errorf("interrupt answered interrupted %d, but the evaluation was still running %s later", n, r.cfg.CallTimeout)
	}
}

func checkTruncation(ctx context.Context, r *runner) (string, error) {
	const code, limit = "'0123456789' , '0123456789'", 8
	full, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: code})
	if err != nil {
		return "", fmt.Errorf("the whole result: %s", describe(err))
	}
	if full.Truncated || len([]rune(full.Result)) <= limit {
		return "", fmt.Errorf("without max_result_chars, %s answered %q (truncated %v): want its whole printString", code, full.Result, full.Truncated)
	}
	cut, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: code, MaxResultChars: limit})
	if err != nil {
		return "", fmt.Errorf("with max_result_chars %d: %s", limit, describe(err))
	}
	if !cut.Truncated {
		return "", fmt.Errorf("with max_result_chars %d, %q came back with truncated false", limit, cut.Result)
	}
	if len([]rune(cut.Result)) != limit || !strings.HasPrefix(full.Result, cut.Result) {
		return "", fmt.Errorf("with max_result_chars %d, the result is %q: want the first %d characters of %q", limit, cut.Result, limit, full.Result)
	}
	// Without max_result_chars the protocol's default, 10000, applies: the
	// printString of 3000 numbers is longer.
	long, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "(1 to: 3000) asOrderedCollection"})
	if err != nil {
		return "", fmt.Errorf("a long printString: %s", describe(err))
	}
	if n := len([]rune(long.Result)); !long.Truncated || n != defaultMaxResultChars {
		return "", fmt.Errorf("without max_result_chars, a printString of about 14000 characters came back with %d, truncated %v: want the default cap, %d, and true",
			n, long.Truncated, defaultMaxResultChars)
	}
	return fmt.Sprintf("%d characters cut to %q, truncated true; the default cap %d applies", len([]rune(full.Result)), cut.Result, defaultMaxResultChars), nil
}

// defaultMaxResultChars is evaluate's max_result_chars when none is given.
const defaultMaxResultChars = 10000

func checkNonError(ctx context.Context, r *runner, code, class string) (string, error) {
	_, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: code})
	var re *stuiproto.RemoteError
	switch {
	case err == nil:
		return "", fmt.Errorf("%s answered success, want an error reply", code)
	case !errors.As(err, &re):
		return "", fmt.Errorf("%s got no reply: %v (an unhandled %s may have stopped the image, or opened a debugger in it)", code, err, class)
	case re.Type != stuiproto.ErrRuntime:
		return "", fmt.Errorf("%s answered %s (%q), want RuntimeError", code, re.Type, re.Message)
	case re.Details == nil || re.Details.ErrorClass != class:
		got := ""
		if re.Details != nil {
			got = re.Details.ErrorClass
		}
		return "", fmt.Errorf("%s answered RuntimeError with error_class %q, want %s", code, got, class)
	}
	if _, err := call(ctx, r, stuiproto.PingCommand, stuiproto.PingParams{}); err != nil {
		return "", fmt.Errorf("%s answered RuntimeError, but ping afterwards: %s", code, describe(err))
	}
	return fmt.Sprintf("RuntimeError %s; ping still answers", class), nil
}

func checkRoundTrip(ctx context.Context, r *runner) (string, error) {
	source := "conformanceRoundTrip: aNumber\n\t\"Keeps its comment, tabs and  spacing.\"\n\t| doubled |\n\tdoubled := aNumber  * 2.\n\t^ doubled"
	if _, err := call(ctx, r, stuiproto.CompileMethodCommand,
		stuiproto.CompileMethodParams{ClassName: FixtureClass, Category: "stui-conformance", Source: source}); err != nil {
		return "", fmt.Errorf("compile_method: %s", describe(err))
	}
	res, err := call(ctx, r, stuiproto.GetMethodCommand,
		stuiproto.GetMethodParams{ClassName: FixtureClass, MethodName: "conformanceRoundTrip:"})
	if err != nil {
		return "", fmt.Errorf("get_method: %s", describe(err))
	}
	if res.Method.Source != source {
		return "", fmt.Errorf("get_method answered the source %q, want what was compiled, %q", res.Method.Source, source)
	}
	if len(res.Method.Arguments) != 1 || res.Method.Arguments[0] != "aNumber" || res.Method.Category != "stui-conformance" {
		return "", fmt.Errorf("arguments %v, category %q: want [aNumber], \"stui-conformance\"", res.Method.Arguments, res.Method.Category)
	}
	return "the source comes back character for character", nil
}
