package stuitest

import (
	"context"
	"fmt"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// transcriptCapacity bounds the entries the pretend image keeps: a flood
// overwrites the oldest, and readers are told how many they missed.
const transcriptCapacity = 1000

// transcriptLog is the pretend image's Transcript: the entries written,
// numbered from 1 in each run.
type transcriptLog struct {
	epoch   string
	next    int64 // the seq of the next write
	entries []stuiproto.TranscriptEntry
	written chan struct{} // closed and replaced at every write
}

// WriteTranscript writes text to the Transcript, as Transcript show: does.
func (b *Backend) WriteTranscript(text string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.transcriptLocked()
	t.next++
	t.entries = append(t.entries, stuiproto.TranscriptEntry{Seq: t.next, Text: text})
	if len(t.entries) > transcriptCapacity {
		t.entries = append(t.entries[:0:0], t.entries[len(t.entries)-transcriptCapacity:]...)
	}
	close(t.written)
	t.written = make(chan struct{})
}

// transcriptLocked is the log of this run, under b.mu: a restart starts a
// new one, with a new epoch.
func (b *Backend) transcriptLocked() *transcriptLog {
	epoch := b.started.UTC().Format(time.RFC3339Nano)
	if b.transcript == nil || b.transcript.epoch != epoch {
		b.transcript = &transcriptLog{epoch: epoch, written: make(chan struct{})}
	}
	return b.transcript
}

// readTranscript answers the entries after p.After, waiting up to wait_ms
// for one when there is none yet.
func (b *Backend) readTranscript(ctx context.Context, p *stuiproto.TranscriptParams) (stuiproto.TranscriptResult, error) {
	if p.After < 0 || p.WaitMS < 0 || p.MaxEntries < 0 {
		return stuiproto.TranscriptResult{}, perr(stuiproto.ErrInvalidRequest, "after, wait_ms and max_entries must not be negative")
	}
	wait := min(time.Duration(p.WaitMS)*time.Millisecond, stuiproto.MaxTranscriptWait)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		b.mu.Lock()
		t := b.transcriptLocked()
		after := p.After
		if after > t.next {
			after = 0 // a seq of an earlier run: this run's entries are all new
		}
		res := stuiproto.TranscriptResult{Entries: []stuiproto.TranscriptEntry{}, Next: after, Epoch: t.epoch}
		if len(t.entries) > 0 && t.entries[0].Seq > after+1 {
			res.Dropped = t.entries[0].Seq - after - 1
		}
		limit := p.MaxEntries
		if limit == 0 {
			limit = 500
		}
		for _, e := range t.entries {
			if e.Seq > after && len(res.Entries) < limit {
				res.Entries = append(res.Entries, e)
				res.Next = e.Seq
			}
		}
		if res.Dropped > 0 && len(res.Entries) == 0 {
			res.Next = t.next
		}
		written := t.written
		b.mu.Unlock()
		if len(res.Entries) > 0 || res.Dropped > 0 || wait <= 0 {
			return res, nil
		}
		select {
		case <-written:
		case <-timer.C:
			return res, nil
		case <-ctx.Done():
			return res, fmt.Errorf("transcript: %w", ctx.Err())
		}
	}
}

type transcriptKey struct{}

// withTranscript lets the evaluator's Transcript write to b's log.
func withTranscript(ctx context.Context, b *Backend) context.Context {
	return context.WithValue(ctx, transcriptKey{}, b)
}

// transcriptSend runs a message to Transcript: show:, nextPutAll: and
// crShow: with a string or a number, and cr.
func transcriptSend(ctx context.Context, selector string, args []value) (value, error) {
	b, _ := ctx.Value(transcriptKey{}).(*Backend)
	text := func(v value) string {
		if v.kind == kString {
			return v.s
		}
		return v.printString()
	}
	var out string
	switch {
	case (selector == "show:" || selector == "nextPutAll:") && len(args) == 1:
		out = text(args[0])
	case selector == "crShow:" && len(args) == 1:
		out = "\n" + text(args[0])
	case selector == "cr" && len(args) == 0:
		out = "\n"
	default:
		return value{}, dnu(value{kind: kTranscript}, selector)
	}
	if b != nil {
		b.WriteTranscript(out)
	}
	return value{kind: kTranscript}, nil
}
