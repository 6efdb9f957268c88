package smalltalk

import (
	"sort"
	"unicode"
	"unicode/utf8"
)

// MethodAt returns the method whose range contains offset, or nil.
func (f *File) MethodAt(offset int) *Method {
	i := sort.Search(len(f.Methods), func(i int) bool { return f.Methods[i].Start > offset }) - 1
	if i >= 0 && f.Methods[i].Contains(offset) {
		return f.Methods[i]
	}
	return nil
}

// NodePath returns the nodes containing offset, outermost first and
// innermost last. The first node is the enclosing *Method, or the file's
// top-level *Sequence (Body) for playgrounds and file-out do-its. It
// returns nil when offset lies outside both.
func (f *File) NodePath(offset int) []Node {
	var root Node
	if m := f.MethodAt(offset); m != nil {
		root = m
	} else if f.Body != nil && f.Body.Contains(offset) {
		root = f.Body
	}
	var path []Node
	for n := root; n != nil; {
		path = append(path, n)
		var strict, loose Node
		Children(n, func(c Node) {
			r := c.Span()
			switch {
			case strict != nil:
			case r.Start <= offset && offset < r.End:
				strict = c
			case r.End == offset && r.Start < r.End:
				loose = c
			}
		})
		if strict != nil {
			n = strict
		} else {
			n = loose
		}
	}
	return path
}

// StatementAt returns the top-level statement containing offset (a
// statement of the enclosing method, or of a playground) and the
// enclosing method, which is nil for playground statements.
func (f *File) StatementAt(offset int) (Node, *Method) {
	path := f.NodePath(offset)
	var m *Method
	for i, n := range path {
		switch n := n.(type) {
		case *Method:
			m = n
		case *Sequence:
			if (m != nil && n == m.Body || m == nil && n == f.Body) && i+1 < len(path) {
				if isDecl(n.Temps, path[i+1]) {
					return nil, m
				}
				return path[i+1], m
			}
			return nil, m
		}
	}
	return nil, m
}

func isDecl(vs []*Variable, n Node) bool {
	for _, v := range vs {
		if Node(v) == n {
			return true
		}
	}
	return false
}

// IdentKind classifies what an identifier refers to.
type IdentKind uint8

// Identifier kinds.
const (
	IdentNone       IdentKind = iota
	IdentGlobal               // a capitalised name not bound locally: a class or global
	IdentClassVar             // a class variable of the method's class
	IdentInstVar              // an instance variable of the method's class
	IdentArg                  // a method or block argument
	IdentTemp                 // a method, block or playground temporary
	IdentPseudo               // self, super, thisContext, true, false, nil
	IdentUndeclared           // a lowercase name bound nowhere (a workspace variable)
	IdentSelector             // a message selector (sent, or defined by a method pattern)
	IdentSymbol               // a symbol literal
	IdentPragma               // a pragma selector
)

var identKindNames = [...]string{"none", "global", "class variable", "instance variable",
	"argument", "temporary", "pseudo-variable", "undeclared", "selector", "symbol", "pragma"}

func (k IdentKind) String() string {
	if int(k) < len(identKindNames) {
		return identKindNames[k]
	}
	return "ident"
}

// IsVariable reports whether k is a kind of variable.
func (k IdentKind) IsVariable() bool { return k >= IdentGlobal && k <= IdentUndeclared }

// Ident describes the identifier under a cursor.
type Ident struct {
	Kind IdentKind
	// Name is the variable name, or the full selector (at:put: even when
	// the cursor is on put:), or the symbol's value.
	Name string
	// Range is the token under the cursor.
	Range Range
	// Parts holds every selector part of a message, pattern or pragma.
	Parts []Range
	// Decl is the declaration of a local variable (argument or temporary),
	// when found in the file.
	Decl Range
	// Definition is set when the cursor is on a declaration: a method
	// pattern's selector, an argument or temporary declaration, or a
	// class definition's name.
	Definition bool
	// Method is the enclosing method, if any.
	Method *Method
	// Node is the innermost syntax node (nil for class definition names).
	Node Node
}

// IdentifierAt returns what the cursor at offset is on, or an Ident with
// Kind IdentNone.
func (f *File) IdentifierAt(offset int) Ident {
	for _, d := range f.Classes {
		if d.NameRange.Contains(offset) && d.NameRange.Len() > 0 {
			return Ident{Kind: IdentGlobal, Name: d.Name, Range: d.NameRange, Definition: !d.IsExtension}
		}
		if d.SuperclassRange.Contains(offset) && d.SuperclassRange.Len() > 0 {
			return Ident{Kind: IdentGlobal, Name: d.Superclass, Range: d.SuperclassRange}
		}
	}
	path := f.NodePath(offset)
	if len(path) == 0 {
		return Ident{}
	}
	var m *Method
	if mm, ok := path[0].(*Method); ok {
		m = mm
	}
	inner := path[len(path)-1]
	id := Ident{Method: m, Node: inner}
	partAt := func(parts []Range) (Range, bool) {
		for _, p := range parts {
			if p.Contains(offset) {
				return p, true
			}
		}
		return Range{}, false
	}
	switch n := inner.(type) {
	case *Variable:
		id.Name, id.Range = n.Name, n.Range
		id.Kind, id.Decl = f.resolve(path[:len(path)-1], m, n.Name)
		if id.Decl == n.Range {
			id.Definition = true
		}
		return id
	case *Message:
		if p, ok := partAt(n.Parts); ok {
			id.Kind, id.Name, id.Range, id.Parts = IdentSelector, n.Selector, p, n.Parts
			return id
		}
	case *Pragma:
		if p, ok := partAt(n.Parts); ok {
			id.Kind, id.Name, id.Range, id.Parts = IdentPragma, n.Selector, p, n.Parts
			return id
		}
	case *Literal:
		switch n.Kind {
		case LitSymbol:
			id.Kind, id.Name, id.Range = IdentSymbol, literalValue(f.Src, n), n.Range
			return id
		case LitTrue, LitFalse, LitNil:
			id.Kind, id.Name, id.Range = IdentPseudo, f.Text(n.Range), n.Range
			return id
		}
	case *Method:
		if p, ok := partAt(n.SelectorParts); ok {
			id.Kind, id.Name, id.Range, id.Parts, id.Definition = IdentSelector, n.Selector, p, n.SelectorParts, true
			return id
		}
		if n.ClassRange.Contains(offset) && n.ClassRange.Len() > 0 {
			r := n.ClassRange
			r.End = r.Start + len(n.ClassName)
			id.Kind, id.Name, id.Range = IdentGlobal, n.ClassName, r
			return id
		}
	}
	return Ident{}
}

// scopeEntry is a local variable visible at some point.
type scopeEntry struct {
	name string
	kind IdentKind
	decl Range
}

// resolve finds what name refers to, given the nodes enclosing the use.
func (f *File) resolve(path []Node, m *Method, name string) (IdentKind, Range) {
	for i := len(path) - 1; i >= 0; i-- {
		switch n := path[i].(type) {
		case *Block:
			if v := findVar(n.Args, name); v != nil {
				return IdentArg, v.Range
			}
		case *Sequence:
			if v := findVar(n.Temps, name); v != nil {
				return IdentTemp, v.Range
			}
		case *Method:
			if v := findVar(n.Args, name); v != nil {
				return IdentArg, v.Range
			}
		}
	}
	return f.resolveGlobal(m, name), Range{}
}

// resolveGlobal classifies a name not bound locally.
func (f *File) resolveGlobal(m *Method, name string) IdentKind {
	switch name {
	case "self", "super", "thisContext", "true", "false", "nil":
		return IdentPseudo
	}
	if m != nil {
		if d := f.classNamed(m.ClassName); d != nil {
			vars := d.InstVars
			if m.ClassSide {
				vars = d.ClassInstVars
			}
			if contains(vars, name) {
				return IdentInstVar
			}
			if contains(d.ClassVars, name) {
				return IdentClassVar
			}
		}
	}
	if r, _ := utf8.DecodeRuneInString(name); unicode.IsUpper(r) {
		return IdentGlobal
	}
	return IdentUndeclared
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func findVar(vs []*Variable, name string) *Variable {
	for _, v := range vs {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// Send is one message send.
type Send struct {
	Selector string
	// Range spans the selector parts (first keyword to last).
	Range   Range
	Parts   []Range
	Message *Message
}

// Sends returns the messages sent by m, in source order.
func (m *Method) Sends() []Send { return SentSelectors(m.Body) }

// SentSelectors returns the messages sent within n, in source order.
func SentSelectors(n Node) []Send {
	var out []Send
	if n == nil {
		return nil
	}
	Walk(n, func(n Node) {
		if msg, ok := n.(*Message); ok && msg.Selector != "" {
			out = append(out, Send{msg.Selector, msg.SelectorRange(), msg.Parts, msg})
		}
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Range.Start < out[j].Range.Start })
	return out
}

// Protocol is a group of methods of one category.
type Protocol struct {
	Name    string
	Methods []*Method
}

// ClassOutline groups a class's methods by side and category.
type ClassOutline struct {
	Name string
	// Class is the definition, nil for methods of a class defined elsewhere.
	Class *ClassDef
	// Range covers the definition and every method of the class.
	Range     Range
	Instance  []Protocol
	ClassSide []Protocol
}

// Outline returns the file's classes with their methods grouped by side
// and category (in order of first appearance), for a document outline.
func (f *File) Outline() []*ClassOutline {
	var out []*ClassOutline
	byName := make(map[string]*ClassOutline, len(f.Classes)+1)
	for _, d := range f.Classes {
		if _, dup := byName[d.Name]; dup {
			continue
		}
		o := &ClassOutline{Name: d.Name, Class: d, Range: d.DefRange}
		byName[d.Name] = o
		out = append(out, o)
	}
	for _, m := range f.Methods {
		o := byName[m.ClassName]
		if o == nil {
			o = &ClassOutline{Name: m.ClassName, Range: m.Range}
			byName[m.ClassName] = o
			out = append(out, o)
		}
		o.Range.Start = min(o.Range.Start, m.Start)
		o.Range.End = max(o.Range.End, m.End)
		side := &o.Instance
		if m.ClassSide {
			side = &o.ClassSide
		}
		i := len(*side) - 1
		for ; i >= 0 && (*side)[i].Name != m.Category; i-- {
		}
		if i < 0 {
			*side = append(*side, Protocol{Name: m.Category})
			i = len(*side) - 1
		}
		(*side)[i].Methods = append((*side)[i].Methods, m)
	}
	return out
}

// FoldKind distinguishes comment folds from code folds.
type FoldKind uint8

// Fold kinds.
const (
	FoldRegion FoldKind = iota
	FoldComment
)

// Fold is a foldable range.
type Fold struct {
	Range
	Kind FoldKind
}

// FoldingRanges returns the ranges spanning several lines that an editor
// can fold: class definitions, methods, blocks, literal and brace arrays,
// and comments. They are sorted by start offset.
func (f *File) FoldingRanges() []Fold {
	ls := f.lines()
	line := func(off int) int { return sort.Search(len(ls), func(i int) bool { return ls[i] > off }) }
	var out []Fold
	add := func(r Range, k FoldKind) {
		if r.End > r.Start && line(r.Start) != line(r.End-1) {
			out = append(out, Fold{r, k})
		}
	}
	for _, d := range f.Classes {
		add(d.DefRange, FoldRegion)
	}
	for _, c := range f.Comments {
		add(c, FoldComment)
	}
	visit := func(n Node) bool {
		switch n := n.(type) {
		case *Block, *Brace, *ArrayLiteral:
			r := n.Span()
			if line(r.Start) == line(r.End-1) {
				return false
			}
			add(r, FoldRegion)
		case *Method:
			add(n.Range, FoldRegion)
		}
		return true
	}
	for _, m := range f.Methods {
		Inspect(m, visit)
	}
	if f.Body != nil {
		for _, s := range f.Body.Statements {
			Inspect(s, visit)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}
