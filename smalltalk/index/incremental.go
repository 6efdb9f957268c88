package index

import "github.com/stui-lsp/stui-lsp/smalltalk"

// UpdateMethod is Update(uri, f) for a file that edits inside one method
// made from old: f.Methods[method] is new, every other method of f is
// old's, moved by the edits' length change when it comes after (what
// smalltalk.ReparseMethod returns). When the index holds old's text for
// uri, only that method's locations are made again and the file's later
// ones moved, instead of walking every send of the file; otherwise, or
// when f is not such a file, it is Update.
func (ix *Index) UpdateMethod(uri string, old, f *smalltalk.File, method int) {
	if !ix.updateMethod(uri, old, f, method) {
		ix.Update(uri, f)
		return
	}
	ix.parsed.put(uri, f)
}

func (ix *Index) updateMethod(uri string, old, f *smalltalk.File, method int) bool {
	if method < 0 || method >= len(f.Methods) || len(old.Methods) != len(f.Methods) ||
		f.Body != nil || old.Body != nil || len(old.Classes) != len(f.Classes) {
		return false
	}
	om, nm := old.Methods[method], f.Methods[method]
	delta := len(f.Src) - len(old.Src)
	if nm.Start != om.Start || nm.End != om.End+delta {
		return false
	}
	for i, d := range old.Classes {
		// The definitions are old's and come before the edit.
		if f.Classes[i] != d || d.DefRange.End > om.Start {
			return false
		}
	}
	var ls locations
	ls.impls = append(ls.impls, keyed{key: nm.Selector, r: nm.Range, name: nm.SelectorRange, class: nm.ClassName, category: nm.Category, kind: MethodLoc, classSide: nm.ClassSide})
	for _, s := range nm.Sends() {
		ls.sends = append(ls.sends, keyed{key: s.Selector, r: s.Range, name: s.Parts[0], class: nm.ClassName, kind: SendLoc, classSide: nm.ClassSide})
	}

	ix.mu.Lock()
	defer ix.mu.Unlock()
	id, ok := ix.ids[uri]
	// While a load runs, the file's locations may still be pending.
	if !ok || ix.loading > 0 || ix.files[id].src != string(old.Src) {
		return false
	}
	e := &ix.files[id]
	ix.touchLocked(uri)
	edited := span{int32(om.Start), int32(om.End)}
	impls, goneImpls, newImpls := ix.replaceMethod(&ix.impls, e.implKeys(), id, edited, int32(delta), ls.impls)
	sends, _, _ := ix.replaceMethod(&ix.sends, e.sendKeys(), id, edited, int32(delta), ls.sends)
	e.setKeys(e.classKeys(), impls, sends)
	e.src = string(f.Src)
	e.version = ix.stamp.Load()
	ix.namesChangedLocked(nil, nil, goneImpls, newImpls)
	return true
}

type span struct{ start, end int32 }

// removedLoc marks, for a moment under the lock, a location to drop.
const removedLoc = ^uint32(0)

// replaceMethod drops file id's locations within edited from p, under the
// file's names, moves those after it by delta and adds ls. It returns the
// file's names afterwards, the names p no longer has locations under and
// those it had none under before.
func (ix *Index) replaceMethod(p *postings, keys []uint32, id uint32, edited span, delta int32, ls []keyed) (kept, gone, created []uint32) {
	kept = make([]uint32, 0, len(keys)+len(ls))
	for _, k := range keys {
		all, files := p.edit(k)
		// Moving in place, and dropping only where the edited method has
		// a location: the lists of common selectors are long.
		mine, inEdited := false, false
		for j, f := range files {
			if f != id {
				continue
			}
			l := &all[j]
			switch {
			case l.start >= edited.end:
				l.start, l.end, l.nameStart, l.nameEnd = l.start+delta, l.end+delta, l.nameStart+delta, l.nameEnd+delta
				mine = true
			case l.start >= edited.start:
				l.file, files[j] = removedLoc, removedLoc
				inEdited = true
			default:
				mine = true
			}
		}
		if inEdited && p.dropFile(k, removedLoc) == 0 {
			gone = append(gone, k)
		}
		if mine {
			kept = append(kept, k)
		}
	}
	// The method's names that the file no longer had join its list.
	mineAlready := make(map[uint32]bool, len(ls))
	for _, k := range kept {
		mineAlready[k] = true
	}
	added, created := ix.addAll(p, id, ls)
	for _, k := range added {
		if !mineAlready[k] {
			kept = append(kept, k)
			mineAlready[k] = true
		}
	}
	return kept, gone, created
}
