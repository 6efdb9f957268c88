package smalltalk

import (
	"strings"
)

// chunkRange is the raw range of one chunk, without its '!' terminator.
type chunkRange struct{ start, end int }

// splitChunks splits src at each '!' that is not doubled.
func splitChunks(src []byte) []chunkRange {
	var out []chunkRange
	start := 0
	for i := 0; i < len(src); i++ {
		if src[i] != '!' {
			continue
		}
		if i+1 < len(src) && src[i+1] == '!' {
			i++
			continue
		}
		out = append(out, chunkRange{start, i})
		start = i + 1
	}
	if s, e := trimRange(src, start, len(src)); s < e {
		out = append(out, chunkRange{start, len(src)})
	}
	return out
}

func trimRange(src []byte, s, e int) (int, int) {
	for s < e && isSpace(src[s]) {
		s++
	}
	for e > s && isSpace(src[e-1]) {
		e--
	}
	return s, e
}

// parseChunks reads a chunk-format file-out. A chunk following an empty
// chunk is a preamble such as "Foo methodsFor: 'cat'", which makes the
// following chunks (up to an empty one) methods of Foo, or "Foo
// commentStamp: ...", which makes the next chunk Foo's comment. Other
// chunks are statements (class definitions, comments, do-its).
func parseChunks(f *File, p *parser) {
	src := f.Src
	chunks := splitChunks(src)
	for i := 0; i < len(chunks); {
		s, e := trimRange(src, chunks[i].start, chunks[i].end)
		i++
		if s < e {
			p.reset(s, e)
			stmts := p.parseStatements(EOF)
			f.Statements = append(f.Statements, stmts...)
			for _, st := range stmts {
				chunkDefinition(f, st)
			}
			continue
		}
		if i >= len(chunks) {
			break
		}
		ps, pe := trimRange(src, chunks[i].start, chunks[i].end)
		i++
		p.reset(ps, pe)
		pre, _ := p.parseExpression().(*Message)
		p.sync()
		if pre == nil || pre.Kind != KeywordMsg {
			continue
		}
		name, side, rng := classRef(pre.Receiver)
		switch {
		case strings.HasPrefix(pre.Selector, "methodsFor:") || pre.Selector == "publicMethodsFor:" || strings.HasPrefix(pre.Selector, "privateMethodsFor:"):
			cat := ""
			if l, ok := pre.Args[0].(*Literal); ok {
				cat = literalValue(src, l)
			}
			for i < len(chunks) {
				ms, me := trimRange(src, chunks[i].start, chunks[i].end)
				i++
				if ms >= me {
					break
				}
				m := &Method{ClassName: name, ClassSide: side, ClassRange: rng, Category: cat}
				p.parseMethodRange(m, ms, me)
				m.Range = Range{ms, me}
				m.Source, m.segments = unescapeChunk(src, ms, me)
				f.Methods = append(f.Methods, m)
			}
		case strings.HasPrefix(pre.Selector, "commentStamp:"):
			if i < len(chunks) {
				cs, ce := trimRange(src, chunks[i].start, chunks[i].end)
				i++
				if d := f.classNamed(name); d != nil {
					d.Comment = strings.ReplaceAll(string(src[cs:ce]), "!!", "!")
					d.CommentRange = Range{cs, ce}
				}
			}
		}
	}
	body := &Sequence{Statements: f.Statements}
	body.End = len(src)
	f.Body = body
}

// unescapeChunk returns src[s:e] with "!!" undoubled and the segments
// mapping it back to the file.
func unescapeChunk(src []byte, s, e int) (string, []segment) {
	var b strings.Builder
	var segs []segment
	from := s
	for i := s; i < e; i++ {
		if src[i] == '!' && i+1 < e && src[i+1] == '!' {
			segs = append(segs, segment{b.Len(), from, i + 1 - from})
			b.Write(src[from : i+1])
			i++
			from = i + 1
		}
	}
	segs = append(segs, segment{b.Len(), from, e - from})
	b.Write(src[from:e])
	return b.String(), segs
}

func (f *File) classNamed(name string) *ClassDef {
	for _, d := range f.Classes {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// classRef recognises Foo or Foo class.
func classRef(n Node) (name string, classSide bool, r Range) {
	switch n := n.(type) {
	case *Variable:
		return n.Name, false, n.Range
	case *Message:
		if v, ok := n.Receiver.(*Variable); ok && n.Kind == Unary && n.Selector == "class" {
			return v.Name, true, n.Range
		}
	}
	return "", false, Range{}
}

// literalValue returns the value of a string, symbol or character
// literal: quotes removed and doubled quotes undoubled; '#' removed.
func literalValue(src []byte, l *Literal) string {
	t := src[l.Start:l.End]
	switch l.Kind {
	case LitSymbol:
		for len(t) > 0 && t[0] == '#' {
			t = t[1:]
		}
		if len(t) == 0 || t[0] != '\'' {
			return string(t)
		}
		fallthrough
	case LitString:
		if len(t) >= 2 && t[0] == '\'' {
			t = t[1:]
			if t[len(t)-1] == '\'' {
				t = t[:len(t)-1]
			}
		}
		return strings.ReplaceAll(string(t), "''", "'")
	case LitCharacter:
		if len(t) > 1 {
			return string(t[1:])
		}
	}
	return string(t)
}

// LiteralValue returns the value of a string, symbol or character
// literal (quotes and '#' removed, doubled quotes undoubled), or the
// literal's text for other kinds.
func (f *File) LiteralValue(l *Literal) string { return literalValue(f.Src, l) }

// chunkDefinition records class definitions and class comments found in a
// do-it statement of a file-out.
func chunkDefinition(f *File, st Node) {
	src := f.Src
	if c, ok := st.(*Cascade); ok {
		newStyleDefinition(f, c)
		return
	}
	m, ok := st.(*Message)
	if !ok || m.Kind != KeywordMsg {
		return
	}
	first := string(src[m.Parts[0].Start:m.Parts[0].End])
	str := func(i int) string {
		if l, ok := m.Args[i].(*Literal); ok {
			return literalValue(src, l)
		}
		return ""
	}
	recvName, side, _ := classRef(m.Receiver)
	if strings.HasSuffix(first, "ubclass:") || first == "named:" && recvName == "Trait" {
		sym, ok := m.Args[0].(*Literal)
		if !ok || sym.Kind != LitSymbol {
			return
		}
		d := &ClassDef{Name: literalValue(src, sym), NameRange: symbolTextRange(src, sym), DefRange: m.Range}
		if first == "named:" {
			d.IsTrait = true
		} else if recvName != "" && !side {
			d.Superclass = recvName
			d.SuperclassRange = m.Receiver.Span()
		} else if l, ok := m.Receiver.(*Literal); ok && l.Kind == LitNil {
			d.Superclass = "nil"
		}
		for i := 1; i < len(m.Parts); i++ {
			switch string(src[m.Parts[i].Start:m.Parts[i].End]) {
			case "instanceVariableNames:":
				d.InstVars = strings.Fields(str(i))
			case "classVariableNames:":
				d.ClassVars = strings.Fields(str(i))
			case "poolDictionaries:":
				d.Pools = strings.Fields(str(i))
			case "category:":
				d.Category = str(i)
				if d.Package == "" {
					d.Package = d.Category
				}
			case "package:":
				d.Package = str(i)
				if d.Category == "" {
					d.Category = d.Package
				}
			case "tag:":
				d.Tag = str(i)
			case "uses:":
				d.Traits = f.Text(m.Args[i].Span())
			}
		}
		f.Classes = append(f.Classes, d)
		return
	}
	d := f.classNamed(recvName)
	if d == nil {
		return
	}
	switch {
	case side && strings.HasSuffix(m.Selector, "instanceVariableNames:"):
		d.ClassInstVars = strings.Fields(str(len(m.Args) - 1))
	case !side && m.Selector == "comment:":
		d.Comment = str(0)
		d.CommentRange = m.Args[0].Span()
	}
}

// newStyleDefinition recognises Superclass << #Name slots: {...}; package: 'P'.
func newStyleDefinition(f *File, c *Cascade) {
	src := f.Src
	recv, ok := c.Receiver.(*Message)
	if !ok || recv.Selector != "<<" || len(recv.Args) != 1 {
		return
	}
	sym, ok := recv.Args[0].(*Literal)
	if !ok || sym.Kind != LitSymbol {
		return
	}
	d := &ClassDef{Name: literalValue(src, sym), NameRange: symbolTextRange(src, sym), DefRange: c.Range}
	if n, _, _ := classRef(recv.Receiver); n != "" {
		d.Superclass, d.SuperclassRange = n, recv.Receiver.Span()
	}
	names := func(n Node) []string {
		var out []string
		Inspect(n, func(x Node) bool {
			if l, ok := x.(*Literal); ok && (l.Kind == LitSymbol || l.Kind == LitString) {
				out = append(out, strings.Fields(literalValue(src, l))...)
			}
			return true
		})
		return out
	}
	for _, m := range c.Messages {
		if len(m.Args) != 1 {
			continue
		}
		arg := m.Args[0]
		val := ""
		if l, ok := arg.(*Literal); ok {
			val = literalValue(src, l)
		}
		switch m.Selector {
		case "slots:":
			d.InstVars = names(arg)
		case "sharedVariables:":
			d.ClassVars = names(arg)
		case "sharedPools:":
			d.Pools = names(arg)
		case "package:":
			d.Package = val
		case "tag:":
			d.Tag = val
		case "traits:":
			d.Traits = f.Text(arg.Span())
		}
	}
	f.Classes = append(f.Classes, d)
}

func symbolTextRange(src []byte, l *Literal) Range {
	r := l.Range
	for r.Start < r.End && src[r.Start] == '#' {
		r.Start++
	}
	if r.Start < r.End && src[r.Start] == '\'' {
		r.Start++
		if r.End > r.Start && src[r.End-1] == '\'' {
			r.End--
		}
	}
	return r
}
