package lsp

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func statusOf(t *testing.T, raw json.RawMessage) statusReport {
	t.Helper()
	var r statusReport
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("stui/status params %s: %v", raw, err)
	}
	return r
}

// The editor learns of each change of the link at once, from stui/status,
// with the image's name, and why when the image went away.
func TestLinkStateIsPushedWhenItChanges(t *testing.T) {
	img := newFakeImage()
	var down atomic.Bool
	img.on(stuiproto.CmdPing, func(context.Context, json.RawMessage) (any, error) {
		if down.Load() {
			return nil, stuiproto.ErrUnavailable
		}
		return stuiproto.PingResult{Status: "ready", ProtocolVersion: stuiproto.Version, Dialect: "Pharo", ImageName: "work.image"}, nil
	})
	img.on(stuiproto.CmdEvaluate, func(context.Context, json.RawMessage) (any, error) {
		if down.Load() {
			return nil, stuiproto.ErrUnavailable
		}
		return stuiproto.EvaluateResult{Result: "7", ResultType: "SmallInteger"}, nil
	})
	e := startEditor(t, editorOptions{image: img})

	up := e.waitFor(methodStuiStatus, func(raw json.RawMessage) bool {
		r := statusOf(t, raw)
		return r.Connected && r.ImageName == "work.image"
	})
	if r := statusOf(t, up); r.State != linkUp.String() || r.Endpoint != "tcp://127.0.0.1:1" {
		t.Errorf("connected report = %+v", r)
	}

	down.Store(true)
	if err := e.executeCommand(cmdEvaluate, map[string]any{"code": "3 + 4"}, nil); err == nil {
		t.Fatal("evaluate with the image gone succeeded")
	}
	lost := statusOf(t, e.waitFor(methodStuiStatus, func(raw json.RawMessage) bool { return !statusOf(t, raw).Connected }))
	if lost.State != linkDown.String() || lost.Error == "" {
		t.Errorf("report after losing the image = %+v, want state %q and the reason", lost, linkDown)
	}

	down.Store(false)
	// The background reconnection finds the image again.
	for deadline := time.Now().Add(5 * time.Second); ; {
		all := e.pushedOf(methodStuiStatus)
		if len(all) >= 3 && statusOf(t, all[len(all)-1]).Connected {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not told the image is back; told %d times", len(all))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// An unchanged state is not sent again: evaluations that succeed while
	// connected add nothing.
	before := len(e.pushedOf(methodStuiStatus))
	for range 3 {
		if err := e.executeCommand(cmdEvaluate, map[string]any{"code": "3 + 4"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if after := len(e.pushedOf(methodStuiStatus)); after != before {
		t.Errorf("%d more stui/status notifications while nothing changed", after-before)
	}
}

// With no endpoint to dial, the editor is told so rather than left waiting.
func TestLinkStateSaysWhenNoImageIsConfigured(t *testing.T) {
	e := startEditor(t, editorOptions{})
	u := e.open("none.st", "3 + 4")
	_ = e.executeCommand(cmdEvaluate, map[string]any{"uri": u, "range": map[string]any{
		"start": map[string]int{"line": 0, "character": 0}, "end": map[string]int{"line": 0, "character": 0}}}, nil)
	r := statusOf(t, e.waitFor(methodStuiStatus, nil))
	if r.Connected {
		t.Errorf("report with no image = %+v", r)
	}
}
