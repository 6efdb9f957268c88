package lsp

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// A hover on a workspace variable must not wait behind an evaluation that is
// creating the session: it gives up at its own deadline (M2).
func TestHoverDoesNotWaitForASessionBeingCreated(t *testing.T) {
	img := evalImage(map[string]any{"x := 1": "1"})
	release := make(chan struct{})
	creating := make(chan struct{}, 1)
	img.on(stuiproto.CmdCreateSession, func(ctx context.Context, _ json.RawMessage) (any, error) {
		creating <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return stuiproto.Session{SessionID: "session_1", IsActive: true}, nil
	})
	e := startEditor(t, editorOptions{image: img, initOptions: map[string]any{"hoverTimeoutMs": 300, "evaluateTimeoutMs": 60000}})
	u := e.open("play.st", "x := 1.\nx printString.\n")
	evaluated := make(chan error, 1)
	go func() {
		var res evaluateResult
		evaluated <- e.executeCommand(cmdEvaluate, map[string]any{"uri": u, "range": protocol.Range{}}, &res)
	}()
	<-creating
	start := time.Now()
	var hover *protocol.Hover
	if err := e.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: protocol.Position{Line: 1, Character: 0},
	}}, &hover); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("hover answered after %v, behind the session being created (deadline 300 ms)", took)
	}
	close(release)
	if err := <-evaluated; err != nil {
		t.Fatalf("the evaluation: %v", err)
	}
}

// shutdownEditor ends an editor's session as an editor does.
func shutdownEditor(t *testing.T, e *editor) {
	t.Helper()
	if err := e.call("shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
}

// Without persistence nobody can come back to a session: it is closed at
// shutdown, so editor starts do not pile sessions up to the image's limit
// (M3).
func TestSessionNotRememberedIsClosedAtShutdown(t *testing.T) {
	img := evalImage(map[string]any{"x := 1": "1"})
	img.on(stuiproto.CmdCloseSession, func(context.Context, json.RawMessage) (any, error) {
		return stuiproto.CloseSessionResult{}, nil
	})
	for _, persist := range []bool{false, true} {
		before := len(img.callsOf(stuiproto.CmdCloseSession))
		e := startEditor(t, editorOptions{image: img, initOptions: map[string]any{"persistSession": persist}})
		u := e.open("play.st", "x := 1.\n")
		var res evaluateResult
		if err := e.executeCommand(cmdEvaluate, map[string]any{"uri": u, "range": protocol.Range{}}, &res); err != nil {
			t.Fatal(err)
		}
		shutdownEditor(t, e)
		closed := len(img.callsOf(stuiproto.CmdCloseSession)) - before
		if want := map[bool]int{false: 1, true: 0}[persist]; closed != want {
			t.Errorf("persistSession %v: %d sessions closed at shutdown, want %d", persist, closed, want)
		}
	}
}

// When the image refuses a new session because earlier starts left as many
// as it allows, the most recent one is reused and the user told (M3).
func TestSessionLimitReusesTheMostRecentSession(t *testing.T) {
	img := evalImage(map[string]any{"x := 1": "1"})
	img.on(stuiproto.CmdCreateSession, func(context.Context, json.RawMessage) (any, error) {
		return nil, &stuiproto.RemoteError{Command: stuiproto.CmdCreateSession, Type: stuiproto.ErrSession, Message: "Session limit reached for client x (5)"}
	})
	img.on(stuiproto.CmdListClientSessions, func(context.Context, json.RawMessage) (any, error) {
		return stuiproto.ListClientSessionsResult{SessionCount: 2, Sessions: []stuiproto.Session{
			{SessionID: "old", LastActivity: "2026-11-30T10:00:00Z"},
			{SessionID: "recent", LastActivity: "2026-12-01T09:00:00Z"},
		}}, nil
	})
	img.on(stuiproto.CmdRestoreSession, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.SessionIDParams
		_ = json.Unmarshal(raw, &p)
		return stuiproto.RestoreSessionResult{Session: stuiproto.Session{SessionID: p.SessionID}, LiveObjects: true}, nil
	})
	e := startEditor(t, editorOptions{image: img, initOptions: map[string]any{"persistSession": false}})
	u := e.open("play.st", "x := 1.\n")
	var res evaluateResult
	if err := e.executeCommand(cmdEvaluate, map[string]any{"uri": u, "range": protocol.Range{}}, &res); err != nil {
		t.Fatalf("evaluate at the session limit: %v", err)
	}
	var p stuiproto.EvaluateParams
	_ = json.Unmarshal(img.callsOf(stuiproto.CmdEvaluate)[0], &p)
	if p.SessionID != "recent" {
		t.Errorf("evaluated in session %q, want the most recent, recent", p.SessionID)
	}
	e.waitFor(protocol.MethodWindowShowMessage, func(raw json.RawMessage) bool {
		return strings.Contains(string(raw), "reusing the most recent, recent")
	})
}

// A session id that cannot be written down is told to the user: their
// variables would be gone at the next start (M3).
func TestSessionThatCannotBeRememberedIsTold(t *testing.T) {
	img := evalImage(map[string]any{"x := 1": "1"})
	blocked := filepath.Join(t.TempDir(), "not-a-directory")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	e := startEditor(t, editorOptions{image: img, cacheDir: blocked})
	u := e.open("play.st", "x := 1.\n")
	var res evaluateResult
	if err := e.executeCommand(cmdEvaluate, map[string]any{"uri": u, "range": protocol.Range{}}, &res); err != nil {
		t.Fatal(err)
	}
	e.waitFor(protocol.MethodWindowShowMessage, func(raw json.RawMessage) bool {
		return strings.Contains(string(raw), "cannot remember session session_1")
	})
}
