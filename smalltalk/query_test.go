package smalltalk

import (
	"strings"
	"testing"
)

// marked strips markers from src: each ‸ marks a cursor offset and each
// «...» a range. Offsets refer to the stripped text.
func marked(src string) (clean []byte, cursors []int, ranges []Range) {
	var open []int
	for i := 0; i < len(src); {
		switch {
		case strings.HasPrefix(src[i:], "‸"):
			cursors = append(cursors, len(clean))
			i += len("‸")
		case strings.HasPrefix(src[i:], "«"):
			open = append(open, len(clean))
			i += len("«")
		case strings.HasPrefix(src[i:], "»"):
			ranges = append(ranges, Range{open[len(open)-1], len(clean)})
			open = open[:len(open)-1]
			i += len("»")
		default:
			clean = append(clean, src[i])
			i++
		}
	}
	return clean, cursors, ranges
}

const tonelHeader = "Class {\n\t#name : #Foo,\n\t#superclass : #Object,\n\t#instVars : [ 'count' ],\n\t#classVars : [ 'Shared' ],\n\t#category : #X\n}\n\n"

func TestLexer(t *testing.T) {
	tests := []struct {
		src  string
		want []TokenKind
	}{
		{"16r1F 2r1010 36rZZ 16r-1F 1.5s2 3s 1e10 2.5e-3 16r1Fe2 1_000", []TokenKind{Number, Number, Number, Number, Number, Number, Number, Number, Number, Number}},
		{"$' $\" $  $$ $a", []TokenKind{Character, Character, Character, Character, Character}},
		{"'it''s' #foo #foo:bar: #+ #'quoted sym' ##foo", []TokenKind{String, Symbol, Symbol, Symbol, Symbol, Symbol}},
		{"#( #[ { } ( ) [ ] . ; ^ :=", []TokenKind{LiteralArray, ByteArray, LBrace, RBrace, LParen, RParen, LBracket, RBracket, Period, Semicolon, Caret, Assign}},
		{"-> ==> ~~ ~= <= , x <- y", []TokenKind{Binary, Binary, Binary, Binary, Binary, Binary, Identifier, Binary, Identifier}},
		{"3-4 3--4", []TokenKind{Number, Binary, Number, Number, Binary, Binary, Number}},
		{"at: put: foo:bar: a _ b _: x", []TokenKind{Keyword, Keyword, Keyword, Identifier, Assign, Identifier, Keyword, Identifier}},
		{"\"a \"\"quoted\"\" comment\" x", []TokenKind{Identifier}},
		{"café ±", []TokenKind{Identifier, Binary}},
	}
	for _, tt := range tests {
		s := NewScanner([]byte(tt.src), 0, len(tt.src))
		var got []TokenKind
		for tok := s.Next(); tok.Kind != EOF; tok = s.Next() {
			got = append(got, tok.Kind)
		}
		if len(s.Errors) > 0 {
			t.Errorf("%q: errors %v", tt.src, s.Errors)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%q: got %v, want %v", tt.src, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%q: token %d is %v, want %v", tt.src, i, got[i], tt.want[i])
			}
		}
	}
}

func TestLexerErrors(t *testing.T) {
	for src, want := range map[string]string{
		"'abc":     "unterminated string",
		"\"abc":    "unterminated comment",
		"$":        "character literal is missing its character after '$'",
		"# ":       "expected a symbol after '#'",
		"99r1":     "invalid radix number",
		"x \x01 y": "illegal character",
	} {
		s := NewScanner([]byte(src), 0, len(src))
		for s.Next().Kind != EOF {
		}
		if len(s.Errors) == 0 || s.Errors[0].Message != want {
			t.Errorf("%q: errors %v, want %q", src, s.Errors, want)
		}
	}
}

func TestKindDetection(t *testing.T) {
	tests := map[string]Kind{
		"\"comment\"\nClass { #name : #A }":  TonelClass,
		"Trait { #name : #T }":               TonelTrait,
		"Extension { #name : #String }":      TonelExtension,
		"Package { #name : 'P' }":            TonelPackage,
		"Object subclass: #A!\n":             Chunk,
		"!A methodsFor: 'x'!\nfoo\n\t^ 1! !": Chunk,
		"| a | a := 3. a printString":        Playground,
		"Transcript show: 'Hello!'; cr":      Playground,
		"":                                   Playground,
	}
	for src, want := range tests {
		// The name is deliberately misleading: the content decides.
		if got := Parse("x.class.st", []byte(src)).Kind; got != want {
			t.Errorf("%q: kind %v, want %v", src, got, want)
		}
	}
}

func TestIdentifierAt(t *testing.T) {
	src := tonelHeader + `{ #category : #a }
Foo >> «at:» i «put:» v [
	| «tmp» |
	tmp := «cou‸nt» + i.
	^ self «a‸t:» 1 «pu‸t:» 2; yourself
]

{ #category : #a }
Foo class >> make [
	^ [ :«e‸ach» | each + Sh‸ared + Tran‸script + co‸unt + un‸known + #sy‸m:bol: ] value: tm‸p
]
`
	clean, cur, rng := marked(src)
	f := Parse("Foo.class.st", clean)
	if len(f.Errors) > 0 {
		t.Fatalf("errors: %v", f.Errors)
	}
	tests := []struct {
		cursor int
		kind   IdentKind
		name   string
		decl   bool
	}{
		{cur[0], IdentInstVar, "count", false},
		{cur[1], IdentSelector, "at:put:", false},
		{cur[2], IdentSelector, "at:put:", false},
		{cur[3], IdentArg, "each", true},
		{cur[4], IdentClassVar, "Shared", false},
		{cur[5], IdentGlobal, "Transcript", false},
		{cur[6], IdentUndeclared, "count", false}, // class side: count is an instance variable of the instance side
		{cur[7], IdentUndeclared, "unknown", false},
		{cur[8], IdentSymbol, "sym:bol:", false},
		{cur[9], IdentUndeclared, "tmp", false},
		{rng[0].Start, IdentSelector, "at:put:", true},
		{rng[1].End, IdentSelector, "at:put:", true},
		{rng[2].Start, IdentTemp, "tmp", true},
	}
	for i, tt := range tests {
		id := f.IdentifierAt(tt.cursor)
		if id.Kind != tt.kind || id.Name != tt.name || id.Definition != tt.decl {
			t.Errorf("case %d: got %v %q def=%v, want %v %q def=%v", i, id.Kind, id.Name, id.Definition, tt.kind, tt.name, tt.decl)
		}
	}
	if id := f.IdentifierAt(cur[1]); len(id.Parts) != 2 || id.Parts[0] != rng[4] || id.Parts[1] != rng[5] || id.Range != rng[4] {
		t.Errorf("selector parts %v range %v, want %v %v", id.Parts, id.Range, rng[4:6], rng[4])
	}
	if id := f.IdentifierAt(cur[0]); id.Range != rng[3] {
		t.Errorf("variable range %v, want %v", id.Range, rng[3])
	}
	if id := f.IdentifierAt(cur[3]); id.Range != rng[6] {
		t.Errorf("block arg range %v, want %v", id.Range, rng[6])
	}
}

func TestStatementAndNodePath(t *testing.T) {
	src := "| a |\n«a := 3 + ‸4».\n«a printString; ‸yourself».\n«^ [ :x | x ‸foo ]»"
	clean, cur, rng := marked(src)
	f := Parse("p.st", clean)
	if len(f.Errors) > 0 {
		t.Fatalf("errors: %v", f.Errors)
	}
	for i, c := range cur {
		st, m := f.StatementAt(c)
		if m != nil || st == nil || st.Span() != rng[i] {
			t.Errorf("cursor %d: statement %v (method %v), want %v", i, st, m, rng[i])
		}
	}
	path := f.NodePath(cur[2])
	var kinds []string
	for _, n := range path {
		kinds = append(kinds, strings.TrimPrefix(strings.TrimPrefix(typeName(n), "*smalltalk."), "*"))
	}
	if got := strings.Join(kinds, " "); got != "Sequence Return Block Sequence Message" {
		t.Errorf("path %s", got)
	}
	if st, _ := f.StatementAt(1); st != nil {
		t.Errorf("statement at temps declaration: %v", st)
	}
}

func typeName(n Node) string {
	switch n.(type) {
	case *Sequence:
		return "Sequence"
	case *Return:
		return "Return"
	case *Block:
		return "Block"
	case *Message:
		return "Message"
	case *Variable:
		return "Variable"
	case *Method:
		return "Method"
	}
	return "?"
}

func TestMethodQueries(t *testing.T) {
	src := tonelHeader + `{ #category : #accessing }
«Foo >> count [
	^ count
]»

{ #category : #ops }
«Foo >> bump [
	count := count «+» 1.
	self «at:» 1 «put:» (self «size»); «yourself»
]»

{ #category : #accessing }
«Foo class >> new [
	^ super «new» «initialize»
]»
`
	clean, _, rng := marked(src)
	f := Parse("Foo.class.st", clean)
	if len(f.Errors) > 0 {
		t.Fatalf("errors: %v", f.Errors)
	}
	if len(f.Methods) != 3 {
		t.Fatalf("%d methods", len(f.Methods))
	}
	methodRanges := []Range{rng[0], rng[6], rng[9]}
	for i, m := range f.Methods {
		want := methodRanges[i]
		want.Start -= len("{ #category : #accessing }\n")
		if i == 1 {
			want.Start += len("{ #category : #accessing }\n") - len("{ #category : #ops }\n")
		}
		if m.Range != want {
			t.Errorf("method %s range %v, want %v", m.Selector, m.Range, want)
		}
		if f.MethodAt(m.BodyRange.Start) != m {
			t.Errorf("MethodAt(%s body) wrong", m.Selector)
		}
	}
	var got []string
	for _, s := range f.Methods[1].Sends() {
		got = append(got, s.Selector)
	}
	if strings.Join(got, " ") != "+ at:put: size yourself" {
		t.Errorf("sends %v", got)
	}
	sends := f.Methods[1].Sends()
	if sends[1].Parts[0] != rng[2] || sends[1].Parts[1] != rng[3] {
		t.Errorf("at:put: parts %v, want %v %v", sends[1].Parts, rng[2], rng[3])
	}
	out := f.Outline()
	if len(out) != 1 || out[0].Class == nil || len(out[0].Instance) != 2 || len(out[0].ClassSide) != 1 ||
		out[0].Instance[0].Name != "accessing" || out[0].Instance[1].Methods[0].Selector != "bump" {
		t.Errorf("outline %+v", out[0])
	}
	// A compiler error at line 2, column 2 of bump's source points at "count".
	m := f.Methods[1]
	off := m.FileOffsetAt(2, 2)
	if got := string(clean[off : off+5]); got != "count" {
		t.Errorf("FileOffsetAt(2,2) -> %q", got)
	}
	if m.SourceOffset(off) != strings.Index(m.Source, "count") {
		t.Errorf("SourceOffset mismatch")
	}
}

func TestFoldingRanges(t *testing.T) {
	src := tonelHeader + "Foo >> a [\n\t^ [ :x |\n\t\tx ] value: 1\n]\n\nFoo >> b [ ^ [ 1 ] ]\n"
	f := Parse("Foo.class.st", []byte(src))
	folds := f.FoldingRanges()
	var got []string
	for _, fo := range folds {
		got = append(got, strings.SplitN(f.Text(fo.Range), "\n", 2)[0])
	}
	want := []string{"Class {", "Foo >> a [", "[ :x |"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("folds %q, want %q", got, want)
	}
}

func TestTokens(t *testing.T) {
	src := tonelHeader + "Foo >> at: i [\n\t\"c\" <pragma>\n\t| t |\n\tt := count at: i.\n\t^ self foo: #sym bar: $c , 'str' , 3 , Shared , nil\n]\n"
	f := Parse("Foo.class.st", []byte(src))
	if len(f.Errors) > 0 {
		t.Fatalf("errors: %v", f.Errors)
	}
	var got []string
	for _, tk := range f.Tokens(f.Methods[0].Range) {
		got = append(got, f.Text(tk.Range)+"="+tk.Class.String())
	}
	want := "Foo=global at:=keywordSelector i=argument \"c\"=comment <=pragma pragma=pragma >=pragma t=temporary " +
		"t=temporary count=instanceVariable at:=keywordSelector i=argument self=pseudoVariable foo:=keywordSelector " +
		"#sym=symbol bar:=keywordSelector $c=character ,=binaryOperator 'str'=string ,=binaryOperator 3=number " +
		",=binaryOperator Shared=classVariable ,=binaryOperator nil=pseudoVariable"
	if strings.Join(got, " ") != want {
		t.Errorf("tokens\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	all := f.Tokens(Range{})
	for i := 1; i < len(all); i++ {
		if all[i].Start < all[i-1].Start {
			t.Fatalf("tokens out of order at %d", i)
		}
	}
}

func TestRecoveryKeepsLaterMethods(t *testing.T) {
	src := tonelHeader + "Foo >> a [\n\t^ [ 1\n]\n\nFoo >> b [\n\t^ 2\n]\n\nFoo >> c [ ^ 1 ] ]\n\nFoo >> d [ ^ 4 ]\n"
	f := Parse("Foo.class.st", []byte(src))
	var sels []string
	for _, m := range f.Methods {
		sels = append(sels, m.Selector)
	}
	if strings.Join(sels, " ") != "a b c d" {
		t.Errorf("methods %v", sels)
	}
	if len(f.Errors) != 2 || !strings.Contains(f.Errors[0].Message, "expected ']' to close block opened at 10:4") {
		t.Errorf("errors %v", f.Errors)
	}
}

func TestLineColCountsCharacters(t *testing.T) {
	clean, cur, _ := marked("\"café 😀\"\nx := ‸1 + «é»")
	f := Parse("p.st", clean)
	if l, c := f.LineCol(cur[0]); l != 2 || c != 6 {
		t.Errorf("LineCol = %d:%d, want 2:6", l, c)
	}
	if l, c := f.LineCol(len(clean)); l != 2 || c != 11 {
		t.Errorf("LineCol(end) = %d:%d, want 2:11", l, c)
	}
	if f.LineStart(2) != strings.Index(string(clean), "x") {
		t.Errorf("LineStart(2) = %d", f.LineStart(2))
	}
}
