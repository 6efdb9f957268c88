package stuiclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	zmq "github.com/pebbe/zmq4"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

const vectorDir = "../testdata/protocol"

// TestVectorsOverTheWire sends every vector's request through the client to
// a server replaying the vectors, and checks the decoded outcome.
func TestVectorsOverTheWire(t *testing.T) {
	noLeaks(t)
	vs, err := stuiproto.LoadVectors(vectorDir)
	if err != nil {
		t.Fatal(err)
	}
	replay, err := stuitest.NewReplay(vs)
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, replay)
	c := newClient(t, srv.Endpoint)
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			var result json.RawMessage
			err := c.Call(ctxTimeout(t, 5*time.Second), v.Request.Command, v.Request.Parameters, &result)
			if v.Reply.Status == stuiproto.StatusSuccess {
				if err != nil {
					t.Fatal(err)
				}
				var want, got any
				json.Unmarshal(v.Reply.Result, &want)
				json.Unmarshal(result, &got)
				if !reflect.DeepEqual(want, got) {
					t.Fatalf("result %s, want %s", result, v.Reply.Result)
				}
				// And through the command's typed result.
				typed := stuiproto.NewResult(v.Request.Command)
				if err := c.Call(ctxTimeout(t, 5*time.Second), v.Request.Command, v.Request.Parameters, typed); err != nil {
					t.Fatal(err)
				}
				return
			}
			var re *stuiproto.RemoteError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a RemoteError", err)
			}
			if re.Type != v.Reply.ErrorType || re.Message != v.Reply.Error || re.Command != v.Request.Command {
				t.Errorf("got %+v, want %s %q", re, v.Reply.ErrorType, v.Reply.Error)
			}
			if !reflect.DeepEqual(re.Details, v.Reply.Details) || !reflect.DeepEqual(re.StackTrace, v.Reply.StackTrace) {
				t.Errorf("details %+v stack %v, want %+v %v", re.Details, re.StackTrace, v.Reply.Details, v.Reply.StackTrace)
			}
			if !errors.Is(err, &stuiproto.RemoteError{Type: v.Reply.ErrorType}) {
				t.Errorf("errors.Is by type fails for %v", err)
			}
		})
	}
}

func TestTypedWrappersAgainstBackend(t *testing.T) {
	noLeaks(t)
	b := stuitest.NewBackend()
	b.AddClass(stuitest.ClassFixture{Name: "Counter", Superclass: "Object", Package: "Demo", InstanceVars: []string{"count"},
		Comment: "I count.", Methods: []stuitest.MethodFixture{{Category: "accessing", Source: "count\n\t^ count"}}})
	srv := newServer(t, b)
	c := newClient(t, srv.Endpoint)
	ctx := ctxTimeout(t, 10*time.Second)

	s, err := call(ctx, c, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: "wrappers"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := c.Evaluate(ctx, stuiproto.EvaluateParams{Code: "answer := 6 * 7", SessionID: s.SessionID})
	if err != nil || ev.Result != "42" || ev.ResultType != "SmallInteger" || ev.ObjectID == nil {
		t.Fatalf("evaluate: %+v, %v", ev, err)
	}
	gv, err := call(ctx, c, stuiproto.GetVariableCommand, stuiproto.GetVariableParams{SessionID: s.SessionID, Name: "answer"})
	if err != nil || gv.PrintString != "42" {
		t.Fatalf("get_variable: %+v, %v", gv, err)
	}
	_, err = c.Evaluate(ctx, stuiproto.EvaluateParams{Code: "x := 3.\ny := (4 + 5"})
	var re *stuiproto.RemoteError
	if !errors.As(err, &re) || re.Type != stuiproto.ErrSyntax || re.Details == nil || re.Details.Line != 2 || re.Details.Column != 12 {
		t.Fatalf("syntax error: %v %+v", err, re)
	}
	_, err = c.Evaluate(ctx, stuiproto.EvaluateParams{Code: "1 / 0"})
	if !errors.As(err, &re) || re.Type != stuiproto.ErrRuntime || re.Details.ErrorClass != "ZeroDivide" || len(re.StackTrace) == 0 {
		t.Fatalf("runtime error: %v %+v", err, re)
	}
	cm, err := call(ctx, c, stuiproto.CompileMethodCommand, stuiproto.CompileMethodParams{ClassName: "Counter", Source: "increment\n\tcount := self count + 1"})
	if err != nil || cm.Selector != "increment" || !cm.Changed {
		t.Fatalf("compile_method: %+v, %v", cm, err)
	}
	_, err = call(ctx, c, stuiproto.CompileMethodCommand, stuiproto.CompileMethodParams{ClassName: "Counter", Source: "increment\n\tcount := (self count + 1"})
	if !errors.As(err, &re) || re.Type != stuiproto.ErrSyntax {
		t.Fatalf("compile_method with a syntax error: %v", err)
	}
	gm, err := call(ctx, c, stuiproto.GetMethodCommand, stuiproto.GetMethodParams{ClassName: "Counter", MethodName: "increment"})
	if err != nil || gm.Method.Source != "increment\n\tcount := self count + 1" {
		t.Fatalf("get_method after a failed save: %+v, %v", gm, err)
	}
	bc, err := call(ctx, c, stuiproto.BrowseClassCommand, stuiproto.BrowseClassParams{ClassName: "Counter"})
	if err != nil || len(bc.InstanceMethods) != 2 || *bc.ClassInfo.Superclass != "Object" {
		t.Fatalf("browse_class: %+v, %v", bc, err)
	}
	snd, err := call(ctx, c, stuiproto.SendersCommand, stuiproto.SelectorParams{Selector: "count"})
	if err != nil || snd.TotalCount != 1 || snd.Senders[0].Selector != "increment" {
		t.Fatalf("senders: %+v, %v", snd, err)
	}
	imp, err := call(ctx, c, stuiproto.ImplementorsCommand, stuiproto.SelectorParams{Selector: "count"})
	if err != nil || imp.TotalCount != 1 {
		t.Fatalf("implementors: %+v, %v", imp, err)
	}
	cp, err := call(ctx, c, stuiproto.CompleteCommand, stuiproto.CompleteParams{Prefix: "incr"})
	if err != nil || len(cp.Completions) != 1 || cp.Completions[0].Label != "increment" {
		t.Fatalf("complete: %+v, %v", cp, err)
	}
	if _, err := call(ctx, c, stuiproto.ListClassesCommand, stuiproto.ListClassesParams{Pattern: "C*"}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, c, stuiproto.SystemInfoCommand, stuiproto.SystemInfoParams{InfoType: "all"}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, c, stuiproto.DefineClassCommand, stuiproto.DefineClassParams{Name: "Sub", Superclass: ptr("Counter"), Package: "Demo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, c, stuiproto.FormatSourceCommand, stuiproto.FormatSourceParams{Source: "foo ^1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, c, stuiproto.InspectCommand, stuiproto.InspectParams{ObjectID: *ev.ObjectID, SessionID: s.SessionID}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, c, stuiproto.ReleaseObjectsCommand, stuiproto.ReleaseObjectsParams{SessionID: s.SessionID, ObjectIDs: []string{*ev.ObjectID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, c, stuiproto.UpdateSessionStateCommand, stuiproto.UpdateSessionStateParams{SessionID: s.SessionID,
		StateData: map[string]json.RawMessage{"k": json.RawMessage(`1`)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, c, stuiproto.SaveContextCommand, stuiproto.ContextParams{SessionID: s.SessionID}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, c, stuiproto.ClearContextCommand, stuiproto.ClearContextParams{SessionID: s.SessionID}); err != nil {
		t.Fatal(err)
	}
	lc, err := call(ctx, c, stuiproto.LoadContextCommand, stuiproto.ContextParams{SessionID: s.SessionID})
	if err != nil || len(lc.Variables) != 1 {
		t.Fatalf("load_context: %+v, %v", lc, err)
	}
	if _, err := call(ctx, c, stuiproto.GetContextSummaryCommand, stuiproto.SessionIDParams{SessionID: s.SessionID}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, c, stuiproto.RestoreSessionCommand, stuiproto.SessionIDParams{SessionID: s.SessionID}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, c, stuiproto.GetSessionInfoCommand, stuiproto.SessionIDParams{SessionID: s.SessionID}); err != nil {
		t.Fatal(err)
	}
	ls, err := call(ctx, c, stuiproto.ListClientSessionsCommand, stuiproto.ClientIDParams{ClientID: "wrappers"})
	if err != nil || ls.SessionCount != 1 {
		t.Fatalf("list_client_sessions: %+v, %v", ls, err)
	}
	st, err := call(ctx, c, stuiproto.GetSessionStatisticsCommand, stuiproto.NoParams{})
	if err != nil || st.MaxSessionsPerClient != 5 {
		t.Fatalf("statistics: %+v, %v", st, err)
	}
	if _, err := call(ctx, c, stuiproto.InterruptCommand, stuiproto.InterruptParams{SessionID: s.SessionID}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(ctx, c, stuiproto.CloseSessionCommand, stuiproto.SessionIDParams{SessionID: s.SessionID}); err != nil {
		t.Fatal(err)
	}
	_, err = call(ctx, c, stuiproto.GetSessionInfoCommand, stuiproto.SessionIDParams{SessionID: s.SessionID})
	if !errors.Is(err, &stuiproto.RemoteError{Type: stuiproto.ErrSessionNotFound}) {
		t.Fatalf("after close: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestFaults: each fault gives its typed error within the deadline, and the
// next request on the same client works.
func TestFaults(t *testing.T) {
	noLeaks(t)
	srv := newServer(t, stuitest.NewBackend())
	srv.OversizeBytes = 128 << 10
	c := newClient(t, srv.Endpoint, stuiclient.WithMaxReplySize(64<<10))
	mustPing(t, c)

	cases := []struct {
		fault stuitest.Fault
		delay time.Duration
		want  error
	}{
		{stuitest.Drop, 0, stuiclient.ErrDeadline},
		{stuitest.Hang, 0, stuiclient.ErrDeadline},
		{stuitest.WrongID, 0, stuiclient.ErrDeadline},
		{stuitest.Garbage, 0, stuiclient.ErrBadReply},
		{stuitest.Oversized, 0, stuiclient.ErrReplyTooLarge},
		{stuitest.Duplicate, 0, nil},
		{stuitest.NoFault, time.Second, stuiclient.ErrDeadline},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v+%v", tc.fault, tc.delay), func(t *testing.T) {
			before := c.Stats()
			srv.SetFault(tc.fault)
			srv.Delay(tc.delay)
			const deadline = 300 * time.Millisecond
			start := time.Now()
			_, err := c.Ping(ctxTimeout(t, deadline))
			took := time.Since(start)
			srv.SetFault(stuitest.NoFault)
			srv.Delay(0)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if took > deadline+200*time.Millisecond {
				t.Errorf("took %v, deadline %v", took, deadline)
			}
			mustPing(t, c)
			after := c.Stats()
			switch tc.fault {
			case stuitest.Duplicate, stuitest.WrongID:
				if after.DroppedStale <= before.DroppedStale {
					t.Errorf("stale replies %d -> %d, want one more", before.DroppedStale, after.DroppedStale)
				}
			}
			if tc.want == stuiclient.ErrDeadline && after.Timeouts != before.Timeouts+1 {
				t.Errorf("timeouts %d -> %d", before.Timeouts, after.Timeouts)
			}
		})
	}
}

// TestFastRequestPassesSlowOne: a ping is answered while a 2-second
// evaluation is in flight on the same client.
func TestFastRequestPassesSlowOne(t *testing.T) {
	noLeaks(t)
	h, started := signalling(stuitest.NewBackend(), stuiproto.CmdEvaluate)
	srv := newServer(t, h)
	c := newClient(t, srv.Endpoint)

	slowDone := make(chan error, 1)
	go func() {
		r, err := c.Evaluate(ctxTimeout(t, 10*time.Second), stuiproto.EvaluateParams{Code: "(Delay forSeconds: 2) wait. 'slow'"})
		if err == nil && r.Result != "'slow'" {
			err = fmt.Errorf("result %q", r.Result)
		}
		slowDone <- err
	}()
	<-started
	mustPing(t, c)
	select {
	case err := <-slowDone:
		t.Fatalf("the slow evaluation finished before the ping (%v)", err)
	default:
	}
	if err := <-slowDone; err != nil {
		t.Fatal(err)
	}
}

// TestREPServer: a plain REP server understands the client's frames, and
// answers requests in flight one at a time.
func TestREPServer(t *testing.T) {
	noLeaks(t)
	rep, err := zmq.NewSocket(zmq.REP)
	if err != nil {
		t.Fatal(err)
	}
	rep.SetLinger(0)
	if err := rep.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	endpoint, _ := rep.GetLastEndpoint()
	stop := make(chan struct{})
	served := make(chan struct{})
	go func() {
		defer close(served)
		defer rep.Close()
		rep.SetRcvtimeo(20 * time.Millisecond)
		for {
			select {
			case <-stop:
				return
			default:
			}
			msg, err := rep.RecvBytes(0)
			if err != nil {
				continue // receive timeout: look at stop again
			}
			var req stuiproto.Request
			json.Unmarshal(msg, &req)
			out, _ := json.Marshal(stuiproto.Reply{ID: req.ID, Status: stuiproto.StatusSuccess,
				Result: json.RawMessage(`{"message":"pong","status":"ready","protocol_version":"1.1.0"}`)})
			rep.SendBytes(out, 0)
		}
	}()
	defer func() { close(stop); <-served }()

	c := newClient(t, endpoint)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Ping(ctxTimeout(t, 5*time.Second))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestRestartOnSameEndpoint(t *testing.T) {
	noLeaks(t)
	srv := newServer(t, stuitest.NewBackend())
	c := newClient(t, srv.Endpoint)
	ctx := ctxTimeout(t, 10*time.Second)
	s, err := call(ctx, c, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: "restart"})
	if err != nil {
		t.Fatal(err)
	}
	endpoint := srv.Endpoint
	srv.Restart()
	if srv.Endpoint != endpoint {
		t.Fatalf("endpoint changed from %s to %s", endpoint, srv.Endpoint)
	}
	mustPing(t, c)
	_, err = call(ctx, c, stuiproto.GetSessionInfoCommand, stuiproto.SessionIDParams{SessionID: s.SessionID})
	if !errors.Is(err, &stuiproto.RemoteError{Type: stuiproto.ErrSessionNotFound}) {
		t.Fatalf("session after restart: %v", err)
	}
	if st := c.Stats(); st.Connects < 2 {
		t.Errorf("connects %d, want a reconnection", st.Connects)
	}
}

// TestStoppedServer: requests in flight when the image dies, and requests
// made while it is down, fail with ErrUnavailable well before the deadline.
func TestStoppedServer(t *testing.T) {
	noLeaks(t)
	h, started := signalling(stuitest.NewBackend(), stuiproto.CmdEvaluate)
	srv := newServer(t, h)
	c := newClient(t, srv.Endpoint)
	inflight := make(chan error, 1)
	go func() {
		_, err := c.Evaluate(ctxTimeout(t, 30*time.Second), stuiproto.EvaluateParams{Code: "(Delay forSeconds: 20) wait"})
		inflight <- err
	}()
	<-started
	start := time.Now()
	srv.Stop()
	if err := <-inflight; !errors.Is(err, stuiclient.ErrUnavailable) {
		t.Fatalf("in flight: %v", err)
	}
	_, err := c.Ping(ctxTimeout(t, 30*time.Second))
	if !errors.Is(err, stuiclient.ErrUnavailable) {
		t.Fatalf("while down: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v to notice", took)
	}
	srv.Start()
	mustPing(t, c)
}

func TestUnavailable(t *testing.T) {
	noLeaks(t)
	srv := stuitest.NewServer(nil)
	tcp := srv.Endpoint
	srv.Close()
	for _, ep := range []string{tcp, "ipc://" + t.TempDir() + "/none.sock"} {
		c := newClient(t, ep)
		start := time.Now()
		_, err := c.Ping(ctxTimeout(t, 20*time.Second))
		if !errors.Is(err, stuiclient.ErrUnavailable) {
			t.Errorf("%s: %v", ep, err)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%s: took %v", ep, took)
		}
	}
}

func TestCancel(t *testing.T) {
	noLeaks(t)
	h, started := signalling(stuitest.NewBackend(), stuiproto.CmdPing)
	srv := newServer(t, h)
	c := newClient(t, srv.Endpoint)
	srv.SetFault(stuitest.Hang)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Ping(ctx)
		done <- err
	}()
	<-started
	cancel()
	start := time.Now()
	err := <-done
	if !errors.Is(err, stuiclient.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("cancel took %v", took)
	}
	srv.SetFault(stuitest.NoFault) // releases the held reply: it must be dropped
	for c.Stats().DroppedStale == 0 {
		mustPing(t, c)
		<-started
	}
}

func TestInterrupt(t *testing.T) {
	noLeaks(t)
	h, started := signalling(stuitest.NewBackend(), stuiproto.CmdEvaluate)
	srv := newServer(t, h)
	c := newClient(t, srv.Endpoint)
	done := make(chan error, 1)
	go func() {
		ctx := stuiproto.WithRequestID(ctxTimeout(t, 30*time.Second), "slow-1")
		_, err := c.Evaluate(ctx, stuiproto.EvaluateParams{Code: "[ true ] whileTrue"})
		done <- err
	}()
	<-started
	var r *stuiproto.InterruptResult
	for r == nil || r.Interrupted == 0 {
		var err error
		if r, err = call(ctxTimeout(t, 5*time.Second), c, stuiproto.InterruptCommand, stuiproto.InterruptParams{RequestID: "slow-1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; !errors.Is(err, &stuiproto.RemoteError{Type: stuiproto.ErrInterrupted}) {
		t.Fatalf("got %v", err)
	}
}

func TestCloseFailsCallsInFlight(t *testing.T) {
	noLeaks(t)
	h, started := signalling(stuitest.NewBackend(), stuiproto.CmdPing)
	srv := newServer(t, h)
	srv.SetFault(stuitest.Hang)
	c, err := stuiclient.New(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Ping(context.Background())
		done <- err
	}()
	<-started
	c.Close()
	if err := <-done; !errors.Is(err, stuiclient.ErrClosed) {
		t.Fatalf("got %v", err)
	}
	if _, err := c.Ping(context.Background()); !errors.Is(err, stuiclient.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
	c.Close()
}

func TestToken(t *testing.T) {
	noLeaks(t)
	srv := newServer(t, stuitest.NewBackend())
	srv.RequireToken("s3cret")
	for _, tok := range []string{"", "wrong"} {
		// A wrong token is refused by the image; the client sends it only
		// when told not to ask for the image's proof first.
		c := newClient(t, srv.Endpoint, stuiclient.WithToken(tok), stuiclient.WithoutImageProof())
		_, err := c.Ping(ctxTimeout(t, 5*time.Second))
		if !errors.Is(err, &stuiproto.RemoteError{Type: stuiproto.ErrPermissionDenied}) {
			t.Errorf("token %q: %v", tok, err)
		}
	}
	// Otherwise the image cannot prove a token it does not hold.
	_, err := newClient(t, srv.Endpoint, stuiclient.WithToken("wrong")).Ping(ctxTimeout(t, 5*time.Second))
	if !errors.Is(err, stuiclient.ErrImageNotAuthenticated) {
		t.Errorf("wrong token with the proof asked for: %v", err)
	}
	mustPing(t, newClient(t, srv.Endpoint, stuiclient.WithToken("s3cret")))
}

func TestTokenRefusedOverCleartextToAnotherHost(t *testing.T) {
	_, err := stuiclient.New("tcp://192.0.2.7:5555", stuiclient.WithToken("s3cret"))
	var ite *stuiclient.InsecureTokenError
	if !errors.As(err, &ite) {
		t.Fatalf("got %v, want an InsecureTokenError", err)
	}
	for _, ep := range []string{"tcp://127.0.0.1:5555", "tcp://localhost:5555", "tcp://[::1]:5555", "ipc:///tmp/x.sock"} {
		c, err := stuiclient.New(ep, stuiclient.WithToken("s3cret"))
		if err != nil {
			t.Errorf("%s: %v", ep, err)
			continue
		}
		c.Close()
	}
	pub, sec, _ := zmq.NewCurveKeypair()
	c, err := stuiclient.New("tcp://192.0.2.7:5555", stuiclient.WithToken("s3cret"), stuiclient.WithCurve(pub, pub, sec))
	if err != nil {
		t.Fatalf("with CURVE: %v", err)
	}
	c.Close()
	if _, err := stuiclient.New("udp://x"); err == nil {
		t.Error("an unknown transport was accepted")
	}
}

func TestCurve(t *testing.T) {
	noLeaks(t)
	if !zmq.HasCurve() {
		t.Skip("libzmq without CURVE")
	}
	srvPub, srvSec, err := zmq.NewCurveKeypair()
	if err != nil {
		t.Fatal(err)
	}
	cliPub, cliSec, _ := zmq.NewCurveKeypair()
	srv := newServer(t, stuitest.NewBackend(), stuitest.WithCurve(srvSec))
	c := newClient(t, srv.Endpoint, stuiclient.WithCurve(srvPub, cliPub, cliSec))
	mustPing(t, c)

	otherPub, _, _ := zmq.NewCurveKeypair()
	bad := newClient(t, srv.Endpoint, stuiclient.WithCurve(otherPub, cliPub, cliSec))
	if _, err := bad.Ping(ctxTimeout(t, 20*time.Second)); !errors.Is(err, stuiclient.ErrUnavailable) {
		t.Errorf("wrong server key: %v", err)
	}
}

func TestVersionMismatch(t *testing.T) {
	noLeaks(t)
	b := stuitest.NewBackend()
	b.Ping.ProtocolVersion = "2.0.0"
	srv := newServer(t, b)
	r, err := newClient(t, srv.Endpoint).Ping(ctxTimeout(t, 5*time.Second))
	var vm *stuiclient.VersionMismatchError
	if !errors.As(err, &vm) || r == nil || vm.Server != "2.0.0" {
		t.Fatalf("got %+v, %v", r, err)
	}
	var warnings []string
	c := newClient(t, srv.Endpoint, stuiclient.WithVersionWarning(func(e *stuiclient.VersionMismatchError) {
		warnings = append(warnings, e.Error())
	}))
	for range 2 {
		if _, err := c.Ping(ctxTimeout(t, 5*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if len(warnings) != 1 {
		t.Errorf("warnings %v, want one", warnings)
	}
}

func TestIPC(t *testing.T) {
	noLeaks(t)
	srv := stuitest.NewIPCServer(stuitest.NewBackend())
	t.Cleanup(srv.Close)
	if !contains(srv.Endpoint, "ipc://") {
		t.Fatalf("endpoint %s", srv.Endpoint)
	}
	c := newClient(t, srv.Endpoint)
	mustPing(t, c)
	srv.Restart()
	mustPing(t, c)
}

func TestDuplicateRequestID(t *testing.T) {
	noLeaks(t)
	h, started := signalling(stuitest.NewBackend(), stuiproto.CmdPing)
	srv := newServer(t, h)
	srv.SetFault(stuitest.Hang)
	c := newClient(t, srv.Endpoint)
	ctx := stuiproto.WithRequestID(ctxTimeout(t, 5*time.Second), "same")
	done := make(chan error, 1)
	go func() { _, err := c.Ping(ctx); done <- err }()
	<-started
	if _, err := c.Ping(ctx); err == nil || !contains(err.Error(), "already in flight") {
		t.Errorf("got %v", err)
	}
	srv.SetFault(stuitest.NoFault)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// call sends one command through the table's typed form and returns its result.
func call[P, R any](ctx context.Context, c *stuiclient.Client, cmd stuiproto.Command[P, R], params P) (*R, error) {
	var r R
	if err := stuiproto.Call(ctx, c, cmd, params, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// TestEveryReplyReachesItsCallerUnderLoad: callers send while replies
// arrive, in bursts and with pauses, so that sends take in libzmq's notices
// of replies and the owner waits on a socket it believes quiet. A notice
// taken without the owner learning of it would leave a reply unread until
// the next one came; the last of each burst would then wait for ever.
func TestEveryReplyReachesItsCallerUnderLoad(t *testing.T) {
	noLeaks(t)
	srv := newServer(t, stuitest.NewBackend())
	c := newClient(t, srv.Endpoint)
	mustPing(t, c)
	for burst := range 60 {
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for caller := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 1 + (caller+burst)%7 {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					_, err := c.Ping(ctx)
					cancel()
					if err != nil {
						errs <- fmt.Errorf("burst %d, caller %d, call %d: %w", burst, caller, i, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// A pause: the owner goes to sleep between bursts.
		time.Sleep(time.Duration(burst%3) * time.Millisecond)
	}
}
