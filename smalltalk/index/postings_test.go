package index

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Random additions and removals of locations keep each name's locations
// as a plain list per name keeps them, through runs that move as they
// grow and the compactions that follow, gathered (a shard's) or not.
func TestPostingsKeepWhatAListPerNameKeeps(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var p postings
	want := map[uint32][]loc{}
	compactions := 0
	for step := range 20000 {
		name := uint32(r.IntN(60))
		if r.IntN(40) == 0 {
			name = uint32(r.IntN(5)) // a few names grow long
		}
		switch op := r.IntN(1000); {
		case op < 700:
			var ls []loc
			for range 1 + r.IntN(4) {
				ls = append(ls, loc{file: uint32(r.IntN(30)), start: int32(step)})
			}
			dead := p.dead
			p.add(name, ls...)
			if p.dead < dead {
				compactions++
			}
			want[name] = append(want[name], ls...)
		case op < 999:
			file := uint32(r.IntN(30))
			left := p.dropFile(name, file)
			want[name] = slices.DeleteFunc(want[name], func(l loc) bool { return l.file == file })
			if left != len(want[name]) {
				t.Fatalf("step %d: dropFile left %d, want %d", step, left, len(want[name]))
			}
		default:
			p.compact(uint32(r.IntN(3)))
		}
		if step%197 == 0 {
			for n := range uint32(60) {
				if got := p.get(n); !slices.Equal(got, want[n]) || p.count(n) != len(want[n]) {
					t.Fatalf("step %d: name %d has %v, want %v", step, n, got, want[n])
				}
				ls, files := p.edit(n)
				for i := range ls {
					if files[i] != ls[i].file {
						t.Fatalf("step %d: name %d's location %d is in file %d, its file id says %d", step, n, i, ls[i].file, files[i])
					}
				}
			}
		}
	}
	if compactions == 0 {
		t.Error("no compaction while adding")
	}

	var shard postings
	shard.gathering = true
	var order []uint32
	for i := range 500 {
		n := uint32(r.IntN(20))
		shard.gather(n, loc{file: uint32(i / 50), start: int32(i)})
		order = append(order, n)
	}
	locs, starts := shard.grouped(20)
	for n := range uint32(20) {
		var w []loc
		for i, m := range order {
			if m == n {
				w = append(w, loc{file: uint32(i / 50), start: int32(i)})
			}
		}
		if got := locs[starts[n]:starts[n+1]]; !slices.Equal(got, w) {
			t.Fatalf("gathered name %d: %v, want %v", n, got, w)
		}
	}
}
