package smalltalk

import (
	"encoding/binary"
	"sync"
	"unsafe"
)

// slabBytes is the most memory a slab allocates at a time; its first
// chunks are smaller, so that a short parse allocates little.
const slabBytes = 8192

// slab hands out values of T carved from chunks allocated together, so
// that a parse makes one allocation for many nodes of a kind. A chunk
// lives as long as any value carved from it, so a slab never carries a
// chunk from one file to the next: the files would keep each other alive.
type slab[T any] struct {
	free []T
	next int // the length of the next chunk
}

func (s *slab[T]) grow() {
	var zero T
	most := max(8, slabBytes/int(unsafe.Sizeof(zero)))
	s.next = min(max(s.next, 8), most)
	s.free = make([]T, s.next)
	s.next *= 2
}

func (s *slab[T]) new() *T {
	if len(s.free) == 0 {
		s.grow()
	}
	x := &s.free[0]
	s.free = s.free[1:]
	return x
}

// slice returns n values, with capacity n so that an append elsewhere
// copies rather than overwrites what follows.
func (s *slab[T]) slice(n int) []T {
	if n > len(s.free) {
		if n > s.next/4 {
			return make([]T, n)
		}
		s.grow()
	}
	x := s.free[:n:n]
	s.free = s.free[n:]
	return x
}

// reset forgets the current chunk, whose values belong to the last file.
func (s *slab[T]) reset() { s.free, s.next = nil, 0 }

// stack is a scratch stack of values a parse collects before it knows how
// many there are (the statements of a sequence, a message's arguments);
// pop moves those above a mark into a slice of their own from a slab.
type stack[T any] struct {
	items []T
	slab  slab[T]
}

func (s *stack[T]) mark() int { return len(s.items) }

func (s *stack[T]) push(x T) { s.items = append(s.items, x) }

// pop returns the values pushed since mark, nil if there are none.
func (s *stack[T]) pop(mark int) []T {
	n := len(s.items) - mark
	if n == 0 {
		return nil
	}
	out := s.slab.slice(n)
	copy(out, s.items[mark:])
	clear(s.items[mark:])
	s.items = s.items[:mark]
	return out
}

// parsers keeps parsers for reuse: their scanners' buffers, slabs, scratch
// stacks and interned names serve the next file.
var parsers = sync.Pool{New: func() any { return new(parser) }}

// interner hands out one string for equal names, so that a file's trees
// share the storage of their selectors and variable names. It is an open-addressing
// table: a plain map costs twice as much per look-up here.
type interner struct {
	slots []string // a power of two long, "" where free
	n     int
}

// nameHash mixes a name's length and its first and last eight bytes:
// cheaper than hashing every byte, and names that agree in all three are
// rare (and only cost a longer probe).
func nameHash(b []byte) uint64 {
	n := len(b)
	var x, y uint64
	if n >= 8 {
		x, y = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	} else {
		for i, c := range b {
			x |= uint64(c) << (8 * i)
		}
	}
	h := (x ^ uint64(n)<<56) * 0x9e3779b97f4a7c15
	h = (h ^ y ^ h>>29) * 0xbf58476d1ce4e5b9
	return h ^ h>>32
}

// reset empties the table for the next file, keeping a small one's
// storage: a table that stays small stays in the processor's cache.
func (in *interner) reset() {
	if len(in.slots) > 4096 {
		in.slots = nil
	}
	clear(in.slots)
	in.n = 0
}

func (in *interner) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(in.slots) == 0 {
		in.slots = make([]string, 512)
	}
	mask := uint64(len(in.slots) - 1)
	for i := nameHash(b) & mask; ; i = (i + 1) & mask {
		s := in.slots[i]
		if s == "" {
			s = string(b)
			in.slots[i] = s
			if in.n++; 2*in.n > len(in.slots) {
				in.rehash()
			}
			return s
		}
		if s == string(b) {
			return s
		}
	}
}

func (in *interner) rehash() {
	old := in.slots
	in.slots = make([]string, 2*len(old))
	mask := uint64(len(in.slots) - 1)
	for _, s := range old {
		if s == "" {
			continue
		}
		i := nameHash([]byte(s)) & mask
		for in.slots[i] != "" {
			i = (i + 1) & mask
		}
		in.slots[i] = s
	}
}

// release returns p to the pool, dropping what refers to the last file.
func (p *parser) release() {
	p.f, p.src = nil, nil
	p.sc.src, p.pre.src = nil, nil
	p.sc.Comments, p.sc.Errors = p.sc.Comments[:0], p.sc.Errors[:0]
	p.pre.Comments, p.pre.Errors = p.pre.Comments[:0], p.pre.Errors[:0]
	p.strs.reset()
	p.sources.Reset()
	p.lits.reset()
	p.names.reset()
	p.msgs.reset()
	p.seqs.reset()
	p.blocks.reset()
	p.returns.reset()
	p.assigns.reset()
	p.parens.reset()
	p.methods.reset()
	p.segments.reset()
	p.nodes.slab.reset()
	p.vars.slab.reset()
	p.ranges.slab.reset()
	parsers.Put(p)
}
