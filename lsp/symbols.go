package lsp

import (
	"context"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// DocumentSymbol answers the outline: each class with its instance-side
// protocols, then a "Foo class" child with the class-side ones, each protocol
// holding its methods. A playground lists its temporaries and the variables
// its statements assign.
func (s *server) DocumentSymbol(_ context.Context, params *protocol.DocumentSymbolParams) (protocol.DocumentSymbolResult, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return protocol.DocumentSymbolSlice{}, nil
	}
	return protocol.DocumentSymbolSlice(s.documentSymbols(doc)), nil
}

func (s *server) documentSymbols(doc *document) []protocol.DocumentSymbol {
	f := doc.file()
	lines := doc.lines()
	rng := func(r smalltalk.Range) protocol.Range { return lines.rangeOf(r.Start, r.End, s.encoding) }
	out := []protocol.DocumentSymbol{}
	for _, c := range f.Outline() {
		sym := protocol.DocumentSymbol{Name: c.Name, Kind: protocol.SymbolKindClass, Range: rng(c.Range)}
		sel := c.Range
		if c.Class != nil && c.Class.NameRange.Len() > 0 {
			sel = c.Class.NameRange
			detail := "class"
			switch {
			case c.Class.IsTrait:
				detail = "trait"
			case c.Class.IsExtension:
				detail = "extension"
			case c.Class.Superclass != "":
				detail = "< " + c.Class.Superclass
			}
			sym.Detail = &detail
		} else if ms := firstMethod(c); ms != nil {
			sel = ms.SelectorRange
		}
		sym.SelectionRange = rng(sel)
		sym.Children = protocolSymbols(c.Instance, rng)
		if len(c.ClassSide) > 0 {
			side := protocolSymbols(c.ClassSide, rng)
			r := smalltalk.Range{Start: c.ClassSide[0].Methods[0].Start, End: c.ClassSide[0].Methods[0].End}
			for _, p := range c.ClassSide {
				for _, m := range p.Methods {
					r.Start, r.End = min(r.Start, m.Start), max(r.End, m.End)
				}
			}
			sym.Children = append(sym.Children, protocol.DocumentSymbol{
				Name: c.Name + " class", Kind: protocol.SymbolKindClass,
				Range: rng(r), SelectionRange: rng(c.ClassSide[0].Methods[0].SelectorRange),
				Children: side,
			})
		}
		out = append(out, sym)
	}
	if f.Kind == smalltalk.Playground {
		out = append(out, playgroundSymbols(f.File, rng)...)
	}
	return out
}

func firstMethod(c *smalltalk.ClassOutline) *smalltalk.Method {
	for _, side := range [][]smalltalk.Protocol{c.Instance, c.ClassSide} {
		if len(side) > 0 && len(side[0].Methods) > 0 {
			return side[0].Methods[0]
		}
	}
	return nil
}

func protocolSymbols(ps []smalltalk.Protocol, rng func(smalltalk.Range) protocol.Range) []protocol.DocumentSymbol {
	out := make([]protocol.DocumentSymbol, 0, len(ps))
	for _, p := range ps {
		name := p.Name
		if name == "" {
			name = "as yet unclassified"
		}
		r := p.Methods[0].Range
		children := make([]protocol.DocumentSymbol, 0, len(p.Methods))
		for _, m := range p.Methods {
			r.Start, r.End = min(r.Start, m.Start), max(r.End, m.End)
			children = append(children, protocol.DocumentSymbol{
				Name: m.Selector, Kind: protocol.SymbolKindMethod,
				Range: rng(m.Range), SelectionRange: rng(m.SelectorRange),
			})
		}
		out = append(out, protocol.DocumentSymbol{
			Name: name, Kind: protocol.SymbolKindNamespace,
			Range: rng(r), SelectionRange: rng(p.Methods[0].SelectorRange),
			Children: children,
		})
	}
	return out
}

// playgroundSymbols lists the declared temporaries and the variables assigned
// at the top level, each once.
func playgroundSymbols(f *smalltalk.File, rng func(smalltalk.Range) protocol.Range) []protocol.DocumentSymbol {
	var out []protocol.DocumentSymbol
	seen := map[string]bool{}
	add := func(v *smalltalk.Variable, whole smalltalk.Range) {
		if seen[v.Name] {
			return
		}
		seen[v.Name] = true
		out = append(out, protocol.DocumentSymbol{Name: v.Name, Kind: protocol.SymbolKindVariable, Range: rng(whole), SelectionRange: rng(v.Range)})
	}
	for _, t := range f.Temps {
		add(t, t.Range)
	}
	for _, st := range f.Statements {
		if a, ok := st.(*smalltalk.Assignment); ok && a.Var != nil {
			add(a.Var, a.Range)
		}
	}
	return out
}
