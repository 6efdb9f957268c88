package conformance

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

const testToken = "0123456789abcdef0123456789abcdef"

// newBackend is the test backend with one class besides Object, as the
// list_classes check needs two.
func newBackend() *stuitest.Backend {
	b := stuitest.NewBackend()
	b.AddClass(stuitest.ClassFixture{Name: "Counter", Superclass: "Object", Package: "Demo", InstanceVars: []string{"count"},
		Methods: []stuitest.MethodFixture{{Source: "count\n\t^ count"}}})
	return b
}

func run(t *testing.T, srv *stuitest.Server, token string, only ...string) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := Config{Endpoint: srv.Endpoint, Token: token, CallTimeout: 3 * time.Second, ClientVersion: "test"}
	if only != nil {
		cfg.only = map[string]bool{}
		for _, name := range only {
			cfg.only[name] = true
		}
	}
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func result(rep *Report, name string) Result {
	for _, r := range rep.Results {
		if r.Name == name {
			return r
		}
	}
	return Result{Name: name, Status: "missing"}
}

func logFailures(t *testing.T, rep *Report) {
	t.Helper()
	for _, r := range rep.Results {
		if r.Status == StatusFail {
			t.Logf("FAIL %s: %s", r.Name, r.Detail)
		}
	}
}

// The test backend follows the protocol: with a token every check passes
// but the one no server can be made to show.
func TestRunPassesAgainstTheTestBackend(t *testing.T) {
	srv := stuitest.NewServer(newBackend())
	defer srv.Close()
	srv.RequireToken(testToken)
	rep := run(t, srv, testToken)
	logFailures(t, rep)
	if rep.Failed() {
		t.Fatalf("%d checks failed", rep.Summary.Failed)
	}
	for _, r := range rep.Results {
		if r.Status == StatusSkip && r.Name != "evaluate.InternalError" {
			t.Errorf("%s skipped: %s", r.Name, r.Detail)
		}
	}
	if rep.Ping == nil || rep.Ping.ProtocolVersion != stuiproto.Version {
		t.Errorf("report's ping = %+v, want the backend's versions", rep.Ping)
	}
	// The test backend evaluates no class expressions, so the fixture
	// classes stay, and their package (docs/conformance.md: always), and
	// nothing else.
	var left []string
	for _, l := range rep.LeftBehind {
		class, _, _ := strings.Cut(strings.TrimPrefix(l, "class "), " ")
		left = append(left, class)
	}
	if want := []string{FixtureClass, FixtureTestClass, FixtureSlowTest, "the"}; !slices.Equal(left, want) ||
		rep.LeftBehind[3] != "the package "+FixturePackage+" (0 of its classes were removed)" {
		t.Errorf("left behind %q, want the classes %v and their package", rep.LeftBehind, want[:3])
	}
	// What a run leaves is no failure of the next one (docs/conformance.md:
	// "A class left by an earlier run is not a failure").
	again := run(t, srv, testToken)
	logFailures(t, again)
	if again.Failed() {
		t.Errorf("a second run against the same image: %d checks failed", again.Summary.Failed)
	}
	c, err := stuiclient.New(srv.Endpoint, stuiclient.WithToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var stats stuiproto.SessionStatisticsResult
	if err := stuiproto.Call(context.Background(), c, stuiproto.GetSessionStatisticsCommand, stuiproto.NoParams{}, &stats); err != nil {
		t.Fatal(err)
	}
	if stats.TotalSessions != 0 {
		t.Errorf("%d sessions still open after the run", stats.TotalSessions)
	}
}

func TestTokenChecksAreNotApplicableWithoutAToken(t *testing.T) {
	srv := stuitest.NewServer(newBackend())
	defer srv.Close()
	names := []string{"token.missing", "token.wrong", "token.image-proof", "create_session.PermissionDenied"}
	rep := run(t, srv, "", names...)
	logFailures(t, rep)
	if rep.Failed() {
		t.Fatalf("%d checks failed", rep.Summary.Failed)
	}
	for _, name := range names {
		if r := result(rep, name); r.Status != StatusSkip || !strings.HasPrefix(r.Detail, "not applicable") {
			t.Errorf("%s: %s %q, want skip, not applicable", name, r.Status, r.Detail)
		}
	}
}

// breaking wraps the backend: f sees each request first and answers it, or
// passes it on with next.
func breaking(f func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply) stuitest.Handler {
	b := newBackend()
	return stuitest.HandlerFunc(func(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
		return f(ctx, req, b)
	})
}

func params(req *stuiproto.Request) map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal(req.Parameters, &m)
	return m
}

// Each broken backend breaks one rule of the protocol; the checks of that
// rule must fail.
func TestRunFailsAgainstBrokenBackends(t *testing.T) {
	var serial sync.Mutex
	cases := []struct {
		name    string
		handler stuitest.Handler
		setup   func(*stuitest.Server)
		token   string // the run's token; the server requires none
		fails   []string
		detail  string // in the first failing check's detail
	}{
		{
			name: "evaluate answers without truncated",
			handler: breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
				rep := next.ServeSTUI(ctx, req)
				if req.Command == stuiproto.CmdEvaluate && rep.Status == stuiproto.StatusSuccess {
					var m map[string]any
					_ = json.Unmarshal(rep.Result, &m)
					delete(m, "truncated")
					rep.Result, _ = json.Marshal(m)
				}
				return rep
			}),
			fails:  []string{"evaluate"},
			detail: "result.truncated: missing",
		},
		{
			name:    "replies under another id",
			handler: newBackend(),
			setup:   func(s *stuitest.Server) { s.SetFault(stuitest.WrongID) },
			fails:   []string{"ping"},
			detail:  "does not echo the request's id",
		},
		{
			name: "interrupt stops nothing",
			handler: breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
				if req.Command == stuiproto.CmdInterrupt {
					return stuitest.Success(req.ID, stuiproto.InterruptResult{Interrupted: 1})
				}
				return next.ServeSTUI(ctx, req)
			}),
			fails:  []string{"evaluate.Interrupted", "interrupt.session_id"},
			detail: "still running",
		},
		{
			name: "results are never cut",
			handler: breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
				if req.Command == stuiproto.CmdEvaluate {
					p := params(req)
					delete(p, "max_result_chars")
					req.Parameters, _ = json.Marshal(p)
				}
				return next.ServeSTUI(ctx, req)
			}),
			fails:  []string{"evaluate.max_result_chars"},
			detail: "truncated false",
		},
		{
			name:    "any token is accepted",
			handler: newBackend(),
			token:   testToken,
			fails:   []string{"token.missing", "token.wrong", "create_session.PermissionDenied", "token.image-proof"},
			detail:  "answered with success, want PermissionDenied",
		},
		{
			name: "a Warning is never answered",
			handler: breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
				if strings.Contains(string(req.Parameters), "Warning signal") {
					return nil
				}
				return next.ServeSTUI(ctx, req)
			}),
			fails:  []string{"exception.Warning"},
			detail: "got no reply",
		},
		{
			name: "syntax errors without their place",
			handler: breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
				rep := next.ServeSTUI(ctx, req)
				if rep.ErrorType == stuiproto.ErrSyntax {
					rep.Details = nil
				}
				return rep
			}),
			fails:  []string{"evaluate.SyntaxError"},
			detail: "without details.line",
		},
		{
			name: "concurrent replies under each other's ids",
			handler: func() stuitest.Handler {
				var mu sync.Mutex
				var waiting []string
				return breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
					if req.Command != stuiproto.CmdEvaluate || !strings.Contains(string(req.Parameters), "+ 1000") {
						return next.ServeSTUI(ctx, req)
					}
					mu.Lock()
					waiting = append(waiting, req.ID)
					mu.Unlock()
					rep := next.ServeSTUI(ctx, req)
					// Each reply goes out under the id of the oldest
					// request still waiting, not its own.
					mu.Lock()
					rep.ID, waiting = waiting[0], waiting[1:]
					mu.Unlock()
					return rep
				})
			}(),
			fails:  []string{"concurrency.many-in-flight"},
			detail: "concurrent evaluations: request",
		},
		{
			name: "run_tests reports every test as passed",
			handler: breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
				rep := next.ServeSTUI(ctx, req)
				if req.Command == stuiproto.CmdRunTests && rep.Status == stuiproto.StatusSuccess {
					var res stuiproto.RunTestsResult
					_ = json.Unmarshal(rep.Result, &res)
					for i := range res.Results {
						res.Results[i].Status, res.Results[i].Message, res.Results[i].Stack = "pass", "", nil
					}
					res.Passed, res.Failed, res.Errors, res.Skipped = len(res.Results), 0, 0, 0
					rep.Result, _ = json.Marshal(res)
				}
				return rep
			}),
			fails:  []string{"run_tests"},
			detail: "want 1 of each",
		},
		{
			name: "debug_terminate leaves the process suspended",
			handler: breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
				if req.Command == stuiproto.CmdDebugTerminate {
					id, _ := params(req)["debug_session_id"].(string)
					return stuitest.Success(req.ID, stuiproto.DebugTerminateResult{DebugSessionID: id, Terminated: true})
				}
				return next.ServeSTUI(ctx, req)
			}),
			fails:  []string{"debug_terminate"},
			detail: "debug_stack after terminating: answered success",
		},
		{
			name: "one request at a time",
			handler: breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
				serial.Lock()
				defer serial.Unlock()
				return next.ServeSTUI(ctx, req)
			}),
			fails:  []string{"concurrency.ping-during-evaluate"},
			detail: "holds up the server",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := stuitest.NewServer(c.handler)
			defer srv.Close()
			if c.setup != nil {
				c.setup(srv)
			}
			// The checks of the broken rule alone: the end-to-end tests
			// show the same failures in whole runs of the binary.
			rep := run(t, srv, c.token, c.fails...)
			if !rep.Failed() {
				t.Fatal("the run passed")
			}
			for i, name := range c.fails {
				r := result(rep, name)
				if r.Status != StatusFail {
					t.Errorf("%s: %s %q, want FAIL", name, r.Status, r.Detail)
				} else if i == 0 && !strings.Contains(r.Detail, c.detail) {
					t.Errorf("%s failed with %q, want it to say %q", name, r.Detail, c.detail)
				}
			}
		})
	}
}

func TestCheckShape(t *testing.T) {
	type inner struct {
		N int `json:"n"`
	}
	type shape struct {
		S    string          `json:"s"`
		P    *string         `json:"p"`
		O    string          `json:"o,omitempty"`
		L    []inner         `json:"l"`
		M    map[string]bool `json:"m"`
		Raw  json.RawMessage `json:"raw"`
		Time float64         `json:"time"`
	}
	good := `{"s":"x","p":null,"l":[{"n":1}],"m":{"a":true},"raw":[1,"two"],"time":1.5,"extra":0}`
	if err := checkShape(json.RawMessage(good), reflect.TypeFor[shape]()); err != nil {
		t.Errorf("good shape: %v", err)
	}
	bad := map[string]string{
		`{"p":null,"l":[],"m":{},"raw":1,"time":1}`:                  "result.s: missing",
		`{"s":1,"p":null,"l":[],"m":{},"raw":1,"time":1}`:            "result.s: want a string, got the number 1",
		`{"s":"","p":null,"l":[{"n":1.5}],"m":{},"raw":1,"time":1}`:  "result.l[0].n: want an integer",
		`{"s":"","p":null,"l":null,"m":{},"raw":1,"time":1}`:         "result.l: want an array, got null",
		`{"s":"","p":null,"l":[],"m":{"a":"yes"},"raw":1,"time":1}`:  "result.m.a: want a boolean",
		`{"s":"","p":null,"l":[],"m":{},"raw":1,"time":1,"o":false}`: "result.o: want a string",
		`{"s":"","p":3,"l":[],"m":{},"raw":1,"time":1}`:              "result.p: want a string",
		`{"s":"","p":null,"l":[],"m":{},"raw":1,"time":"1"}`:         "result.time: want a number",
		`{"s":"","p":null,"l":[],"m":{},"time":1}`:                   "result.raw: missing",
		`["not an object"]`: "result: want an object, got an array",
	}
	for in, want := range bad {
		err := checkShape(json.RawMessage(in), reflect.TypeFor[shape]())
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

func TestWrongTokenDiffersInTheLastCharacterOnly(t *testing.T) {
	for _, tok := range []string{testToken, "abc0", "x"} {
		w := wrongToken(tok)
		if w == tok || len(w) != len(tok) || w[:len(w)-1] != tok[:len(tok)-1] {
			t.Errorf("wrongToken(%q) = %q", tok, w)
		}
	}
}

// A ping that answers, however wrongly (another version, a missing key),
// lets the other checks run: the report then says everything that differs.
func TestRunGoesOnAfterAPingOfAnotherVersion(t *testing.T) {
	b := newBackend()
	b.Ping.ProtocolVersion = "2.0.0"
	srv := stuitest.NewServer(b)
	defer srv.Close()
	rep := run(t, srv, "", "evaluate")
	if r := result(rep, "ping"); r.Status != StatusFail || !strings.Contains(r.Detail, `protocol_version "2.0.0"`) {
		t.Errorf("ping: %s %q, want FAIL naming the version", r.Status, r.Detail)
	}
	if r := result(rep, "evaluate"); r.Status != StatusOK {
		t.Errorf("evaluate: %s %q, want ok", r.Status, r.Detail)
	}
	if rep.Ping == nil || rep.Ping.ProtocolVersion != "2.0.0" {
		t.Errorf("the report's ping is %+v, want the version the image answered", rep.Ping)
	}

	noDialect := stuitest.NewServer(breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
		rep := next.ServeSTUI(ctx, req)
		if req.Command == stuiproto.CmdPing {
			var m map[string]any
			_ = json.Unmarshal(rep.Result, &m)
			delete(m, "dialect")
			rep.Result, _ = json.Marshal(m)
		}
		return rep
	}))
	defer noDialect.Close()
	rep = run(t, noDialect, "", "evaluate")
	if r := result(rep, "ping"); r.Status != StatusFail || !strings.Contains(r.Detail, "result.dialect: missing") {
		t.Errorf("ping: %s %q, want FAIL naming the missing key", r.Status, r.Detail)
	}
	if r := result(rep, "evaluate"); r.Status != StatusOK {
		t.Errorf("after a ping without dialect, evaluate: %s %q, want ok", r.Status, r.Detail)
	}
}

// An image that answers SessionExpired to closing an expired session has
// nothing left to close: the run does not report the session left behind.
func TestExpiredSessionsAnsweredExpiredOnCloseAreNotLeftBehind(t *testing.T) {
	var mu sync.Mutex
	expiring := map[string]bool{}
	srv := stuitest.NewServer(breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
		p := params(req)
		id, _ := p["session_id"].(string)
		mu.Lock()
		defer mu.Unlock()
		if req.Command == stuiproto.CmdCloseSession && expiring[id] {
			return stuitest.ErrorReply(req.ID, stuiproto.ErrSessionExpired, "Session "+id+" has expired")
		}
		rep := next.ServeSTUI(ctx, req)
		if req.Command == stuiproto.CmdCreateSession && p["timeout"] == 1.0 {
			var s stuiproto.Session
			_ = json.Unmarshal(rep.Result, &s)
			expiring[s.SessionID] = true
		}
		return rep
	}))
	defer srv.Close()
	rep := run(t, srv, "", "evaluate.SessionExpired", "restore_session.SessionExpired")
	logFailures(t, rep)
	mu.Lock()
	n := len(expiring)
	mu.Unlock()
	if rep.Failed() || n != 2 {
		t.Fatalf("%d failed, %d sessions made to expire; want 0 and 2", rep.Summary.Failed, n)
	}
	if len(rep.LeftBehind) != 0 {
		t.Errorf("left behind: %q", rep.LeftBehind)
	}
}

// An image of protocol 1.1 has no 1.2 commands: their checks are skipped,
// saying why, and the run passes. One that does not capture its Transcript
// may say so.
func TestOlderOrSmallerImagesSkipWhatTheyNeedNotHave(t *testing.T) {
	b := newBackend()
	b.Ping.ProtocolVersion = "1.1.0"
	srv := stuitest.NewServer(b)
	defer srv.Close()
	rep := run(t, srv, "", "transcript", "run_tests", "run_tests.Timeout")
	logFailures(t, rep)
	for _, name := range []string{"transcript", "run_tests", "run_tests.Timeout"} {
		if r := result(rep, name); r.Status != StatusSkip || !strings.Contains(r.Detail, "new in 1.2") {
			t.Errorf("%s: %s %q, want skip, new in 1.2", name, r.Status, r.Detail)
		}
	}

	noTranscript := stuitest.NewServer(breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
		if req.Command == stuiproto.CmdTranscript {
			return stuitest.ErrorReply(req.ID, stuiproto.ErrUnsupportedOperation, "This image does not capture its Transcript")
		}
		return next.ServeSTUI(ctx, req)
	}))
	defer noTranscript.Close()
	rep = run(t, noTranscript, "", "transcript")
	if r := result(rep, "transcript"); r.Status != StatusSkip || !strings.Contains(r.Detail, "does not capture its Transcript") {
		t.Errorf("transcript: %s %q, want skip", r.Status, r.Detail)
	}
	if rep.Failed() {
		t.Error("the run failed")
	}
}

// Without the token an image requires, ping says how to give it, and
// nothing else is tried.
func TestRunWithoutTheTokenTheImageRequires(t *testing.T) {
	srv := stuitest.NewServer(newBackend())
	defer srv.Close()
	srv.RequireToken(testToken)
	rep := run(t, srv, "")
	if r := result(rep, "ping"); r.Status != StatusFail || !strings.Contains(r.Detail, "--token-file") {
		t.Errorf("ping: %s %q, want FAIL saying how to give the token", r.Status, r.Detail)
	}
	if rep.Summary.Failed != 1 || rep.Summary.Skipped != rep.Summary.Total-1 {
		t.Errorf("summary %+v, want ping failed and every other check skipped", rep.Summary)
	}
}

// Where the removal evaluates to true, as it does in Pharo, the report
// leaves only the package behind, and the removal names each class.
func TestCleanupThatRemovesTheClasses(t *testing.T) {
	var mu sync.Mutex
	var removed []string
	srv := stuitest.NewServer(breaking(func(ctx context.Context, req *stuiproto.Request, next stuitest.Handler) *stuiproto.Reply {
		code, _ := params(req)["code"].(string)
		if req.Command == stuiproto.CmdEvaluate && strings.Contains(code, "removeFromSystem") {
			mu.Lock()
			removed = append(removed, code)
			mu.Unlock()
			return stuitest.Success(req.ID, stuiproto.EvaluateResult{Result: "true", ResultType: "True", EvaluationMode: "display"})
		}
		return next.ServeSTUI(ctx, req)
	}))
	defer srv.Close()
	rep := run(t, srv, "", "define_class", "run_tests")
	logFailures(t, rep)
	if want := []string{"the package " + FixturePackage + " (3 of its classes were removed)"}; !slices.Equal(rep.LeftBehind, want) {
		t.Errorf("left behind %q, want %q", rep.LeftBehind, want)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, class := range []string{FixtureClass, FixtureTestClass, FixtureSlowTest} {
		if i >= len(removed) || !strings.Contains(removed[i], "#"+class+" ifPresent:") {
			t.Errorf("removal %d: %q, want one for %s", i, removed, class)
		}
	}
}
