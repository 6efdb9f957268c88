package index

import (
	"context"
	"io/fs"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// shardFiles is how many files a LoadDir worker indexes on its own before
// it moves them into the index: enough that moving them costs a map
// operation per name rather than per location, few enough that the write
// lock it takes for that is held for a millisecond or two.
const shardFiles = 512

// LoadDir indexes every *.st file below root that FindSources returns,
// under its FileURI, on all cores. It returns the number of files indexed.
// Files that cannot be read or are not read (see FindSources and
// ReadSource) are skipped; the first such error is returned after the
// walk. A file updated or removed while LoadDir runs keeps that change,
// whatever the walk read before it.
func (ix *Index) LoadDir(ctx context.Context, root string) (int, error) {
	var mu sync.Mutex
	var firstErr error
	skip := func(path string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			if _, ok := err.(*fs.PathError); !ok {
				err = &fs.PathError{Op: "index", Path: path, Err: err}
			}
			firstErr = err
		}
	}
	sources, err := FindSources(ctx, root, skip)
	if err != nil {
		return 0, err
	}
	ix.mu.Lock()
	if ix.loading == 0 {
		ix.touched = map[string]uint64{}
	}
	ix.loading++
	ix.loadFiles += len(sources)
	ix.mu.Unlock()
	defer func() {
		ix.mu.Lock()
		if ix.loading--; ix.loading == 0 {
			ix.touched = nil
			ix.layoutLocked()
			ix.loadFiles, ix.loadedFiles = 0, 0
		}
		ix.mu.Unlock()
	}()

	var wg sync.WaitGroup
	var n atomic.Int64
	work := make(chan Source, 64)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := new(reader)
			shard, inShard := newShard(), 0
			for s := range work {
				readAt := ix.stamp.Load()
				src, err := ReadSource(s.Target)
				if err != nil {
					skip(s.Path, err)
					continue
				}
				r.read(s.Path, src)
				uri := FileURI(s.Path)
				shard.update(uri, s.Path, string(src), &r.locs)
				shard.files[shard.ids[uri]].readAt = readAt
				n.Add(1)
				if inShard++; inShard == shardFiles {
					ix.absorb(shard)
					shard, inShard = newShard(), 0
				}
			}
			ix.absorb(shard)
		}()
	}
	for _, s := range sources {
		if ctx.Err() != nil {
			break
		}
		work <- s
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return int(n.Load()), err
	}
	return int(n.Load()), firstErr
}

// newShard is an index for one LoadDir worker's files, to absorb.
func newShard() *Index {
	shard := New()
	shard.names.borrowed, shard.strs.borrowed = true, true
	shard.classes.gathering, shard.impls.gathering, shard.sends.gathering = true, true, true
	return shard
}

// absorb moves the files of shard, an index no one else uses, into ix,
// except those changed in ix since the shard read them.
func (ix *Index) absorb(shard *Index) {
	if len(shard.ids) == 0 {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	// The shard's names as ix numbers them, the new ones added together.
	names := ix.names.idsOf(shard.names.names)
	const skipped = ^uint32(0)
	ids := make([]uint32, len(shard.files))
	for i := range shard.files {
		ids[i] = skipped
		e := &shard.files[i]
		if e.uri == "" {
			continue
		}
		if t, ok := ix.touched[e.uri]; ok && t > e.readAt {
			continue
		}
		// The shard's locations are laid out only when the load ends: a
		// file already indexed with this text keeps its entry, so that
		// it stays findable meanwhile (a document opened as the load
		// began, the unchanged files of a workspace read again).
		if old, ok := ix.ids[e.uri]; ok && ix.files[old].src == e.src {
			continue
		}
		ix.dropLocked(e.uri)
		id := ix.newFileIDLocked()
		for j, k := range e.keys {
			e.keys[j] = names[k]
		}
		// A version of its own, which a later change replaces, so that
		// its pending locations are laid out only if it is still this.
		e.version = ix.stamp.Add(1)
		ix.files[id] = *e
		ix.ids[e.uri] = id
		ids[i] = id
		if int(id) >= len(ix.absorbed) {
			ix.absorbed = append(ix.absorbed, make([]uint64, int(id)+1-len(ix.absorbed))...)
		}
		ix.absorbed[id] = e.version
	}
	strs := ix.strs.idsOf(shard.strs.names)
	// The locations wait, numbered as ix numbers files and names, until
	// the load ends (layoutLocked).
	ix.loadedFiles += len(shard.ids)
	for _, pair := range [...][2]*postings{{&ix.classes, &shard.classes}, {&ix.impls, &shard.impls}, {&ix.sends, &shard.sends}} {
		into, from := pair[0], pair[1]
		if need := len(into.pending) + len(from.pending); need > cap(into.pending) {
			// Room for the whole load at the rate of the files so far,
			// rather than doubling up to twice what it needs.
			if ix.loadedFiles > 0 && ix.loadFiles > ix.loadedFiles {
				need += need / ix.loadedFiles * (ix.loadFiles - ix.loadedFiles) * 9 / 8
			}
			into.pending = slices.Grow(into.pending, need-len(into.pending))
			into.pendingNames = slices.Grow(into.pendingNames, need-len(into.pendingNames))
		}
		for i, l := range from.pending {
			if ids[l.file] == skipped {
				continue
			}
			l.file = ids[l.file]
			l.class, l.category = strs[l.class], strs[l.category]
			into.pending = append(into.pending, l)
			into.pendingNames = append(into.pendingNames, names[from.pendingNames[i]])
		}
	}
	ix.namesResetLocked()
}

// layoutLocked puts the locations of the shards absorbed during the load
// into their runs, except those of files changed or removed since (their
// entry is another), and lays the runs out end to end.
func (ix *Index) layoutLocked() {
	keep := func(file uint32) bool {
		return int(file) < len(ix.absorbed) && ix.files[file].version == ix.absorbed[file]
	}
	ix.classes.layout(len(ix.names.names), keep)
	ix.impls.layout(len(ix.names.names), keep)
	ix.sends.layout(len(ix.names.names), keep)
	ix.absorbed = nil
	ix.namesResetLocked()
}

// touchLocked records that uri is about to change.
func (ix *Index) touchLocked(uri string) {
	t := ix.stamp.Add(1)
	if ix.loading > 0 {
		ix.touched[uri] = t
	}
}
