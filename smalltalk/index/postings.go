package index

import "strings"

// nameTable numbers the names that locations are kept under (class names
// and selectors). A name keeps its number for the index's life, so that
// lists of numbers need no pointers; a name whose locations are all gone
// keeps its number for when it comes back.
type nameTable struct {
	ids map[string]uint32
	// names only grows and its elements never change, so that a copy of
	// its slice header (symbolTable's) reads it without the lock.
	names []string
	// borrowed keeps the strings given instead of copies, for a LoadDir
	// shard's table, whose names are copied when the shard is absorbed.
	borrowed bool
}

func (t *nameTable) lookup(s string) (uint32, bool) {
	id, ok := t.ids[s]
	return id, ok
}

// id numbers s, adding it if new: a copy of it, so that the table never
// keeps a larger string (a file's source) alive through it.
func (t *nameTable) id(s string) uint32 {
	if id, ok := t.ids[s]; ok {
		return id
	}
	if !t.borrowed {
		s = strings.Clone(s)
	}
	return t.add(s)
}

func (t *nameTable) add(s string) uint32 {
	id := uint32(len(t.names))
	t.names = append(t.names, s)
	t.ids[s] = id
	return id
}

// idsOf numbers each of names, the new ones laid end to end in one string
// first: a load adds tens of thousands of names, which then cost the
// collector a few objects instead of one each.
func (t *nameTable) idsOf(names []string) []uint32 {
	out := make([]uint32, len(names))
	var fresh []int
	n := 0
	for i, s := range names {
		if id, ok := t.ids[s]; ok {
			out[i] = id
		} else {
			fresh = append(fresh, i)
			n += len(s)
		}
	}
	if len(fresh) == 0 {
		return out
	}
	var b strings.Builder
	b.Grow(n)
	for _, i := range fresh {
		b.WriteString(names[i])
	}
	all := b.String()
	at := 0
	for _, i := range fresh {
		s := all[at : at+len(names[i])]
		at += len(s)
		// The same new name twice in names gets one number.
		if id, ok := t.ids[s]; ok {
			out[i] = id
			continue
		}
		out[i] = t.add(s)
	}
	return out
}

// postings keeps the locations of one kind (class definitions, methods or
// sends) under each name's number, all in one array without pointers:
// each name's locations are a run of it, with room to grow. A run that
// outgrows its room moves to the end, and the array is compacted when the
// runs left behind take a third of it.
type postings struct {
	runs []run // by name number
	locs []loc
	// files are the locations' file ids again, side by side with locs: a
	// method edited in a file finds the file's locations among a common
	// selector's tens of thousands reading 4 bytes for each, not 32.
	files []uint32
	// dead counts the locations of locs that no run holds.
	dead int

	// A LoadDir shard's locations are only gathered, in the order they
	// come with the number of each one's name, and so are those of the
	// shards an index absorbs while LoadDir runs: they are laid out in
	// runs once, when the load ends (layout), instead of moving each run
	// every time it outgrows its room. lastFile is, by name number, one
	// more than the file of a shard's last location under it.
	gathering    bool
	pending      []loc
	pendingNames []uint32
	lastFile     []uint32
}

// layout lays the runs out again, end to end, each with its locations and
// then its pending ones whose file keep holds for, in new arrays with an
// eighth more room at the end; names is how many names there are.
func (p *postings) layout(names int, keep func(file uint32) bool) {
	if len(p.runs) < names {
		p.runs = append(p.runs, make([]run, names-len(p.runs))...)
	}
	pending, starts := p.grouped(names)
	total := 0
	for n := range p.runs {
		total += int(p.runs[n].n) + starts[n+1] - starts[n]
	}
	locs := make([]loc, 0, total+total/8)
	files := make([]uint32, 0, cap(locs))
	for n := range p.runs {
		r := &p.runs[n]
		off := len(locs)
		locs = append(locs, p.locs[r.off:r.off+r.n]...)
		files = append(files, p.files[r.off:r.off+r.n]...)
		for _, l := range pending[starts[n]:starts[n+1]] {
			if keep(l.file) {
				locs = append(locs, l)
				files = append(files, l.file)
			}
		}
		r.off, r.n = uint32(off), uint32(len(locs)-off)
		r.room = r.n
	}
	p.locs, p.files, p.dead = locs, files, 0
	p.pending, p.pendingNames = nil, nil
}

// gather adds l under name to a shard's pending locations and reports
// whether it is the first of its file under that name.
func (p *postings) gather(name uint32, l loc) (first bool) {
	if int(name) >= len(p.lastFile) {
		p.lastFile = append(p.lastFile, make([]uint32, int(name)+1-len(p.lastFile))...)
	}
	first = p.lastFile[name] != l.file+1
	p.lastFile[name] = l.file + 1
	p.pending = append(p.pending, l)
	p.pendingNames = append(p.pendingNames, name)
	return first
}

// grouped returns a shard's pending locations grouped by name, in the
// order they came within each name, and where each name's group starts
// (by name number, with one more at the end).
func (p *postings) grouped(names int) (locs []loc, starts []int) {
	starts = make([]int, names+1)
	for _, n := range p.pendingNames {
		starts[n+1]++
	}
	for i := 1; i <= names; i++ {
		starts[i] += starts[i-1]
	}
	locs = make([]loc, len(p.pending))
	next := append([]int(nil), starts[:names]...)
	for i, n := range p.pendingNames {
		locs[next[n]] = p.pending[i]
		next[n]++
	}
	return locs, starts
}

type run struct{ off, n, room uint32 }

func (p *postings) get(id uint32) []loc {
	if int(id) >= len(p.runs) {
		return nil
	}
	r := p.runs[id]
	return p.locs[r.off : r.off+r.n : r.off+r.n]
}

func (p *postings) count(id uint32) int {
	if int(id) >= len(p.runs) {
		return 0
	}
	return int(p.runs[id].n)
}

// add appends ls to id's locations.
func (p *postings) add(id uint32, ls ...loc) {
	if len(ls) == 0 {
		return
	}
	if int(id) >= len(p.runs) {
		p.runs = append(p.runs, make([]run, int(id)+1-len(p.runs))...)
	}
	r := &p.runs[id]
	need := r.n + uint32(len(ls))
	if need > r.room {
		room := max(2*r.room, need, 2)
		end := uint32(len(p.locs))
		switch {
		case r.room > 0 && r.off+r.room == end:
			// The last run grows in place.
		default:
			p.locs, p.files = extend(p.locs, int(r.n)), extend(p.files, int(r.n))
			copy(p.locs[end:], p.locs[r.off:r.off+r.n])
			copy(p.files[end:], p.files[r.off:r.off+r.n])
			p.dead += int(r.room)
			r.off = end
			end += r.n
		}
		p.locs, p.files = extend(p.locs, int(r.off+room-end)), extend(p.files, int(r.off+room-end))
		r.room = room
	}
	copy(p.locs[r.off+r.n:], ls)
	for i, l := range ls {
		p.files[int(r.off+r.n)+i] = l.file
	}
	r.n = need
	if p.dead > 1024 && p.dead > len(p.locs)/3 {
		p.compact(0)
	}
}

// compact lays the runs end to end again, each with its locations and
// slack more of room (in 1/8ths of its length), in a new array.
func (p *postings) compact(slackEighths uint32) {
	total := 0
	for _, r := range p.runs {
		total += int(r.n + r.n*slackEighths/8)
	}
	locs := make([]loc, 0, total+total/8)
	files := make([]uint32, 0, cap(locs))
	for i := range p.runs {
		r := &p.runs[i]
		off := uint32(len(locs))
		locs = append(locs, p.locs[r.off:r.off+r.n]...)
		files = append(files, p.files[r.off:r.off+r.n]...)
		room := r.n + r.n*slackEighths/8
		locs, files = extend(locs, int(room-r.n)), extend(files, int(room-r.n))
		r.off, r.room = off, room
	}
	p.locs, p.files, p.dead = locs, files, 0
}

// extend lengthens ls by n zero elements, doubling its capacity when it
// must grow (append grows a large slice by a quarter, which would copy
// the arena of a large workspace some thirty times while it loads).
func extend[T any](ls []T, n int) []T {
	if len(ls)+n > cap(ls) {
		grown := make([]T, len(ls), max(2*cap(ls), len(ls)+n, 64))
		copy(grown, ls)
		ls = grown
	}
	tail := ls[len(ls) : len(ls)+n]
	clear(tail)
	return ls[:len(ls)+n]
}

// dropFile drops the locations of id that are in file and reports how
// many are left.
func (p *postings) dropFile(id, file uint32) int {
	if int(id) >= len(p.runs) {
		return 0
	}
	r := &p.runs[id]
	ls, fs := p.locs[r.off:r.off+r.n], p.files[r.off:r.off+r.n]
	n := 0
	for i, f := range fs {
		if f != file {
			ls[n], fs[n] = ls[i], f
			n++
		}
	}
	clear(ls[n:])
	clear(fs[n:])
	r.n = uint32(n)
	return n
}

// edit returns id's locations and their file ids for changing in place;
// a location's file must change in both.
func (p *postings) edit(id uint32) ([]loc, []uint32) {
	if int(id) >= len(p.runs) {
		return nil, nil
	}
	r := p.runs[id]
	return p.locs[r.off : r.off+r.n], p.files[r.off : r.off+r.n]
}
