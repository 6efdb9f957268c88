package lsp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/internal/launch"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// launchTimeout bounds the wait for a started image's first answer.
const launchTimeout = 2 * time.Minute

// launchedImage is the workspace image this server attached to (ws) or
// started (sup too), if any.
type launchedImage struct {
	mu  sync.Mutex
	ws  *launch.Workspace
	sup *launch.Supervisor
}

// attachOrLaunch connects to the image. With a launch configured (the
// stui.image setting or .stui.json in the first workspace folder) it uses
// the launch's endpoint, given or generated, and when nothing answers
// there it starts the image and reports progress until it answers.
func (s *server) attachOrLaunch(ctx context.Context) {
	folders := s.workspace.list()
	if len(folders) == 0 {
		s.image.connectInBackground(ctx)
		return
	}
	cfg, err := launch.Load(folders[0], s.currentSettings().Image)
	if errors.Is(err, launch.ErrNotConfigured) {
		s.image.connectInBackground(ctx)
		return
	}
	var ws *launch.Workspace
	if err == nil {
		ws, err = launch.Prepare(folders[0], cfg)
	}
	if err != nil {
		s.tellUser(ctx, protocol.MessageTypeError, "stui: cannot launch the image: "+err.Error())
		s.image.connectInBackground(ctx)
		return
	}
	// A configuration read again (workspace/didChangeConfiguration) finds
	// the image attached or started already: nothing to redo.
	s.launched.mu.Lock()
	handled := s.launched.ws != nil && s.launched.ws.Endpoint == ws.Endpoint
	if !handled {
		s.launched.ws = ws
	}
	s.launched.mu.Unlock()
	if handled {
		s.image.connectInBackground(ctx)
		return
	}
	s.image.configureLaunched(ws.Endpoint, ws.TokenFile)
	if !ws.NobodyListens() && s.pingImage(ctx) == nil {
		s.logToClient(ctx, protocol.MessageTypeInfo, "stui: attached to the image already running at "+ws.Endpoint)
		s.image.connectInBackground(ctx)
		return
	}

	s.launched.mu.Lock()
	if s.launched.sup != nil || s.lifecycle.get() != stateRunning {
		s.launched.mu.Unlock()
		return
	}
	sup, err := launch.Supervise(ws, func(e launch.Exit) { s.onLaunchedExit(ctx, ws, e) })
	if err == nil {
		s.launched.sup = sup
	}
	s.launched.mu.Unlock()
	command := strings.Join(append([]string{cfg.Command}, cfg.Args...), " ")
	if err != nil {
		s.launched.mu.Lock()
		s.launched.ws = nil // a configuration read again may try once more
		s.launched.mu.Unlock()
		s.tellUser(ctx, protocol.MessageTypeError, fmt.Sprintf("stui: cannot start the image (%s): %v", command, err))
		return
	}
	s.log.Info("started the image", zap.String("command", command), zap.Int("pid", sup.PID()), zap.String("endpoint", ws.Endpoint))

	p := s.startProgress(ctx, "stui: starting the image", 100)
	wctx, cancel := context.WithTimeout(ctx, launchTimeout)
	defer cancel()
	err = launch.WaitReady(wctx, s.pingImage, func(waited time.Duration) {
		p.report(ctx, int(waited*100/launchTimeout), 100, fmt.Sprintf("waiting for %s (pid %d) to answer, %ds", ws.Endpoint, sup.PID(), int(waited.Seconds())))
	})
	if err != nil {
		p.end(ctx, "the image did not answer")
		if ctx.Err() == nil {
			s.tellUser(ctx, protocol.MessageTypeError, fmt.Sprintf("stui: %v (started with %s); its output is in %s", err, command, ws.LogFile()))
		}
		s.image.connectInBackground(ctx)
		return
	}
	p.end(ctx, "the image answers")
	s.logToClient(ctx, protocol.MessageTypeInfo, fmt.Sprintf("stui: started the image (pid %d) at %s", sup.PID(), ws.Endpoint))
	if _, err := s.image.handshake(ctx); err != nil {
		s.log.Debug("handshake with the started image", zap.Error(err))
	}
}

// pingImage pings without touching the link's state: while the image
// starts, its silence is expected and not worth telling the user.
func (s *server) pingImage(ctx context.Context) error {
	img, err := s.image.client()
	if err != nil {
		return err
	}
	return stuiproto.Call(ctx, img, stuiproto.PingCommand, stuiproto.PingParams{}, &stuiproto.PingResult{})
}

// onLaunchedExit hears that the started image died and is being
// restarted: the user is told the first time, the log hears every time,
// and the link reconnects (recreating sessions) once it answers again.
func (s *server) onLaunchedExit(ctx context.Context, ws *launch.Workspace, e launch.Exit) {
	s.goBackground(ctx, "restart the image", func(ctx context.Context) {
		msg := "stui: " + e.String()
		if e.Restarts == 1 {
			s.tellUser(ctx, protocol.MessageTypeWarning, msg+"; its output is in "+ws.LogFile()+" (further restarts are only logged)")
		} else {
			s.logToClient(ctx, protocol.MessageTypeWarning, msg)
		}
		s.image.markDown(ctx, errors.New("the image exited"))
	})
}

// stopLaunchedImage stops the image this server started, unless it is to
// keep running. It runs at shutdown and again when the connection ends.
func (s *server) stopLaunchedImage() {
	s.launched.mu.Lock()
	sup, ws := s.launched.sup, s.launched.ws
	s.launched.sup = nil
	s.launched.mu.Unlock()
	if sup == nil {
		return
	}
	if ws.Config.KeepRunning {
		sup.Detach()
		s.log.Info("left the image running (keepRunning)", zap.String("endpoint", ws.Endpoint))
		return
	}
	sup.Stop()
	s.log.Info("stopped the image", zap.String("endpoint", ws.Endpoint))
}

// configureLaunched points the link at a launch's endpoint, with the
// launch's token file when it generated one. It wins over the endpoint
// settings, which would otherwise reach a different image.
func (l *imageLink) configureLaunched(endpoint, tokenFile string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.img != nil {
		_ = l.img.Close()
		l.img = nil
	}
	l.endpoint, l.source, l.tokenFile = endpoint, "the image launch configuration", tokenFile
	l.pinned = true
	l.state = linkUnknown
	l.ping = nil
}
