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

// boundGarbage keeps a soft memory limit of the live heap plus
// garbageHeadroom, set again every few seconds so that the limit follows a
// heap that grows (more files, more open documents) instead of making the
// collector run without pause under a limit that became too low.
func (s *server) boundGarbage(ctx context.Context) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			if live := sample[0].Value.Uint64(); live > 0 {
				debug.SetMemoryLimit(int64(live) + garbageHeadroom)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
