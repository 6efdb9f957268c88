package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func TestClientsWithoutInlayRefreshAreToldTheResult(t *testing.T) {
	img := evalImage(map[string]any{"3 + 4": "7"})
	no := false
	e := startEditor(t, editorOptions{image: img, initialize: func(p *protocol.InitializeParams) {
		p.Capabilities.Workspace.InlayHint.RefreshSupport = &no
	}})
	u := e.open("r.st", "3 + 4.")
	if err := e.executeCommand(cmdEvaluate, map[string]any{"uri": u, "range": protocol.Range{}}, &evaluateResult{}); err != nil {
		t.Fatal(err)
	}
	e.waitFor(protocol.MethodWindowShowMessage, func(raw json.RawMessage) bool {
		return strings.Contains(string(raw), `3 + 4 → 7`)
	})
}

func TestHelixIsShownAFailedCommand(t *testing.T) {
	img := evalImage(map[string]any{"3 + 4": errors.New("boom")})
	e := startEditor(t, editorOptions{image: img, initialize: func(p *protocol.InitializeParams) {
		p.ClientInfo = protocol.ClientInfo{Name: "helix"}
	}})
	u := e.open("h.st", "\n\n")
	if err := e.executeCommand(cmdEvaluate, map[string]any{"uri": u, "range": protocol.Range{}}, &evaluateResult{}); err == nil {
		t.Fatal("evaluating nothing succeeded")
	}
	e.waitFor(protocol.MethodWindowShowMessage, func(raw json.RawMessage) bool {
		return strings.Contains(string(raw), "no statement at line 1")
	})
}

func TestACommandAfterTheImageIsBackDoesNotWaitForTheRetry(t *testing.T) {
	img := evalImage(map[string]any{"3 + 4": "7"})
	var up atomic.Bool
	img.on(stuiproto.CmdPing, func(context.Context, json.RawMessage) (any, error) {
		if !up.Load() {
			return nil, stuiproto.ErrUnavailable
		}
		return stuiproto.PingResult{ProtocolVersion: stuiproto.Version}, nil
	})
	e := startEditor(t, editorOptions{image: img})
	e.waitFor(protocol.MethodWindowLogMessage, func(raw json.RawMessage) bool { return strings.Contains(string(raw), "not connected") })
	// The image is back; the background retry is still pausing.
	up.Store(true)
	var res evaluateResult
	if err := e.executeCommand(cmdEvaluate, map[string]any{"code": "3 + 4"}, &res); err != nil || res.Result != "7" {
		t.Errorf("evaluate right after the image came back = %+v, %v; want 7", res, err)
	}
}
