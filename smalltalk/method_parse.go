package smalltalk

// ParseMethod parses src as the source of one method, its pattern then its
// body, as a browser's method pane or a compile request holds it (no Tonel
// brackets, no chunk terminators). The method is the File's only one; its
// syntax errors are the File's.
func ParseMethod(src []byte) *File {
	f := &File{Src: src}
	p := newParser(f)
	m := &Method{Range: Range{0, len(src)}, Source: string(src)}
	p.parseMethodRange(m, 0, len(src))
	p.release()
	f.Methods = []*Method{m}
	sortErrors(f)
	return f
}
