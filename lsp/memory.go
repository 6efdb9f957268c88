package lsp

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// garbageHeadroom is how much garbage the server lets pile up above what
// it holds before collecting. Go's default (as much again as the live heap)
// would let a server holding Pharo's index (about 80 MB) reach twice that
// between collections; a fixed headroom keeps it near what it holds.
const garbageHeadroom = 64 << 20

// memoryLimitSlack is what the soft memory limit allows beyond the live
// heap and garbageHeadroom: the limit counts everything the runtime maps
// (stacks, its own tables, the heap's unused parts), not only objects, so
// a limit of the live heap plus the headroom alone would collect after a
// fraction of the headroom.
const memoryLimitSlack = 32 << 20

// boundGarbage sets the collector's percentage so that a collection comes
// after garbageHeadroom of new allocations once the live heap is larger
// than that (the collector then follows the live heap on its own), and a
// soft memory limit above it for a sudden surge; both are set again every
// few seconds, following a heap that grows (more files, more open
// documents).
func (s *server) boundGarbage(ctx context.Context) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	defer s.opts.Cores.Hold(false)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	prevPercent := -2
	defer func() {
		if prevPercent != -2 {
			debug.SetGCPercent(prevPercent)
		}
	}()
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			if live := sample[0].Value.Uint64(); live > 0 {
				p := gcPercentFor(live)
				if old := debug.SetGCPercent(p); prevPercent == -2 {
					prevPercent = old
				}
				debug.SetMemoryLimit(int64(live) + garbageHeadroom + memoryLimitSlack)
				s.opts.Cores.Hold(live > oneCoreHeap)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// oneCoreHeap is the largest live heap at which requests stay on one core
// (Options.Cores). A collection's marking takes about 1 ms of a core per
// 8 MB held (9-13 ms for Pharo's index, 83 MB): on one core a request that
// comes meanwhile waits for a share of it, where with every core it runs
// beside the collector. Pharo's own tree is above it; a project of a few
// hundred classes is well below.
const oneCoreHeap = 32 << 20

// gcPercentFor is the collector percentage that puts the next collection
// garbageHeadroom past a live heap of live bytes, or Go's default for a
// heap smaller than that.
func gcPercentFor(live uint64) int {
	if live <= garbageHeadroom {
		return 100
	}
	return max(10, int(garbageHeadroom*100/live))
}

// idleRelease hands memory back to the system once the editor has been
// quiet for a while after a burst of work. Between collections the server
// keeps garbageHeadroom of garbage, and Go's scavenger returns only what
// lies beyond the next collection's goal, so after a few hundred requests
// on a large workspace the RSS stays some 60 MB above what the server
// holds for as long as the editor is idle, which is most of the time. A
// forced collection then costs a few milliseconds of one core, once per
// burst, while nobody waits for an answer.
type idleRelease struct {
	quiet time.Duration // how long nothing must have arrived
	worth uint64        // the least amount of memory worth a collection
	// releasable is how much a collection could hand back now; release
	// collects and hands it back.
	releasable func() uint64
	release    func()

	seen    uint64    // messages handled at the last tick
	since   time.Time // when seen last changed
	pending bool      // work came since the last release
}

// Defaults of idleRelease for the server.
const (
	idleBeforeRelease  = 3 * time.Second
	releaseWorthBytes  = 16 << 20
	idleReleaseTicking = 500 * time.Millisecond
)

// tick looks at the number of messages handled so far (handled) at now, and
// releases memory if the editor has sent nothing for quiet since the last
// burst.
func (r *idleRelease) tick(now time.Time, handled uint64) {
	if handled != r.seen {
		r.seen, r.since, r.pending = handled, now, true
		return
	}
	if !r.pending || now.Sub(r.since) < r.quiet {
		return
	}
	r.pending = false
	if r.releasable() >= r.worth {
		r.release()
	}
}

// releaseWhenIdle runs idleRelease on the server's count of handled
// messages until ctx ends.
func (s *server) releaseWhenIdle(ctx context.Context) {
	r := idleRelease{quiet: idleBeforeRelease, worth: releaseWorthBytes, releasable: releasableHeap, release: func() { s.opts.Cores.Parallel(debug.FreeOSMemory) }}
	t := time.NewTicker(idleReleaseTicking)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.tick(now, s.handled.Load())
		}
	}
}

// releasableHeap is what a collection and a scavenge could hand back now:
// the heap's mapped memory (objects, dead or alive, free and unused space
// not yet returned) beyond what was alive at the last collection.
func releasableHeap() uint64 {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	metrics.Read(samples)
	var v [4]uint64
	for i, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	return releasableOf(v[0], v[1], v[2], v[3])
}

// releasableOf is the heap's objects, free and unused bytes beyond the live
// bytes: what a collection and a scavenge could hand back.
func releasableOf(objects, free, unused, live uint64) uint64 {
	held := objects + free + unused
	if held <= live {
		return 0
	}
	return held - live
}
