package stuitest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func TestTranscriptWaitsForAWriteAndCountsWhatAFloodDropped(t *testing.T) {
	b := NewBackend()
	ctx := context.Background()
	res, err := b.readTranscript(ctx, &stuiproto.TranscriptParams{})
	if err != nil || len(res.Entries) != 0 || res.Next != 0 || res.Epoch == "" {
		t.Fatalf("empty transcript: %+v, %v", res, err)
	}
	epoch := res.Epoch

	// A waiting read is answered by the next write.
	got := make(chan stuiproto.TranscriptResult, 1)
	go func() {
		r, _ := b.readTranscript(ctx, &stuiproto.TranscriptParams{WaitMS: 5000})
		got <- r
	}()
	time.Sleep(20 * time.Millisecond)
	v, err := evaluate(withTranscript(ctx, b), "Transcript show: 'one'", map[string]value{})
	if err != nil || v.printString() != "a ThreadSafeTranscript" {
		t.Fatalf("Transcript show: = %v, %v", v.printString(), err)
	}
	select {
	case r := <-got:
		if len(r.Entries) == 0 || r.Entries[len(r.Entries)-1].Text != "one" {
			t.Errorf("the waiting read got %+v", r)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("a write did not answer the waiting read")
	}

	// A flood past the capacity: the reader learns how much it missed.
	before := b.transcript.next
	for i := 0; i < transcriptCapacity+250; i++ {
		b.WriteTranscript(fmt.Sprintf("line %d\n", i))
	}
	res, _ = b.readTranscript(ctx, &stuiproto.TranscriptParams{After: before, MaxEntries: 100})
	if res.Dropped != 250 || len(res.Entries) != 100 || res.Entries[0].Text != "line 250\n" || res.Next != res.Entries[99].Seq {
		t.Errorf("after the flood: dropped %d, %d entries from %+v, next %d", res.Dropped, len(res.Entries), res.Entries[0], res.Next)
	}

	// A restart starts the numbering again under a new epoch, and an old
	// seq reads as 0.
	b.SetClock(func() time.Time { return time.Now().Add(time.Hour) })
	b.Restart()
	b.WriteTranscript("after the restart")
	res, _ = b.readTranscript(ctx, &stuiproto.TranscriptParams{After: 5000})
	if res.Epoch == epoch || len(res.Entries) != 1 || res.Entries[0].Seq != 1 || res.Entries[0].Text != "after the restart" {
		t.Errorf("after a restart: %+v", res)
	}
	if _, err := b.readTranscript(ctx, &stuiproto.TranscriptParams{After: -1}); err == nil {
		t.Error("a negative after was accepted")
	}
}
