package lsp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// methodTranscript is the notification a plugin with a view of its own
// (a VS Code output channel, a Neovim or Emacs buffer) asks for with the
// setting transcript: "notification".
const methodTranscript = "stui/transcript"

// Transcript following: one request waits in the image at a time, for at
// most transcriptWait; deliveries to the editor are at least
// transcriptPace apart, so a flood costs the editor a bounded number of
// notifications and the image's bounded buffer drops (and counts) the
// rest; one notification carries at most maxTranscriptChars.
const (
	transcriptWait        = 5 * time.Second
	transcriptPace        = 50 * time.Millisecond
	transcriptEntries     = 500
	maxTranscriptChars    = 64 << 10
	transcriptIdle        = 500 * time.Millisecond
	transcriptUnsupported = 30 * time.Second
)

// transcriptNote is the params of stui/transcript.
type transcriptNote struct {
	Text    string `json:"text"`
	Dropped int64  `json:"dropped"`
}

// followTranscript streams the image's Transcript to the editor for as
// long as the connection lives: the log channel by default, stui/transcript
// when the client asked for it, nothing when the setting is "off".
func (s *server) followTranscript(ctx context.Context) {
	var after int64
	epoch := ""
	warned := false
	var last time.Time
	for ctx.Err() == nil {
		mode := s.currentSettings().transcriptMode()
		if st, _, _ := s.image.status(); mode == transcriptOff || st != linkUp {
			if !sleepCtx(ctx, transcriptIdle) {
				return
			}
			continue
		}
		var res stuiproto.TranscriptResult
		params := stuiproto.TranscriptParams{After: after, WaitMS: int(transcriptWait / time.Millisecond), MaxEntries: transcriptEntries}
		cctx, cancel := context.WithTimeout(ctx, stuiproto.TranscriptCommand.Wait(params))
		err := stuiproto.Call(cctx, s.image, stuiproto.TranscriptCommand, params, &res)
		cancel()
		var remote *stuiproto.RemoteError
		switch {
		case errors.As(err, &remote) && remote.Type == stuiproto.ErrUnsupportedOperation:
			if !warned {
				warned = true
				s.log.Info("the image does not stream its Transcript (no transcript command); asking again now and then")
			}
			if !sleepCtx(ctx, transcriptUnsupported) {
				return
			}
			continue
		case err != nil:
			s.log.Debug("transcript", zap.Error(err))
			if !sleepCtx(ctx, transcriptIdle) {
				return
			}
			continue
		}
		if res.Epoch != epoch {
			restarted := epoch != ""
			epoch = res.Epoch
			if restarted && after > 0 {
				// The image restarted: its seqs began again, so what came
				// after our old seq is not all it wrote. Read this run from
				// its start.
				after = 0
				continue
			}
		}
		after = res.Next
		if len(res.Entries) == 0 && res.Dropped == 0 {
			continue
		}
		if wait := transcriptPace - time.Since(last); wait > 0 && !sleepCtx(ctx, wait) {
			return
		}
		s.deliverTranscript(ctx, mode, res)
		last = time.Now()
	}
}

// deliverTranscript hands one reply's text to the editor, with how many
// entries were lost before it.
func (s *server) deliverTranscript(ctx context.Context, mode transcriptMode, res stuiproto.TranscriptResult) {
	var b strings.Builder
	for _, e := range res.Entries {
		b.WriteString(e.Text)
	}
	text := strings.TrimSuffix(b.String(), "\n")
	if len(text) > maxTranscriptChars {
		cut := len(text) - maxTranscriptChars
		text = fmt.Sprintf("[%d characters of the Transcript not shown]\n", cut) + text[cut:]
	}
	if mode == transcriptNotification {
		s.notify(ctx, methodTranscript, transcriptNote{Text: text, Dropped: res.Dropped})
		return
	}
	if res.Dropped > 0 {
		text = fmt.Sprintf("[%d Transcript entries dropped: the image wrote faster than the editor is shown]\n", res.Dropped) + text
	}
	s.notify(ctx, protocol.MethodWindowLogMessage, &protocol.LogMessageParams{Type: protocol.MessageTypeLog, Message: "Transcript: " + text})
}

// transcriptMode is the transcript setting.
type transcriptMode string

const (
	transcriptLog          transcriptMode = "log"
	transcriptNotification transcriptMode = "notification"
	transcriptOff          transcriptMode = "off"
)

func (s settings) transcriptMode() transcriptMode {
	switch m := transcriptMode(s.Transcript); m {
	case transcriptNotification, transcriptOff:
		return m
	}
	return transcriptLog
}

// sleepCtx waits d, or less if ctx ends; it reports whether ctx is alive.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
