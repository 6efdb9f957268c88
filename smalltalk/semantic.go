package smalltalk

import (
	"slices"
	"sort"
	"unicode"
	"unicode/utf8"
)

// TokenClass is the highlighting class of a semantic token.
type TokenClass uint8

// Semantic token classes.
const (
	TokKeywordSelector TokenClass = iota // at: put:
	TokUnarySelector                     // size
	TokBinaryOperator                    // + -> ,
	TokGlobal                            // a class or global: a capitalised unbound name
	TokInstVar                           // an instance variable
	TokClassVar                          // a class variable
	TokTemp                              // a temporary variable
	TokArg                               // a method or block argument
	TokPseudo                            // self super thisContext true false nil
	TokNumber
	TokString
	TokSymbol
	TokCharacter
	TokComment
	TokPragma // a pragma's selector parts and angle brackets
	TokUndeclared
)

var tokenClassNames = [...]string{"keywordSelector", "unarySelector", "binaryOperator",
	"global", "instanceVariable", "classVariable", "temporary", "argument", "pseudoVariable",
	"number", "string", "symbol", "character", "comment", "pragma", "undeclared"}

func (c TokenClass) String() string {
	if int(c) < len(tokenClassNames) {
		return tokenClassNames[c]
	}
	return "token"
}

// SemanticToken is a classified range for semantic highlighting.
type SemanticToken struct {
	Range
	Class TokenClass
	// Declaration marks the declaring occurrence of an argument or temporary,
	// a method pattern's selector parts, and a class definition's name.
	Declaration bool
}

// Tokens returns the classified tokens of the file in source order,
// restricted to those overlapping r; an empty r (End <= Start) means the
// whole file.
func (f *File) Tokens(r Range) []SemanticToken {
	if r.End <= r.Start {
		r = Range{0, len(f.Src)}
	}
	t := &tokenizer{f: f, r: r}
	for _, d := range f.Classes {
		t.add(d.NameRange, TokGlobal, !d.IsExtension)
		t.add(d.SuperclassRange, TokGlobal, false)
	}
	// Comments are in source order: those ending before r are skipped.
	c := sort.Search(len(f.Comments), func(i int) bool { return f.Comments[i].End > r.Start })
	for ; c < len(f.Comments) && f.Comments[c].Start < r.End; c++ {
		t.add(f.Comments[c], TokComment, false)
	}
	i := sort.Search(len(f.Methods), func(i int) bool { return f.Methods[i].End > r.Start })
	for ; i < len(f.Methods) && f.Methods[i].Start < r.End; i++ {
		t.method(f.Methods[i])
	}
	if f.Body != nil {
		t.m = nil
		t.node(f.Body)
	}
	slices.SortStableFunc(t.out, func(a, b SemanticToken) int { return a.Start - b.Start })
	return t.out
}

// TokensStartingIn returns the tokens of Tokens(Range{}) that start in
// [r.Start, r.End), in the same order: the whole file's tokens are the
// concatenation of those of consecutive ranges, so a range that an edit
// did not touch can keep its tokens.
func (f *File) TokensStartingIn(r Range) []SemanticToken {
	if r.End <= r.Start {
		return nil
	}
	toks := f.Tokens(r)
	i := 0
	for i < len(toks) && toks[i].Start < r.Start {
		i++
	}
	j := len(toks)
	for j > i && toks[j-1].Start >= r.End {
		j--
	}
	return toks[i:j]
}

type tokenizer struct {
	f     *File
	r     Range
	out   []SemanticToken
	m     *Method
	scope []scopeEntry
}

func (t *tokenizer) add(r Range, c TokenClass, decl bool) {
	if r.End > r.Start && r.End > t.r.Start && r.Start < t.r.End {
		t.out = append(t.out, SemanticToken{r, c, decl})
	}
}

func (t *tokenizer) method(m *Method) {
	t.m = m
	t.scope = t.scope[:0]
	if m.ClassRange.Len() > 0 {
		t.add(Range{m.ClassRange.Start, m.ClassRange.Start + len(m.ClassName)}, TokGlobal, false)
	}
	c := selectorClass(m.Selector)
	for _, p := range m.SelectorParts {
		t.add(p, c, true)
	}
	for _, a := range m.Args {
		t.add(a.Range, TokArg, true)
		t.scope = append(t.scope, scopeEntry{a.Name, IdentArg, a.Range})
	}
	for _, p := range m.Pragmas {
		t.add(Range{p.Start, p.Start + 1}, TokPragma, false)
		for _, part := range p.Parts {
			t.add(part, TokPragma, false)
		}
		for _, a := range p.Args {
			t.node(a)
		}
		t.add(Range{p.End - 1, p.End}, TokPragma, false)
	}
	if m.Body != nil {
		t.node(m.Body)
	}
}

func selectorClass(sel string) TokenClass {
	if sel == "" {
		return TokUnarySelector
	}
	if sel[len(sel)-1] == ':' {
		return TokKeywordSelector
	}
	if r, _ := utf8.DecodeRuneInString(sel); r == '_' || unicode.IsLetter(r) {
		return TokUnarySelector
	}
	return TokBinaryOperator
}

var identClass = [...]TokenClass{
	IdentGlobal: TokGlobal, IdentClassVar: TokClassVar, IdentInstVar: TokInstVar,
	IdentArg: TokArg, IdentTemp: TokTemp, IdentPseudo: TokPseudo, IdentUndeclared: TokUndeclared,
}

func (t *tokenizer) declare(vs []*Variable, k IdentKind) {
	for _, v := range vs {
		t.scope = append(t.scope, scopeEntry{v.Name, k, v.Range})
		c := TokTemp
		if k == IdentArg {
			c = TokArg
		}
		t.add(v.Range, c, true)
	}
}

// node classifies the tokens of the tree rooted at n. It keeps its own
// stack of pending work (see Inspect); a pending item with a nil node
// closes a scope, restoring t.scope to its length.
func (t *tokenizer) node(root Node) {
	type pending struct {
		n         Node
		scopeMark int
	}
	stack := []pending{{n: root}}
	push := func(n Node) {
		if n != nil {
			stack = append(stack, pending{n: n})
		}
	}
	var kids []Node
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := top.n
		if n == nil {
			t.scope = t.scope[:top.scopeMark]
			continue
		}
		if s := n.Span(); s.End < t.r.Start || s.Start > t.r.End {
			continue
		}
		switch n := n.(type) {
		case *Variable:
			k := IdentKind(0)
			for i := len(t.scope) - 1; i >= 0; i-- {
				if t.scope[i].name == n.Name {
					k = t.scope[i].kind
					break
				}
			}
			if k == 0 {
				k = t.f.resolveGlobal(t.m, n.Name)
			}
			t.add(n.Range, identClass[k], false)
		case *Literal:
			switch n.Kind {
			case LitNumber:
				t.add(n.Range, TokNumber, false)
			case LitString:
				t.add(n.Range, TokString, false)
			case LitSymbol:
				t.add(n.Range, TokSymbol, false)
			case LitCharacter:
				t.add(n.Range, TokCharacter, false)
			default:
				t.add(n.Range, TokPseudo, false)
			}
		case *Message:
			c := TokKeywordSelector
			switch n.Kind {
			case Unary:
				c = TokUnarySelector
			case BinaryMsg:
				c = TokBinaryOperator
			}
			for _, p := range n.Parts {
				t.add(p, c, false)
			}
			if n.Kind != Unary {
				for i := min(len(n.Args), len(n.Parts)) - 1; i >= 0; i-- {
					push(n.Args[i])
				}
			}
			if n.Receiver != nil && n.Receiver.Span().Start >= n.Start {
				push(n.Receiver)
			}
		case *Block:
			stack = append(stack, pending{scopeMark: len(t.scope)})
			t.declare(n.Args, IdentArg)
			if n.Body != nil {
				push(n.Body)
			}
		case *Sequence:
			stack = append(stack, pending{scopeMark: len(t.scope)})
			t.declare(n.Temps, IdentTemp)
			for i := len(n.Statements) - 1; i >= 0; i-- {
				push(n.Statements[i])
			}
		case *ArrayLiteral:
			for i := len(n.Elements) - 1; i >= 0; i-- {
				push(n.Elements[i])
			}
		default:
			kids = kids[:0]
			Children(n, func(c Node) { kids = append(kids, c) })
			for i := len(kids) - 1; i >= 0; i-- {
				push(kids[i])
			}
		}
	}
}
