package lsp

import (
	"runtime/debug"
	"testing"
	"time"
)

// TestIdleReleaseHandsBackMemoryOnceABurstIsOver follows idleRelease through
// bursts of messages and quiet spells: memory goes back once per burst, only
// after the quiet time, and only when there is enough of it.
func TestIdleReleaseHandsBackMemoryOnceABurstIsOver(t *testing.T) {
	type step struct {
		at       time.Duration // since the start
		handled  uint64
		spare    uint64 // what releasable reports
		released bool   // whether this tick must release
	}
	const mb = 1 << 20
	cases := []struct {
		name  string
		steps []step
	}{
		{"a burst, then quiet: one release after the quiet time", []step{
			{0, 10, 60 * mb, false},
			{500 * time.Millisecond, 400, 60 * mb, false},
			{time.Second, 400, 60 * mb, false},
			{2 * time.Second, 400, 60 * mb, false},
			{2500 * time.Millisecond, 400, 60 * mb, true},
			{3 * time.Second, 400, 60 * mb, false},
			{10 * time.Second, 400, 60 * mb, false},
		}},
		{"steady work never releases", []step{
			{0, 1, 60 * mb, false},
			{time.Second, 2, 60 * mb, false},
			{2 * time.Second, 3, 60 * mb, false},
			{3 * time.Second, 4, 60 * mb, false},
			{4 * time.Second, 5, 60 * mb, false},
		}},
		{"too little to hand back: no collection", []step{
			{0, 7, 4 * mb, false},
			{3 * time.Second, 7, 4 * mb, false},
			{6 * time.Second, 7, 60 * mb, false},
		}},
		{"each burst gets its own release", []step{
			{0, 5, 30 * mb, false},
			{2 * time.Second, 5, 30 * mb, true},
			{3 * time.Second, 9, 30 * mb, false},
			{4 * time.Second, 9, 30 * mb, false},
			{5 * time.Second, 9, 30 * mb, true},
		}},
		{"a message during the quiet time starts it again", []step{
			{0, 5, 30 * mb, false},
			{1900 * time.Millisecond, 6, 30 * mb, false},
			{3 * time.Second, 6, 30 * mb, false},
			{3900 * time.Millisecond, 6, 30 * mb, true},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var spare uint64
			releases := 0
			r := idleRelease{quiet: 2 * time.Second, worth: 16 * mb,
				releasable: func() uint64 { return spare }, release: func() { releases++ }}
			start := time.Unix(1000, 0)
			for i, s := range c.steps {
				spare = s.spare
				before := releases
				r.tick(start.Add(s.at), s.handled)
				if got := releases > before; got != s.released {
					t.Fatalf("step %d (at %v, %d handled): released %v, want %v", i, s.at, s.handled, got, s.released)
				}
			}
		})
	}
}

// TestReleasableHeapSeesGarbage checks the reading idleRelease decides on:
// little is releasable once memory has been handed back, and garbage made
// since counts.
func TestReleasableHeapSeesGarbage(t *testing.T) {
	// No collection may take the garbage between the two readings.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	debug.FreeOSMemory()
	before := releasableHeap()
	if before > 8<<20 {
		t.Fatalf("releasable %d bytes just after handing memory back", before)
	}
	var keep [][]byte
	for range 64 {
		keep = append(keep, make([]byte, 1<<20))
	}
	keep = nil
	if after := releasableHeap(); after < before+48<<20 {
		t.Fatalf("releasable %d bytes after dropping 64 MB, %d before", after, before)
	}
	_ = keep
}
