package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// evalImage answers evaluate from a table of code -> result or error.
func evalImage(answers map[string]any) *fakeImage {
	img := newFakeImage()
	img.on(stuiproto.CmdEvaluate, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.EvaluateParams
		_ = json.Unmarshal(raw, &p)
		switch a := answers[p.Code].(type) {
		case error:
			return nil, a
		case string:
			id := "obj_1"
			return stuiproto.EvaluateResult{Result: a, ResultType: "SmallInteger", ObjectID: &id, EvaluationMode: p.EvaluationMode}, nil
		}
		return nil, &stuiproto.RemoteError{Type: stuiproto.ErrRuntime, Message: "unexpected code " + p.Code}
	})
	return img
}

func TestEvaluateStatementAtCursorShowsInlineResult(t *testing.T) {
	img := evalImage(map[string]any{"x := 3 + 4": "7"})
	e := startEditor(t, editorOptions{image: img})
	text, at := markers("\"café ☕ 😀\" x := 3 ⟦cursor⟧+ 4.\ny := x * 2.\n")
	u := e.open("play.st", text)

	var res evaluateResult
	err := e.executeCommand(cmdEvaluate, map[string]any{"uri": u, "range": protocol.Range{Start: at["cursor"], End: at["cursor"]}}, &res)
	if err != nil {
		t.Fatal(err)
	}
	if res.Result != "7" || res.ResultType != "SmallInteger" || res.ObjectID == nil {
		t.Fatalf("result = %+v", res)
	}
	sent := img.callsOf(stuiproto.CmdEvaluate)
	var p stuiproto.EvaluateParams
	_ = json.Unmarshal(sent[0], &p)
	if p.SessionID == "" || p.EvaluationMode != stuiproto.ModeDisplay {
		t.Errorf("evaluate sent %+v: want a session and display mode", p)
	}

	var hints []protocol.InlayHint
	if err := e.call("textDocument/inlayHint", &protocol.InlayHintParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u},
		Range:        protocol.Range{End: protocol.Position{Line: 5}},
	}, &hints); err != nil {
		t.Fatal(err)
	}
	if len(hints) != 1 {
		t.Fatalf("inlay hints = %d, want 1", len(hints))
	}
	_, end := markers("\"café ☕ 😀\" x := 3 + 4⟦end⟧.")
	if hints[0].Position != end["end"] {
		t.Errorf("hint at %v, want after the statement at %v (UTF-16 columns)", hints[0].Position, end["end"])
	}
	if label, _ := hints[0].Label.(protocol.String); !strings.Contains(string(label), "7") {
		t.Errorf("hint label %q", label)
	}

	// Editing the statement removes its result.
	_ = e.conn.Notify(context.Background(), "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
		TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: 2},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangePartial{
			Range: protocol.Range{Start: at["cursor"], End: at["cursor"]}, Text: "1 ",
		}},
	})
	hints = nil
	if err := e.call("textDocument/inlayHint", &protocol.InlayHintParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: protocol.Range{End: protocol.Position{Line: 5}}}, &hints); err != nil {
		t.Fatal(err)
	}
	if len(hints) != 0 {
		t.Errorf("hint survived an edit of its statement: %v", hints)
	}
}

func TestPrintItInsertsCommentThroughApplyEdit(t *testing.T) {
	img := evalImage(map[string]any{"'it''s' , \"q\" 'x'": `'it''s"x'`})
	e := startEditor(t, editorOptions{image: img})
	text := "'it''s' , \"q\" 'x'"
	u := e.open("p.st", text)
	var res printItResult
	end := newLineIndex(text).position(len(text), encodingUTF16)
	if err := e.executeCommand(cmdPrintIt, map[string]any{"uri": u, "range": protocol.Range{End: end}}, &res); err != nil {
		t.Fatal(err)
	}
	if !res.Inserted {
		t.Fatal("print-it did not report an inserted result")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.edits) != 1 {
		t.Fatalf("applyEdit calls = %d", len(e.edits))
	}
	edits := e.edits[0].Edit.Changes[u]
	if len(edits) != 1 || edits[0].NewText != ` "'it''s""x'"` || edits[0].Range.Start != end {
		t.Errorf("print-it edit = %+v, want the printString as a comment after the code, quotes doubled", edits)
	}
}

func TestSyntaxErrorBecomesDiagnosticAtTheRightPlace(t *testing.T) {
	img := evalImage(map[string]any{
		"| a |\na := 3 + .": &stuiproto.RemoteError{Type: stuiproto.ErrSyntax, Message: "Variable or expression expected", Details: &stuiproto.ErrorDetails{Line: 2, Column: 10}},
	})
	e := startEditor(t, editorOptions{image: img})
	text, at := markers("\"ünïcödé 😀\"\n⟦start⟧| a |\na := 3 + ⟦err⟧.⟦end⟧")
	u := e.open("bad.st", text)
	err := e.executeCommand(cmdEvaluate, map[string]any{"uri": u, "range": protocol.Range{Start: at["start"], End: at["end"]}}, nil)
	var rpcErr *jsonrpc2.Error
	if !errors.As(err, &rpcErr) || !strings.Contains(rpcErr.Message, "SyntaxError") {
		t.Fatalf("want a SyntaxError reply, got %v", err)
	}
	diags := e.diagnostics(u, func(d []protocol.Diagnostic) bool {
		for _, x := range d {
			if src, _ := x.Source.Get(); src == sourceEvaluate {
				return true
			}
		}
		return false
	})
	var found bool
	for _, d := range diags {
		if src, _ := d.Source.Get(); src == sourceEvaluate {
			found = true
			if d.Range.Start != at["err"] {
				t.Errorf("syntax error at %v, want %v (line 2, column 10 of the snippet)", d.Range.Start, at["err"])
			}
		}
	}
	if !found {
		t.Fatal("no evaluation diagnostic")
	}
}

func TestRuntimeErrorShowsMessageAndStack(t *testing.T) {
	img := evalImage(map[string]any{
		"1/0": &stuiproto.RemoteError{Type: stuiproto.ErrRuntime, Message: "Division by zero", Details: &stuiproto.ErrorDetails{ErrorClass: "ZeroDivide"}, StackTrace: []string{"SmallInteger>>/", "UndefinedObject>>DoIt"}},
	})
	e := startEditor(t, editorOptions{image: img})
	u := e.open("z.st", "1/0")
	_ = e.executeCommand(cmdEvaluate, map[string]any{"uri": u, "range": protocol.Range{End: protocol.Position{Character: 3}}}, nil)
	diags := e.diagnostics(u, func(d []protocol.Diagnostic) bool { return len(d) > 0 })
	msg, _ := diags[0].Message.(protocol.String)
	if !strings.Contains(string(msg), "ZeroDivide: Division by zero") || !strings.Contains(string(msg), "SmallInteger>>/") {
		t.Errorf("runtime error diagnostic = %q", msg)
	}
}

func TestCancelledEvaluationInterruptsTheImage(t *testing.T) {
	img := newFakeImage()
	started := make(chan string, 1)
	interrupted := make(chan string, 1)
	var once sync.Once
	img.on(stuiproto.CmdEvaluate, func(ctx context.Context, _ json.RawMessage) (any, error) {
		id, _ := stuiproto.RequestIDFromContext(ctx)
		once.Do(func() { started <- id })
		<-ctx.Done()
		return nil, ctx.Err()
	})
	img.on(stuiproto.CmdInterrupt, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.InterruptParams
		_ = json.Unmarshal(raw, &p)
		interrupted <- p.RequestID
		return stuiproto.InterruptResult{Interrupted: 1}, nil
	})
	e := startEditor(t, editorOptions{image: img})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		raw, _ := json.Marshal(map[string]any{"code": "(Delay forSeconds: 30) wait"})
		_, err := e.conn.Call(ctx, "workspace/executeCommand", &protocol.ExecuteCommandParams{Command: cmdEvaluate, Arguments: []protocol.LSPAny{raw}}, nil)
		errc <- err
	}()
	var reqID string
	select {
	case reqID = <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("evaluation never reached the image")
	}
	// Hover-like requests are still answered while the evaluation runs.
	if err := e.executeCommand(cmdStatus, map[string]any{}, nil); err != nil {
		t.Fatalf("status during a long evaluation: %v", err)
	}
	cancel()
	if err := e.conn.Notify(context.Background(), "$/cancelRequest", map[string]any{"id": 2}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-interrupted:
		if got != reqID || got == "" {
			t.Errorf("interrupt for %q, evaluation was %q", got, reqID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the request did not interrupt the image")
	}
	<-errc
}

func TestImageDownAnswersAtOnce(t *testing.T) {
	img := newFakeImage()
	img.on(stuiproto.CmdPing, func(context.Context, json.RawMessage) (any, error) {
		return nil, stuiproto.ErrUnavailable
	})
	e := startEditor(t, editorOptions{image: img})
	text, at := markers("Object subclass: #Foo.\n⟦c⟧Foo new")
	u := e.open("down.st", text)
	// Wait for the background handshake to mark the image down.
	e.waitFor(protocol.MethodWindowLogMessage, func(raw json.RawMessage) bool { return strings.Contains(string(raw), "not connected") })
	start := time.Now()
	var h protocol.Hover
	if err := e.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: at["c"]}}, &h); err != nil {
		t.Fatal(err)
	}
	mc, _ := h.Contents.(*protocol.MarkupContent)
	if mc == nil || !strings.Contains(mc.Value, "image not connected") {
		t.Errorf("hover with the image down = %+v", h.Contents)
	}
	if len(img.callsOf(stuiproto.CmdBrowseClass)) != 0 {
		t.Error("hover called the image although it is known to be down")
	}
	err := e.executeCommand(cmdEvaluate, map[string]any{"code": "3 + 4"}, nil)
	var rpcErr *jsonrpc2.Error
	if !errors.As(err, &rpcErr) || !strings.Contains(rpcErr.Message, "STUIServer startOn:") {
		t.Errorf("evaluate with the image down: %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("answers with the image down took %v", time.Since(start))
	}
}

func TestSessionIsRememberedAndRestored(t *testing.T) {
	cache, folder := t.TempDir(), t.TempDir()
	img := evalImage(map[string]any{"x := 42": "42", "x": "42"})
	restored := make(chan string, 1)
	img.on(stuiproto.CmdRestoreSession, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.SessionIDParams
		_ = json.Unmarshal(raw, &p)
		restored <- p.SessionID
		return stuiproto.RestoreSessionResult{Session: stuiproto.Session{SessionID: p.SessionID}, LiveObjects: true, WorkspaceContext: stuiproto.WorkspaceContext{Variables: []string{"x"}}}, nil
	})
	e1 := startEditor(t, editorOptions{image: img, cacheDir: cache, folder: folder})
	if err := e1.executeCommand(cmdEvaluate, map[string]any{"code": "x := 42"}, nil); err != nil {
		t.Fatal(err)
	}
	var first stuiproto.EvaluateParams
	_ = json.Unmarshal(img.callsOf(stuiproto.CmdEvaluate)[0], &first)
	if first.SessionID != "session_1" {
		t.Fatalf("first evaluation used session %q", first.SessionID)
	}

	// The editor restarts on the same folder: the remembered session is
	// restored, not a new one created.
	e2 := startEditor(t, editorOptions{image: img, cacheDir: cache, folder: folder})
	if err := e2.executeCommand(cmdEvaluate, map[string]any{"code": "x"}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-restored:
		if id != "session_1" {
			t.Errorf("restored %q, want session_1", id)
		}
	default:
		t.Fatal("the second editor did not restore the remembered session")
	}
	var second stuiproto.EvaluateParams
	_ = json.Unmarshal(img.callsOf(stuiproto.CmdEvaluate)[1], &second)
	if second.SessionID != "session_1" {
		t.Errorf("second evaluation used session %q", second.SessionID)
	}
	if n := len(img.callsOf(stuiproto.CmdCreateSession)); n != 1 {
		t.Errorf("create_session called %d times, want 1", n)
	}
}

func TestLostSessionIsRecreatedAndUserToldOnce(t *testing.T) {
	img := evalImage(map[string]any{"x := 1": "1"})
	var mu sync.Mutex
	gone := map[string]bool{}
	inner := img.handlers[stuiproto.CmdEvaluate]
	img.on(stuiproto.CmdEvaluate, func(ctx context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.EvaluateParams
		_ = json.Unmarshal(raw, &p)
		mu.Lock()
		lost := gone[p.SessionID]
		mu.Unlock()
		if lost {
			return nil, &stuiproto.RemoteError{Type: stuiproto.ErrSessionNotFound, Message: "no session " + p.SessionID}
		}
		return inner(ctx, raw)
	})
	e := startEditor(t, editorOptions{image: img})
	if err := e.executeCommand(cmdEvaluate, map[string]any{"code": "x := 1"}, nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	gone["session_1"] = true // the image restarted
	mu.Unlock()
	for i := 0; i < 2; i++ {
		if err := e.executeCommand(cmdEvaluate, map[string]any{"code": "x := 1"}, nil); err != nil {
			t.Fatalf("evaluation after the image lost the session: %v", err)
		}
	}
	if n := len(img.callsOf(stuiproto.CmdCreateSession)); n != 2 {
		t.Errorf("create_session called %d times, want 2", n)
	}
	e.waitFor(protocol.MethodWindowShowMessage, func(raw json.RawMessage) bool { return strings.Contains(string(raw), "lost") })
	told := 0
	for _, m := range e.pushedOf(protocol.MethodWindowShowMessage) {
		if strings.Contains(string(m), "lost") {
			told++
		}
	}
	if told != 1 {
		t.Errorf("user told %d times about the lost session, want once", told)
	}
}

func TestResetSessionStartsAFreshOne(t *testing.T) {
	img := evalImage(map[string]any{"x := 1": "1"})
	img.on(stuiproto.CmdCloseSession, func(context.Context, json.RawMessage) (any, error) {
		return stuiproto.CloseSessionResult{Closed: true}, nil
	})
	e := startEditor(t, editorOptions{image: img})
	if err := e.executeCommand(cmdEvaluate, map[string]any{"code": "x := 1"}, nil); err != nil {
		t.Fatal(err)
	}
	var res resetResult
	if err := e.executeCommand(cmdResetSession, map[string]any{}, &res); err != nil {
		t.Fatal(err)
	}
	if res.SessionID != "session_2" || len(img.callsOf(stuiproto.CmdCloseSession)) != 1 {
		t.Errorf("reset gave %q after %d close_session calls", res.SessionID, len(img.callsOf(stuiproto.CmdCloseSession)))
	}
}

func TestHoverAnsweredWhileAnEvaluationRuns(t *testing.T) {
	img := newFakeImage()
	release := make(chan struct{})
	running := make(chan struct{})
	img.on(stuiproto.CmdEvaluate, func(ctx context.Context, _ json.RawMessage) (any, error) {
		close(running)
		select {
		case <-release:
		case <-ctx.Done():
		}
		return stuiproto.EvaluateResult{Result: "nil"}, nil
	})
	img.on(stuiproto.CmdBrowseClass, func(context.Context, json.RawMessage) (any, error) {
		return stuiproto.BrowseClassResult{ClassInfo: stuiproto.ClassInfo{Name: "Delay"}}, nil
	})
	e := startEditor(t, editorOptions{image: img})
	text, at := markers("⟦c⟧Delay forSeconds: 30")
	u := e.open("slow.st", text)
	done := make(chan error, 1)
	go func() {
		done <- e.executeCommand(cmdEvaluate, map[string]any{"code": "(Delay forSeconds: 30) wait"}, nil)
	}()
	<-running
	if got := e.hover(u, at["c"]); !strings.Contains(got, "Delay") {
		t.Errorf("hover during an evaluation: %q", got)
	}
	select {
	case <-done:
		t.Fatal("the evaluation finished before the hover; the test proves nothing")
	default:
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestLongResultsAreCutInline(t *testing.T) {
	rs := newResultStore()
	long := strings.Repeat("x", 500)
	rs.put("file:///a.st", span{0, 5}, &stuiproto.EvaluateResult{Result: long, ResultType: "String"}, 40)
	got := rs.list("file:///a.st")
	if len(got) != 1 || len([]rune(got[0].label)) > 80 || !strings.Contains(got[0].label, "Inspect it") {
		t.Errorf("inline label %q", got[0].label)
	}
	if !strings.Contains(got[0].tooltip, long) {
		t.Error("the tooltip should keep the whole printString")
	}
}

func TestDetachedWorkDoesNotReuseTheRequestID(t *testing.T) {
	ctx := stuiproto.WithRequestID(context.Background(), "lsp-1")
	if id, ok := stuiproto.RequestIDFromContext(detach(ctx)); ok {
		t.Errorf("detached context still carries request id %q", id)
	}
}
