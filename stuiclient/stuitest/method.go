package stuitest

import (
	"strings"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// Method source as the backend's compiler reads it, on smalltalk/'s parser:
// the selector and arguments from the pattern, the syntax errors in Pharo's
// words, the variables the body names, and the formatter.

type varRef struct {
	text     string
	pos      int // 1-based character position
	declared bool
}

type parsedMethod struct {
	file     *smalltalk.File
	method   *smalltalk.Method
	selector string
	args     []string
	comment  string
	varRefs  []varRef
	sent     []string
}

// parseMethod reads the pattern and checks the body.
func parseMethod(src string) (*parsedMethod, error) {
	f := smalltalk.ParseMethod([]byte(src))
	m := f.Methods[0]
	if err := checkSyntax(f, m.Body); err != nil {
		return nil, err
	}
	pm := &parsedMethod{file: f, method: m, selector: m.Selector}
	for _, a := range m.Args {
		pm.args = append(pm.args, a.Name)
	}
	// The method's comment is the first one after the start of its pattern.
	for _, c := range f.Comments {
		if c.Start > m.PatternRange.Start {
			pm.comment = strings.Trim(f.Text(c), "\"")
			break
		}
	}
	for _, s := range m.Sends() {
		pm.sent = append(pm.sent, s.Selector)
	}
	pm.readVariables()
	return pm, nil
}

// readVariables records, in source order, each variable the body names, and
// whether the method or one of its blocks declares it.
func (pm *parsedMethod) readVariables() {
	declarations := map[*smalltalk.Variable]bool{}
	declared := map[string]bool{}
	declare := func(vs []*smalltalk.Variable) {
		for _, v := range vs {
			declarations[v] = true
			declared[v.Name] = true
		}
	}
	declare(pm.method.Args)
	if pm.method.Body == nil {
		return
	}
	smalltalk.Walk(pm.method.Body, func(n smalltalk.Node) {
		switch n := n.(type) {
		case *smalltalk.Sequence:
			declare(n.Temps)
		case *smalltalk.Block:
			declare(n.Args)
			declare(n.Temps)
		}
	})
	smalltalk.Walk(pm.method.Body, func(n smalltalk.Node) {
		if v, ok := n.(*smalltalk.Variable); ok && !declarations[v] {
			pm.varRefs = append(pm.varRefs, varRef{v.Name, charPos(pm.file.Src, v.Start), declared[v.Name]})
		}
	})
}

// format lays a method out the way the test backend's formatter does: the
// pattern, a blank line, then one tab-indented statement per line.
func format(src string, isMethod bool) (string, error) {
	text := src
	if !isMethod {
		text = "doIt " + src
	}
	pm, err := parseMethod(text)
	if err != nil {
		if se, ok := err.(*syntaxError); ok && !isMethod {
			se.pos -= len("doIt ")
		}
		return "", err
	}
	var b strings.Builder
	if isMethod {
		if len(pm.args) == 0 {
			b.WriteString(pm.selector)
		} else if strings.HasSuffix(pm.selector, ":") {
			parts := strings.SplitAfter(pm.selector, ":")
			for i, a := range pm.args {
				if i > 0 {
					b.WriteString(" ")
				}
				b.WriteString(parts[i] + " " + a)
			}
		} else {
			b.WriteString(pm.selector + " " + pm.args[0])
		}
	}
	var stmts []string
	var cur strings.Builder
	depth := 0
	var prev smalltalk.TokenKind
	for _, t := range bodyTokens(pm.file, pm.method.PatternRange.End) {
		switch t.kind {
		case smalltalk.LParen, smalltalk.LBracket, smalltalk.LBrace, smalltalk.LiteralArray, smalltalk.ByteArray:
			depth++
		case smalltalk.RParen, smalltalk.RBracket, smalltalk.RBrace:
			depth--
		}
		if t.kind == smalltalk.Period && depth == 0 {
			stmts = append(stmts, cur.String())
			cur.Reset()
			continue
		}
		if cur.Len() > 0 && spaceBetween(prev, t.kind) {
			cur.WriteByte(' ')
		}
		cur.WriteString(t.text)
		prev = t.kind
	}
	if cur.Len() > 0 {
		stmts = append(stmts, cur.String())
	}
	if !isMethod {
		return strings.Join(stmts, ".\n"), nil
	}
	if len(stmts) > 0 {
		b.WriteString("\n\n\t" + strings.Join(stmts, ".\n\t"))
	}
	return b.String(), nil
}

// sourceToken is a token or a comment of the source, by its text.
type sourceToken struct {
	kind smalltalk.TokenKind // comment for a comment
	text string
}

// comment marks a comment among the tokens; the scanner has no kind for it.
const comment = smalltalk.Illegal

// bodyTokens lists the tokens and comments of f from offset from on, in
// source order, as smalltalk/'s scanner reads them.
func bodyTokens(f *smalltalk.File, from int) []sourceToken {
	s := smalltalk.NewScanner(f.Src, from, len(f.Src))
	var out []sourceToken
	next := 0 // the first comment not yet placed
	for {
		t := s.Next()
		for ; next < len(s.Comments) && (t.Kind == smalltalk.EOF || s.Comments[next].Start < t.Start); next++ {
			out = append(out, sourceToken{comment, f.Text(s.Comments[next])})
		}
		if t.Kind == smalltalk.EOF {
			return out
		}
		out = append(out, sourceToken{t.Kind, f.Text(t.Range)})
	}
}

func spaceBetween(prev, next smalltalk.TokenKind) bool {
	switch {
	case next == smalltalk.RParen || next == smalltalk.RBracket || next == smalltalk.RBrace ||
		next == smalltalk.Semicolon || next == smalltalk.Period:
		return false
	case prev == smalltalk.LParen || prev == smalltalk.LBracket || prev == smalltalk.LBrace ||
		prev == smalltalk.LiteralArray || prev == smalltalk.ByteArray || prev == smalltalk.Colon:
		return false
	}
	return true
}
