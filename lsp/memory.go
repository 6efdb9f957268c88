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
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// gcPercentFor is the collector percentage that puts the next collection
// garbageHeadroom past a live heap of live bytes, or Go's default for a
// heap smaller than that.
func gcPercentFor(live uint64) int {
	if live <= garbageHeadroom {
		return 100
	}
	return max(10, int(garbageHeadroom*100/live))
}
