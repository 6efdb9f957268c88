package stuiclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

const secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// eavesdropper records every request that reaches it, token and all.
type eavesdropper struct {
	next stuitest.Handler
	mu   sync.Mutex
	seen []stuiproto.Request
}

func (e *eavesdropper) ServeSTUI(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
	e.mu.Lock()
	e.seen = append(e.seen, *req)
	e.mu.Unlock()
	return e.next.ServeSTUI(ctx, req)
}

func (e *eavesdropper) requests() []stuiproto.Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]stuiproto.Request(nil), e.seen...)
}

// The image answers the challenge on each connection before the client
// sends its token, and everything works as before.
func TestImageProvesItHoldsTheToken(t *testing.T) {
	noLeaks(t)
	spy := &eavesdropper{next: stuitest.NewBackend()}
	srv := newServer(t, spy)
	srv.RequireToken(secret)
	c := newClient(t, srv.Endpoint, stuiclient.WithToken(secret))
	mustPing(t, c)
	srv.Restart()
	pingWithin(t, c, 10*time.Second)
	challenges := 0
	for _, r := range spy.requests() {
		var p stuiproto.PingParams
		_ = json.Unmarshal(r.Parameters, &p)
		if p.Challenge != nil {
			challenges++
			if r.Token != "" {
				t.Errorf("the token went out with the challenge")
			}
		}
	}
	if challenges < 2 {
		t.Errorf("%d challenges for two connections", challenges)
	}
}

// A process that took the endpoint first, without the token, learns
// neither the token nor any code: it sees one ping without a token, and the
// caller is told why nothing was sent.
func TestImpostorLearnsNeitherTokenNorCode(t *testing.T) {
	noLeaks(t)
	for name, impostorToken := range map[string]string{"no token": "", "another token": "f00d" + secret[4:]} {
		t.Run(name, func(t *testing.T) {
			spy := &eavesdropper{next: stuitest.NewBackend()}
			srv := newServer(t, spy)
			if impostorToken != "" {
				srv.RequireToken(impostorToken)
			}
			c := newClient(t, srv.Endpoint, stuiclient.WithToken(secret))
			var res stuiproto.EvaluateResult
			err := stuiproto.Call(ctxTimeout(t, 5*time.Second), c, stuiproto.EvaluateCommand, stuiproto.EvaluateParams{Code: "Smalltalk os secrets"}, &res)
			if !errors.Is(err, stuiclient.ErrImageNotAuthenticated) {
				t.Fatalf("evaluate against an impostor: %v, want ErrImageNotAuthenticated", err)
			}
			// A later call fails at once, with the same reason.
			start := time.Now()
			if _, err := c.Ping(ctxTimeout(t, 5*time.Second)); !errors.Is(err, stuiclient.ErrImageNotAuthenticated) || time.Since(start) > time.Second {
				t.Errorf("second call: %v after %v", err, time.Since(start))
			}
			for _, r := range spy.requests() {
				if r.Token != "" || r.Command != stuiproto.CmdPing {
					t.Errorf("the impostor received %s with token %q", r.Command, r.Token)
				}
			}
		})
	}
}

// The proof covers the endpoint: a relay that forwards the challenge from
// the endpoint it took to the real image elsewhere gets no valid proof.
func TestRelayedChallengeGetsNoProof(t *testing.T) {
	real := stuitest.NewBackend()
	if stuiproto.EndpointDesignates("tcp://127.0.0.1:5555", "tcp://127.0.0.1:5556") ||
		stuiproto.EndpointDesignates("tcp://127.0.0.1:5555", "ipc:///run/user/1000/stui/stui.sock") ||
		!stuiproto.EndpointDesignates("tcp://localhost:5555", "tcp://127.0.0.1:5555") {
		t.Fatal("EndpointDesignates")
	}
	srv := newServer(t, real)
	srv.RequireToken(secret)
	raw, _ := json.Marshal(stuiproto.PingParams{Challenge: &stuiproto.ImageChallenge{Nonce: "n", Endpoint: "tcp://127.0.0.1:1"}})
	var res stuiproto.PingResult
	c := newClient(t, srv.Endpoint)
	if err := c.Call(ctxTimeout(t, 5*time.Second), stuiproto.CmdPing, json.RawMessage(raw), &res); err != nil {
		t.Fatal(err)
	}
	if res.Proof != "" {
		t.Errorf("the image proved itself for an endpoint it is not bound to")
	}
}

// A token file that is a FIFO used to block every call that resolved the
// token (hover and status hung for good); it is refused at once.
func TestTokenFileThatBlocksIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, _, err := stuiclient.ResolveToken(path); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("a FIFO as token file: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reading a FIFO as token file blocked")
	}
}
