package lsp

// anchored is anything tied to a span of a document's text that must follow
// edits: it moves with text inserted or removed before it, stays put for edits
// after it, and dies when its own text is edited.
type anchored struct {
	start, end int
}

// follow applies edits (each relative to the text left by the previous one)
// and reports whether the span survived.
func (a *anchored) follow(edits []edit) bool {
	for _, e := range edits {
		switch {
		case e.end <= a.start:
			delta := len(e.text) - (e.end - e.start)
			a.start += delta
			a.end += delta
		case e.start >= a.end:
		default:
			return false
		}
	}
	return true
}
