package lsp

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// scriptedTranscript answers transcript requests with the replies queued,
// in order, then holds each request until its wait ends, as an image with
// nothing new does. It records the after of every request.
type scriptedTranscript struct {
	mu      sync.Mutex
	replies []stuiproto.TranscriptResult
	afters  []int64
	more    chan struct{}
}

func (st *scriptedTranscript) queue(r stuiproto.TranscriptResult) {
	st.mu.Lock()
	st.replies = append(st.replies, r)
	st.mu.Unlock()
	select {
	case st.more <- struct{}{}:
	default:
	}
}

func (st *scriptedTranscript) serve(ctx context.Context, raw json.RawMessage) (any, error) {
	var p stuiproto.TranscriptParams
	_ = json.Unmarshal(raw, &p)
	st.mu.Lock()
	st.afters = append(st.afters, p.After)
	st.mu.Unlock()
	wait := time.NewTimer(time.Duration(p.WaitMS) * time.Millisecond)
	defer wait.Stop()
	for {
		st.mu.Lock()
		if len(st.replies) > 0 {
			r := st.replies[0]
			st.replies = st.replies[1:]
			st.mu.Unlock()
			return r, nil
		}
		st.mu.Unlock()
		select {
		case <-st.more:
		case <-wait.C:
			return stuiproto.TranscriptResult{Entries: []stuiproto.TranscriptEntry{}, Next: p.After, Epoch: "run-1"}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (st *scriptedTranscript) aftersSeen() []int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]int64(nil), st.afters...)
}

func logMessageContaining(text string) func(json.RawMessage) bool {
	return func(raw json.RawMessage) bool { return strings.Contains(string(raw), text) }
}

func TestTranscriptStreamsToTheLogWithDropsAndRestarts(t *testing.T) {
	img := newFakeImage()
	st := &scriptedTranscript{more: make(chan struct{}, 1)}
	img.on(stuiproto.CmdTranscript, st.serve)
	e := startEditor(t, editorOptions{image: img})

	st.queue(stuiproto.TranscriptResult{Entries: []stuiproto.TranscriptEntry{{Seq: 1, Text: "hello "}, {Seq: 2, Text: "wörld 😀\n"}}, Next: 2, Epoch: "run-1"})
	e.waitFor("window/logMessage", logMessageContaining(`Transcript: hello wörld 😀"`))

	// A flood the image could not keep: the editor is told how much.
	st.queue(stuiproto.TranscriptResult{Entries: []stuiproto.TranscriptEntry{{Seq: 10, Text: "after the flood"}}, Next: 10, Dropped: 7, Epoch: "run-1"})
	e.waitFor("window/logMessage", logMessageContaining("[7 Transcript entries dropped"))

	// The image restarted: its seqs began again, so the server reads the new
	// run from its start rather than after seq 10.
	st.queue(stuiproto.TranscriptResult{Entries: []stuiproto.TranscriptEntry{{Seq: 11, Text: "not all of the new run"}}, Next: 11, Epoch: "run-2"})
	st.queue(stuiproto.TranscriptResult{Entries: []stuiproto.TranscriptEntry{{Seq: 1, Text: "the new run from its start"}}, Next: 1, Epoch: "run-2"})
	e.waitFor("window/logMessage", logMessageContaining("the new run from its start"))
	for _, raw := range e.pushedOf("window/logMessage") {
		if strings.Contains(string(raw), "not all of the new run") {
			t.Error("the reply that straddled a restart was shown")
		}
	}
	want := []int64{0, 2, 10, 0, 1}
	afters := st.aftersSeen()
	for deadline := time.Now().Add(5 * time.Second); len(afters) < len(want) && time.Now().Before(deadline); afters = st.aftersSeen() {
		time.Sleep(10 * time.Millisecond)
	}
	for i, w := range want {
		if i >= len(afters) || afters[i] != w {
			t.Fatalf("the requests asked after %v, want %v first", afters, want)
		}
	}
}

func TestTranscriptAsANotificationOrOff(t *testing.T) {
	img := newFakeImage()
	st := &scriptedTranscript{more: make(chan struct{}, 1)}
	img.on(stuiproto.CmdTranscript, st.serve)
	e := startEditor(t, editorOptions{image: img, initOptions: map[string]any{"transcript": "notification"}})
	st.queue(stuiproto.TranscriptResult{Entries: []stuiproto.TranscriptEntry{{Seq: 1, Text: "for a view of its own\n"}}, Next: 1, Dropped: 3, Epoch: "run-1"})
	raw := e.waitFor(methodTranscript, nil)
	var note transcriptNote
	if err := json.Unmarshal(raw, &note); err != nil || note.Text != "for a view of its own" || note.Dropped != 3 {
		t.Errorf("stui/transcript = %s (%v)", raw, err)
	}
	for _, m := range e.pushedOf("window/logMessage") {
		if strings.Contains(string(m), "Transcript:") {
			t.Errorf("the Transcript also went to the log: %s", m)
		}
	}

	off := newFakeImage()
	e2 := startEditor(t, editorOptions{image: off, initOptions: map[string]any{"transcript": "off"}})
	e2.waitFor("window/logMessage", logMessageContaining("image connected"))
	time.Sleep(100 * time.Millisecond)
	if n := len(off.callsOf(stuiproto.CmdTranscript)); n != 0 {
		t.Errorf("transcript off: the image was asked %d times", n)
	}
}

func TestTranscriptStopsAskingAnImageWithoutIt(t *testing.T) {
	img := newFakeImage() // no transcript handler: UnsupportedOperation
	e := startEditor(t, editorOptions{image: img})
	e.waitFor("window/logMessage", logMessageContaining("image connected"))
	for deadline := time.Now().Add(5 * time.Second); len(img.callsOf(stuiproto.CmdTranscript)) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if n := len(img.callsOf(stuiproto.CmdTranscript)); n != 1 {
		t.Errorf("an image without transcript was asked %d times, want once (then again after %v)", n, transcriptUnsupported)
	}
}
