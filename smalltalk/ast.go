package smalltalk

// Node is a syntax tree node. Every node knows its byte range.
type Node interface {
	Span() Range
	node()
}

// LiteralKind says which kind of literal a Literal is.
type LiteralKind uint8

// Literal kinds.
const (
	LitNumber LiteralKind = iota
	LitString
	LitSymbol
	LitCharacter
	LitTrue
	LitFalse
	LitNil
)

// Literal is a number, string, symbol, character, true, false or nil.
// Its text is File.Text(lit.Range); a negative number includes its '-'.
type Literal struct {
	Range
	Kind LiteralKind
}

// Variable is a reference to a variable or a pseudo-variable (self, super,
// thisContext). It is also used for declarations (arguments, temporaries).
type Variable struct {
	Range
	Name string
}

// IsPseudo reports whether v is self, super or thisContext.
func (v *Variable) IsPseudo() bool {
	return v.Name == "self" || v.Name == "super" || v.Name == "thisContext"
}

// Assignment is Var := Value (or the old Var _ Value).
type Assignment struct {
	Range
	Var   *Variable
	Value Node
}

// MessageKind is the syntactic kind of a message.
type MessageKind uint8

// Message kinds.
const (
	Unary MessageKind = iota
	BinaryMsg
	KeywordMsg
)

// Message is a message send. For a keyword message Parts holds the range
// of each keyword and Selector their concatenation (at:put:).
//
// Inside a Cascade every message shares the cascade's Receiver; those
// messages' ranges start at their selector, so the receiver lies outside
// them (Walk visits it once, as the cascade's child).
type Message struct {
	Range
	Kind     MessageKind
	Receiver Node
	Selector string
	Parts    []Range
	Args     []Node
}

// SelectorRange spans the message's selector parts (from the first
// keyword to the last, arguments in between included).
func (m *Message) SelectorRange() Range {
	if len(m.Parts) == 0 {
		return Range{m.Start, m.Start}
	}
	return Range{m.Parts[0].Start, m.Parts[len(m.Parts)-1].End}
}

// Cascade is Receiver msg1; msg2; ...
type Cascade struct {
	Range
	Receiver Node
	Messages []*Message
}

// Paren is a parenthesised expression.
type Paren struct {
	Range
	X Node
}

// Block is [:a :b | | t | statements].
type Block struct {
	Range
	Args  []*Variable
	Temps []*Variable
	Body  *Sequence
}

// Return is ^ Value.
type Return struct {
	Range
	Value Node
}

// ArrayLiteral is a literal array #( ... ) or, with Bytes set, a byte
// array #[ ... ]. Nested arrays inside a literal array may be written
// without '#'.
type ArrayLiteral struct {
	Range
	Bytes    bool
	Elements []Node
}

// Brace is a dynamic array { expr. expr }.
type Brace struct {
	Range
	Elements []Node
}

// Pragma is <selector args>, as in <primitive: 60>.
type Pragma struct {
	Range
	Selector string
	Parts    []Range
	Args     []Node
}

// Sequence is a list of statements with optional temporaries.
type Sequence struct {
	Range
	Temps      []*Variable
	Statements []Node
}

// Bad stands for a piece of source that could not be parsed.
type Bad struct {
	Range
}

func (*Literal) node()      {}
func (*Variable) node()     {}
func (*Assignment) node()   {}
func (*Message) node()      {}
func (*Cascade) node()      {}
func (*Paren) node()        {}
func (*Block) node()        {}
func (*Return) node()       {}
func (*ArrayLiteral) node() {}
func (*Brace) node()        {}
func (*Pragma) node()       {}
func (*Sequence) node()     {}
func (*Bad) node()          {}
func (*Method) node()       {}

// Children calls fn for each direct child of n, in source order.
func Children(n Node, fn func(Node)) {
	switch n := n.(type) {
	case *Method:
		for _, a := range n.Args {
			fn(a)
		}
		for _, p := range n.Pragmas {
			fn(p)
		}
		if n.Body != nil {
			fn(n.Body)
		}
	case *Sequence:
		for _, t := range n.Temps {
			fn(t)
		}
		for _, s := range n.Statements {
			fn(s)
		}
	case *Assignment:
		fn(n.Var)
		if n.Value != nil {
			fn(n.Value)
		}
	case *Message:
		if n.Receiver != nil && n.Receiver.Span().Start >= n.Start {
			fn(n.Receiver)
		}
		for _, a := range n.Args {
			fn(a)
		}
	case *Cascade:
		if n.Receiver != nil {
			fn(n.Receiver)
		}
		for _, m := range n.Messages {
			fn(m)
		}
	case *Paren:
		if n.X != nil {
			fn(n.X)
		}
	case *Block:
		for _, a := range n.Args {
			fn(a)
		}
		for _, t := range n.Temps {
			fn(t)
		}
		if n.Body != nil {
			fn(n.Body)
		}
	case *Return:
		if n.Value != nil {
			fn(n.Value)
		}
	case *ArrayLiteral:
		for _, e := range n.Elements {
			fn(e)
		}
	case *Brace:
		for _, e := range n.Elements {
			fn(e)
		}
	case *Pragma:
		for _, a := range n.Args {
			fn(a)
		}
	}
}

// Inspect walks the tree rooted at n in depth-first source order, calling
// fn for each node. If fn returns false the node's children are skipped.
// It keeps its own stack: a chain of messages nests one node per send, as
// deep as the input is long.
func Inspect(n Node, fn func(Node) bool) {
	stack := []Node{n}
	var kids []Node
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || !fn(n) {
			continue
		}
		kids = kids[:0]
		Children(n, func(c Node) { kids = append(kids, c) })
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
}

// Walk calls fn for every node of the tree rooted at n.
func Walk(n Node, fn func(Node)) {
	Inspect(n, func(n Node) bool { fn(n); return true })
}
