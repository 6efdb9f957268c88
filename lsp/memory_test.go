package lsp

import (
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

// TestReleasableCountsWhatACollectionCouldHandBack checks the arithmetic
// idleRelease decides on. (The runtime's own figures are not checked here:
// the package's other tests run servers whose collector settings are the
// whole process's, so no reading of them would be steady.)
func TestReleasableCountsWhatACollectionCouldHandBack(t *testing.T) {
	const mb = 1 << 20
	cases := []struct {
		objects, free, unused, live, want uint64
	}{
		{objects: 80 * mb, free: 30 * mb, unused: 2 * mb, live: 64 * mb, want: 48 * mb},
		{objects: 64 * mb, free: 0, unused: 0, live: 64 * mb, want: 0},
		// The live figure is the last collection's; what the heap holds
		// now can be less (freed and handed back since): never below zero.
		{objects: 10 * mb, free: 1 * mb, unused: 0, live: 20 * mb, want: 0},
		{objects: 5 * mb, free: 40 * mb, unused: 1 * mb, live: 4 * mb, want: 42 * mb},
	}
	for _, c := range cases {
		if got := releasableOf(c.objects, c.free, c.unused, c.live); got != c.want {
			t.Errorf("releasableOf(%d, %d, %d, %d MB) = %d MB, want %d MB", c.objects/mb, c.free/mb, c.unused/mb, c.live/mb, got/mb, c.want/mb)
		}
	}
	if r := releasableHeap(); r > 1<<40 {
		t.Errorf("releasableHeap() = %d: the runtime's figures were misread", r)
	}
}
