package smalltalk

import "sort"

// Reparse returns the parse of old's source with src[start:end] replaced
// by text, the same as Parse would give, parsing again only the Tonel
// method the edit falls in when it lies strictly inside that method's
// header and body (after the header's first character, before the body's
// last); the methods before it are shared with old, those after it are
// copied with their offsets moved. Any other edit is parsed in full.
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
	// Strictly inside: where the header starts (its metadata before it),
	// the closing bracket and what decides where the body ends stay put.
	// The header is parsed again with the body, so typing a method's
	// selector costs what typing in its body does. The text just before
	// the closing bracket is left to a full parse, since the layout rule
	// looks at the bracket's line.
	if start <= m.ClassRange.Start || end >= m.BodyRange.End-1 {
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
	sh := &shifter{d: delta}
	for _, om := range old.Methods[i+1:] {
		methods = append(methods, sh.method(om))
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

// shifter copies the methods after an edit with every offset moved by d.
// The copies of each kind of node come from chunks, one allocation for
// many: half a 200 KB file's trees are copied on every keystroke.
type shifter struct {
	d int

	methods     chunk[Method]
	stons       chunk[STON]
	literals    chunk[Literal]
	variables   chunk[Variable]
	assignments chunk[Assignment]
	messages    chunk[Message]
	cascades    chunk[Cascade]
	parens      chunk[Paren]
	blocks      chunk[Block]
	returns     chunk[Return]
	arrays      chunk[ArrayLiteral]
	braces      chunk[Brace]
	pragmas     chunk[Pragma]
	sequences   chunk[Sequence]
	bads        chunk[Bad]

	// The slices of the copies.
	nodes      chunk[Node]
	ranges     chunk[Range]
	vars       chunk[*Variable]
	pragmaList chunk[*Pragma]
	cascaded   chunk[*Message]
	stonList   chunk[*STON]
	pairs      chunk[STONPair]
	segments   chunk[segment]
}

// chunk hands out Ts, and slices of them, from arrays of chunkSize.
type chunk[T any] struct{ free []T }

const chunkSize = 256

func (c *chunk[T]) take(n int) []T {
	if n > len(c.free) {
		if n > chunkSize/4 {
			return make([]T, n)
		}
		c.free = make([]T, chunkSize)
	}
	out := c.free[:n:n]
	c.free = c.free[n:]
	return out
}

func (c *chunk[T]) copyOf(v *T) *T {
	p := &c.take(1)[0]
	*p = *v
	return p
}

// shiftEach is xs with each element moved by shift, in a slice from c;
// nil stays nil.
func shiftEach[T any](c *chunk[T], xs []T, shift func(T) T) []T {
	if xs == nil {
		return nil
	}
	out := c.take(len(xs))
	for i, x := range xs {
		out[i] = shift(x)
	}
	return out
}

func (s *shifter) rng(r Range) Range { return r.shift(s.d) }

func (s *shifter) method(m *Method) *Method {
	c := s.methods.copyOf(m)
	c.Range = s.rng(m.Range)
	c.ClassRange = s.rng(m.ClassRange)
	c.PatternRange = s.rng(m.PatternRange)
	c.SelectorRange = s.rng(m.SelectorRange)
	c.BodyRange = s.rng(m.BodyRange)
	c.SelectorParts = shiftEach(&s.ranges, m.SelectorParts, s.rng)
	c.Metadata = s.ston(m.Metadata)
	c.Args = shiftEach(&s.vars, m.Args, s.variable)
	c.Pragmas = shiftEach(&s.pragmaList, m.Pragmas, s.pragma)
	if m.Body != nil {
		c.Body = s.sequence(m.Body)
	}
	c.segments = shiftEach(&s.segments, m.segments, func(g segment) segment {
		g.file += s.d
		return g
	})
	return c
}

func (s *shifter) ston(v *STON) *STON {
	if v == nil {
		return nil
	}
	c := s.stons.copyOf(v)
	c.Range = s.rng(v.Range)
	c.TextRange = s.rng(v.TextRange)
	c.Items = shiftEach(&s.stonList, v.Items, s.ston)
	c.Pairs = shiftEach(&s.pairs, v.Pairs, func(p STONPair) STONPair { return STONPair{s.ston(p.Key), s.ston(p.Value)} })
	c.Value = s.ston(v.Value)
	return c
}

func (s *shifter) variable(v *Variable) *Variable {
	c := s.variables.copyOf(v)
	c.Range = s.rng(v.Range)
	return c
}

func (s *shifter) message(m *Message) *Message {
	c := s.messages.copyOf(m)
	c.Range = s.rng(m.Range)
	c.Receiver = s.node(m.Receiver)
	c.Parts = shiftEach(&s.ranges, m.Parts, s.rng)
	c.Args = shiftEach(&s.nodes, m.Args, s.node)
	return c
}

func (s *shifter) pragma(p *Pragma) *Pragma {
	c := s.pragmas.copyOf(p)
	c.Range = s.rng(p.Range)
	c.Parts = shiftEach(&s.ranges, p.Parts, s.rng)
	c.Args = shiftEach(&s.nodes, p.Args, s.node)
	return c
}

func (s *shifter) sequence(q *Sequence) *Sequence {
	c := s.sequences.copyOf(q)
	c.Range = s.rng(q.Range)
	c.Temps = shiftEach(&s.vars, q.Temps, s.variable)
	c.Statements = shiftEach(&s.nodes, q.Statements, s.node)
	return c
}

// node copies the tree under n with every offset moved.
func (s *shifter) node(n Node) Node {
	switch n := n.(type) {
	case nil:
		return nil
	case *Variable:
		return s.variable(n)
	case *Message:
		return s.message(n)
	case *Pragma:
		return s.pragma(n)
	case *Sequence:
		return s.sequence(n)
	case *Literal:
		c := s.literals.copyOf(n)
		c.Range = s.rng(n.Range)
		return c
	case *Bad:
		c := s.bads.copyOf(n)
		c.Range = s.rng(n.Range)
		return c
	case *Assignment:
		c := s.assignments.copyOf(n)
		c.Range = s.rng(n.Range)
		if n.Var != nil {
			c.Var = s.variable(n.Var)
		}
		c.Value = s.node(n.Value)
		return c
	case *Cascade:
		c := s.cascades.copyOf(n)
		c.Range = s.rng(n.Range)
		c.Receiver = s.node(n.Receiver)
		c.Messages = shiftEach(&s.cascaded, n.Messages, s.message)
		return c
	case *Paren:
		c := s.parens.copyOf(n)
		c.Range = s.rng(n.Range)
		c.X = s.node(n.X)
		return c
	case *Block:
		c := s.blocks.copyOf(n)
		c.Range = s.rng(n.Range)
		c.Args = shiftEach(&s.vars, n.Args, s.variable)
		c.Temps = shiftEach(&s.vars, n.Temps, s.variable)
		if n.Body != nil {
			c.Body = s.sequence(n.Body)
		}
		return c
	case *Return:
		c := s.returns.copyOf(n)
		c.Range = s.rng(n.Range)
		c.Value = s.node(n.Value)
		return c
	case *ArrayLiteral:
		c := s.arrays.copyOf(n)
		c.Range = s.rng(n.Range)
		c.Elements = shiftEach(&s.nodes, n.Elements, s.node)
		return c
	case *Brace:
		c := s.braces.copyOf(n)
		c.Range = s.rng(n.Range)
		c.Elements = shiftEach(&s.nodes, n.Elements, s.node)
		return c
	}
	panic("smalltalk: shifting an unknown node")
}
