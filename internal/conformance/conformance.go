// Package conformance checks a live STUI server against docs/protocol.md:
// every command with its documented errors, then the behaviour a client
// relies on (sessions, concurrency, interrupt, truncation, exceptions that are
// not Errors, compile round trips, the token). It talks to the server through
// stuiclient over real ZeroMQ, as stui-lsp does, so it runs against a Pharo
// image or the test backend alike; `stui-lsp conformance` is its command.
// docs/conformance.md describes every check.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Config says where to run and how to connect.
type Config struct {
	// Endpoint is the server's endpoint, e.g. tcp://127.0.0.1:5555.
	Endpoint string
	// Token is the shared secret the server requires, "" when it needs
	// none. With a token, the run also checks that the server refuses a
	// missing or wrong one.
	Token string
	// Options are the transport options of every client the run makes
	// (CURVE keys, a logger); the token goes in Token, not here.
	Options []stuiclient.Option
	// CallTimeout bounds each request (default 10 s).
	CallTimeout time.Duration
	// ClientVersion is the version of the program running the checks.
	ClientVersion string
	// Progress, when set, is called with each result as its check ends.
	Progress func(Result)

	// only, when set, limits the run to ping and these checks (for this
	// package's tests of one broken rule at a time).
	only map[string]bool
}

// DefaultCallTimeout bounds a request when Config.CallTimeout is zero.
const DefaultCallTimeout = 10 * time.Second

// The names the run gives what it creates in the image, so that a person
// can recognise them and the cleanup can find them.
const (
	FixtureClass   = "STUIConformanceFixture"
	FixturePackage = "STUI-Conformance"
	clientIDPrefix = "stui-conformance"
)

// check is one named check. run answers a detail for the report, or an error:
// a *skipped error skips the check, any other fails it.
type check struct {
	name string
	run  func(ctx context.Context, r *runner) (string, error)
}

// skipped is the error of a check that cannot run here.
type skipped struct{ reason string }

func (s *skipped) Error() string { return s.reason }

func skip(format string, args ...any) error { return &skipped{fmt.Sprintf(format, args...)} }

// runner is the state of one run, shared by its checks (which run one after
// another).
type runner struct {
	cfg      Config
	client   *stuiclient.Client
	clientID string
	seq      int
	open     map[string]bool // sessions to close at the end
	fixture  bool            // FixtureClass was defined by this run
	// testClasses: the test classes of run_tests were defined; created
	// lists them, to remove at the end.
	testClasses bool
	created     []string
	expired     []string // sessions made to expire, for the SessionExpired checks
	answered    bool     // ping got a reply other than a refusal
	report      *Report
}

// Run runs every check against cfg.Endpoint and returns the report. It fails
// only when it cannot make a client at all (a malformed endpoint, a token
// refused for a remote host); everything the server does wrong is in the
// report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	opts := append([]stuiclient.Option{}, cfg.Options...)
	if cfg.Token != "" {
		opts = append(opts, stuiclient.WithToken(cfg.Token))
	}
	// The run compares versions itself and reports a mismatch as a failure.
	// It tests the image's own token checks, so it sends tokens unproven.
	opts = append(opts, stuiclient.WithVersionWarning(func(*stuiclient.VersionMismatchError) {}), stuiclient.WithoutImageProof())
	c, err := stuiclient.New(cfg.Endpoint, opts...)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	r := &runner{
		cfg:      cfg,
		client:   c,
		clientID: fmt.Sprintf("%s-%d-%d", clientIDPrefix, os.Getpid(), time.Now().Unix()),
		open:     map[string]bool{},
		report: &Report{Tool: "stui-lsp conformance", ClientVersion: cfg.ClientVersion, Protocol: stuiproto.Version,
			Endpoint: cfg.Endpoint, TokenUsed: cfg.Token != "", StartedAt: time.Now().UTC(), LeftBehind: []string{}},
	}
	start := time.Now()
	checks := allChecks()
	// Ping's reply may be wrong in some way (a version, a field) and the
	// rest still worth running; no reply, or a refusal, ends the run.
	r.runOne(ctx, checks[0])
	reachable := r.answered
	for _, ch := range checks[1:] {
		if cfg.only != nil && !cfg.only[ch.name] {
			continue
		}
		if !reachable || ctx.Err() != nil {
			why := "ping got no usable answer (see ping)"
			if ctx.Err() != nil {
				why = "the run was stopped"
			}
			r.record(Result{Name: ch.name, Status: StatusSkip, Detail: why})
			continue
		}
		r.runOne(ctx, ch)
	}
	if reachable {
		r.cleanup(context.WithoutCancel(ctx))
	}
	r.report.Duration = time.Since(start)
	return r.report, nil
}

// allChecks lists the checks in the order they run: ping first (nothing else
// runs when it gets no answer), then each command of docs/protocol.md with
// its errors, then behaviour, the commands of protocol 1.2, and the token.
func allChecks() []check {
	var all []check
	all = append(all, commandChecks()...)
	all = append(all, behaviourChecks()...)
	all = append(all, protocol12Checks()...)
	all = append(all, debugChecks()...)
	all = append(all, tokenChecks()...)
	return all
}

// runOne runs a check and records its result.
func (r *runner) runOne(ctx context.Context, ch check) {
	start := time.Now()
	detail, err := r.safely(ctx, ch)
	res := Result{Name: ch.name, Status: StatusOK, Detail: detail, Duration: time.Since(start)}
	var sk *skipped
	switch {
	case errors.As(err, &sk):
		res.Status, res.Detail = StatusSkip, sk.reason
	case err != nil:
		res.Status, res.Detail = StatusFail, err.Error()
	}
	r.record(res)
}

// safely turns a panic in a check (a bug here, or a reply so odd that a
// check did not expect it) into that check's failure.
func (r *runner) safely(ctx context.Context, ch check) (detail string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the check itself failed (a bug in stui-lsp conformance): %v", p)
		}
	}()
	return ch.run(ctx, r)
}

func (r *runner) record(res Result) {
	r.report.add(res)
	if r.cfg.Progress != nil {
		r.cfg.Progress(res)
	}
}

// unique returns a name no other request of this run uses.
func (r *runner) unique(what string) string {
	r.seq++
	return fmt.Sprintf("%s-%s-%d", r.clientID, what, r.seq)
}

// newSession opens a session under the run's client id and remembers to
// close it. Checks close their sessions when they end, so the run stays
// under the per-client limit, and the image keeps one directory of session
// files for the run rather than one per session.
func (r *runner) newSession(ctx context.Context, timeout int) (string, error) {
	s, err := call(ctx, r, stuiproto.CreateSessionCommand,
		stuiproto.CreateSessionParams{ClientID: r.clientID, Timeout: timeout})
	if err != nil {
		return "", fmt.Errorf("could not open a session to check with: %s", describe(err))
	}
	if s.SessionID == "" {
		return "", errors.New("create_session answered an empty session_id")
	}
	r.open[s.SessionID] = true
	return s.SessionID, nil
}

// closeSession closes a session the run opened, if it is still open. An
// image may answer that an expired one is gone already.
func (r *runner) closeSession(ctx context.Context, id string) {
	if !r.open[id] {
		return
	}
	if _, err := call(ctx, r, stuiproto.CloseSessionCommand,
		stuiproto.SessionIDParams{SessionID: id}); err == nil || isRemote(err, stuiproto.ErrSessionNotFound) ||
		isRemote(err, stuiproto.ErrSessionExpired) {
		delete(r.open, id)
	}
}

// evaluate runs code and answers the result, or the error reply.
func (r *runner) evaluate(ctx context.Context, p stuiproto.EvaluateParams) (*stuiproto.EvaluateResult, error) {
	return call(ctx, r, stuiproto.EvaluateCommand, p)
}

func isRemote(err error, errorType string) bool {
	var re *stuiproto.RemoteError
	return errors.As(err, &re) && re.Type == errorType
}

// cleanup closes the sessions still open and removes the fixture class. The
// protocol has no command to remove a class or a method, so the removal is an
// evaluation; what it cannot remove is listed in the report.
func (r *runner) cleanup(ctx context.Context) {
	for id := range r.open {
		r.closeSession(ctx, id)
	}
	for id := range r.open {
		r.report.LeftBehind = append(r.report.LeftBehind, "session "+id+" (close_session failed)")
	}
	classes := r.created
	if r.fixture {
		classes = append([]string{FixtureClass}, classes...)
	}
	removed := 0
	for _, class := range classes {
		code := fmt.Sprintf("Smalltalk globals at: #%s ifPresent: [ :class | class removeFromSystem ]. "+
			"(Smalltalk globals includesKey: #%s) not", class, class)
		res, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: code})
		switch {
		case err != nil:
			r.report.LeftBehind = append(r.report.LeftBehind, fmt.Sprintf("class %s in package %s (removing it by evaluation %s)",
				class, FixturePackage, describe(err)))
		case res.Result != "true":
			r.report.LeftBehind = append(r.report.LeftBehind, fmt.Sprintf("class %s in package %s (the removal answered %s)",
				class, FixturePackage, res.Result))
		default:
			removed++
		}
	}
	// The protocol cannot remove a package: it stays whenever the run made it.
	if len(classes) > 0 {
		r.report.LeftBehind = append(r.report.LeftBehind, fmt.Sprintf("the package %s (%d of its classes were removed)", FixturePackage, removed))
	}
}
