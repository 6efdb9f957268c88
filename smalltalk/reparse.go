package smalltalk

import "sort"

// Reparse returns the parse of old's source with src[start:end] replaced
// by text, the same as Parse would give, parsing again only the Tonel
// method the edit falls in when it lies strictly inside that method's body;
// the methods before it are shared with old, those after it are copied with
// their offsets moved. Any other edit is parsed in full.
func Reparse(old *File, start, end int, text string) *File {
	f, _ := ReparseMethod(old, start, end, text)
	return f
}

// ReparseMethod is Reparse, also saying which method was parsed again: its
// index in both files' Methods, whose other methods then correspond one to
// one (shared before it, moved after it); -1 when the file was parsed in
// full.
func ReparseMethod(old *File, start, end int, text string) (f *File, method int) {
	src := make([]byte, 0, len(old.Src)-(end-start)+len(text))
	src = append(append(append(src, old.Src[:start]...), text...), old.Src[end:]...)
	if f, i := reparseMethod(old, start, end, len(text), src); f != nil {
		return f, i
	}
	return Parse(old.Name, src), -1
}

func reparseMethod(old *File, start, end, n int, src []byte) (*File, int) {
	if !old.Kind.IsTonel() || old.Kind == TonelPackage {
		return nil, -1
	}
	i := sort.Search(len(old.Methods), func(i int) bool { return old.Methods[i].BodyRange.End > start })
	if i == len(old.Methods) {
		return nil, -1
	}
	m := old.Methods[i]
	// Strictly inside: the brackets and what decides where the body ends
	// stay put. The text just before the closing bracket is left to a full
	// parse, since the layout rule looks at the bracket's line.
	if start <= m.BodyRange.Start || end >= m.BodyRange.End-1 {
		return nil, -1
	}
	delta := n - (end - start)
	f := &File{Name: old.Name, Kind: old.Kind, Src: src, Header: old.Header, Package: old.Package, Classes: old.Classes}
	p := newParser(f)
	after, ok := parseTonelMethod(f, p, m.Range.Start, m.ClassRange.Start, m.Metadata)
	p.flush()
	if !ok || len(f.Methods) != 1 || after != m.Range.End+delta {
		return nil, -1
	}
	nm := f.Methods[0]
	if nm.BodyRange.End != m.BodyRange.End+delta {
		return nil, -1
	}
	// What the method's header and body produced comes from the new parse;
	// the comments of its metadata and outside it are old's, moved when
	// they follow it.
	own := Range{m.ClassRange.Start, m.Range.End}
	// Error messages name lines and columns, which an edit moves: any
	// error outside the method sends the file to a full parse.
	for _, e := range old.Errors {
		if e.Start < own.Start || e.End > own.End {
			return nil, -1
		}
	}
	var comments []Range
	for _, c := range old.Comments {
		switch {
		case c.End <= own.Start:
			comments = append(comments, c)
		case c.Start >= own.End:
			comments = append(comments, c.shift(delta))
		case c.Start >= own.Start && c.End <= own.End:
		default:
			return nil, -1
		}
	}
	comments = append(comments, f.Comments...)
	f.Comments = comments
	methods := make([]*Method, 0, len(old.Methods))
	methods = append(methods, old.Methods[:i]...)
	methods = append(methods, nm)
	for _, om := range old.Methods[i+1:] {
		methods = append(methods, shiftMethod(om, delta))
	}
	f.Methods = methods
	sortErrors(f)
	sort.SliceStable(f.Comments, func(i, j int) bool { return f.Comments[i].Start < f.Comments[j].Start })
	return f, i
}

// shift moves r by d. Everything moved lies after the edit, so a zero
// Range there is an unset one (a STON value without text) and stays.
func (r Range) shift(d int) Range {
	if r == (Range{}) {
		return r
	}
	return Range{r.Start + d, r.End + d}
}

func shiftRanges(rs []Range, d int) []Range {
	if rs == nil {
		return nil
	}
	out := make([]Range, len(rs))
	for i, r := range rs {
		out[i] = r.shift(d)
	}
	return out
}

// shiftMethod copies m with every offset moved by d.
func shiftMethod(m *Method, d int) *Method {
	c := *m
	c.Range = m.Range.shift(d)
	c.ClassRange = m.ClassRange.shift(d)
	c.PatternRange = m.PatternRange.shift(d)
	c.SelectorRange = m.SelectorRange.shift(d)
	c.BodyRange = m.BodyRange.shift(d)
	c.SelectorParts = shiftRanges(m.SelectorParts, d)
	c.Metadata = shiftSTON(m.Metadata, d)
	c.Args = shiftVars(m.Args, d)
	if m.Pragmas != nil {
		c.Pragmas = make([]*Pragma, len(m.Pragmas))
		for i, p := range m.Pragmas {
			c.Pragmas[i] = shiftNode(p, d).(*Pragma)
		}
	}
	if m.Body != nil {
		c.Body = shiftNode(m.Body, d).(*Sequence)
	}
	if m.segments != nil {
		c.segments = make([]segment, len(m.segments))
		for i, s := range m.segments {
			s.file += d
			c.segments[i] = s
		}
	}
	return &c
}

func shiftSTON(v *STON, d int) *STON {
	if v == nil {
		return nil
	}
	c := *v
	c.Range = v.Range.shift(d)
	c.TextRange = v.TextRange.shift(d)
	if v.Items != nil {
		c.Items = make([]*STON, len(v.Items))
		for i, it := range v.Items {
			c.Items[i] = shiftSTON(it, d)
		}
	}
	if v.Pairs != nil {
		c.Pairs = make([]STONPair, len(v.Pairs))
		for i, p := range v.Pairs {
			c.Pairs[i] = STONPair{shiftSTON(p.Key, d), shiftSTON(p.Value, d)}
		}
	}
	c.Value = shiftSTON(v.Value, d)
	return &c
}

func shiftVars(vs []*Variable, d int) []*Variable {
	if vs == nil {
		return nil
	}
	out := make([]*Variable, len(vs))
	for i, v := range vs {
		out[i] = shiftNode(v, d).(*Variable)
	}
	return out
}

func shiftNodes(ns []Node, d int) []Node {
	if ns == nil {
		return nil
	}
	out := make([]Node, len(ns))
	for i, n := range ns {
		out[i] = shiftNode(n, d)
	}
	return out
}

// shiftNode copies the tree under n with every offset moved by d.
func shiftNode(n Node, d int) Node {
	switch n := n.(type) {
	case nil:
		return nil
	case *Literal:
		c := *n
		c.Range = n.Range.shift(d)
		return &c
	case *Variable:
		c := *n
		c.Range = n.Range.shift(d)
		return &c
	case *Assignment:
		c := *n
		c.Range = n.Range.shift(d)
		if n.Var != nil {
			c.Var = shiftNode(n.Var, d).(*Variable)
		}
		c.Value = shiftNode(n.Value, d)
		return &c
	case *Message:
		c := *n
		c.Range = n.Range.shift(d)
		c.Receiver = shiftNode(n.Receiver, d)
		c.Parts = shiftRanges(n.Parts, d)
		c.Args = shiftNodes(n.Args, d)
		return &c
	case *Cascade:
		c := *n
		c.Range = n.Range.shift(d)
		c.Receiver = shiftNode(n.Receiver, d)
		if n.Messages != nil {
			c.Messages = make([]*Message, len(n.Messages))
			for i, m := range n.Messages {
				c.Messages[i] = shiftNode(m, d).(*Message)
			}
		}
		return &c
	case *Paren:
		c := *n
		c.Range = n.Range.shift(d)
		c.X = shiftNode(n.X, d)
		return &c
	case *Block:
		c := *n
		c.Range = n.Range.shift(d)
		c.Args = shiftVars(n.Args, d)
		c.Temps = shiftVars(n.Temps, d)
		if n.Body != nil {
			c.Body = shiftNode(n.Body, d).(*Sequence)
		}
		return &c
	case *Return:
		c := *n
		c.Range = n.Range.shift(d)
		c.Value = shiftNode(n.Value, d)
		return &c
	case *ArrayLiteral:
		c := *n
		c.Range = n.Range.shift(d)
		c.Elements = shiftNodes(n.Elements, d)
		return &c
	case *Brace:
		c := *n
		c.Range = n.Range.shift(d)
		c.Elements = shiftNodes(n.Elements, d)
		return &c
	case *Pragma:
		c := *n
		c.Range = n.Range.shift(d)
		c.Parts = shiftRanges(n.Parts, d)
		c.Args = shiftNodes(n.Args, d)
		return &c
	case *Sequence:
		c := *n
		c.Range = n.Range.shift(d)
		c.Temps = shiftVars(n.Temps, d)
		c.Statements = shiftNodes(n.Statements, d)
		return &c
	case *Bad:
		c := *n
		c.Range = n.Range.shift(d)
		return &c
	}
	panic("smalltalk: shiftNode of an unknown node")
}
