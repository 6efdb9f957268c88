package lsp

import (
	"context"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// Semantic token types and modifiers, in legend order.
var (
	semanticTypes = []string{
		"class", "variable", "parameter", "property", "keyword", "method",
		"operator", "number", "string", "comment", "decorator", "enumMember",
	}
	semanticModifiers = []string{"declaration", "static", "readonly", "defaultLibrary"}
)

const (
	typClass = iota
	typVariable
	typParameter
	typProperty
	typKeyword
	typMethod
	typOperator
	typNumber
	typString
	typComment
	typDecorator
	typEnumMember
)

const (
	modDeclaration = 1 << iota
	modStatic
	modReadonly
)

func semanticLegend() protocol.SemanticTokensLegend {
	return protocol.SemanticTokensLegend{
		TokenTypes:     append([]string(nil), semanticTypes...),
		TokenModifiers: append([]string(nil), semanticModifiers...),
	}
}

// tokenType maps the parser's classes onto the legend: selectors are
// methods, instance variables properties (class variables static ones),
// pseudo-variables keywords, pragmas decorators, symbols enum members.
func tokenType(c smalltalk.TokenClass) (typ, mods uint32) {
	switch c {
	case smalltalk.TokKeywordSelector, smalltalk.TokUnarySelector:
		return typMethod, 0
	case smalltalk.TokBinaryOperator:
		return typOperator, 0
	case smalltalk.TokGlobal:
		return typClass, 0
	case smalltalk.TokInstVar:
		return typProperty, 0
	case smalltalk.TokClassVar:
		return typProperty, modStatic
	case smalltalk.TokArg:
		return typParameter, 0
	case smalltalk.TokPseudo:
		return typKeyword, modReadonly
	case smalltalk.TokNumber:
		return typNumber, 0
	case smalltalk.TokString, smalltalk.TokCharacter:
		return typString, 0
	case smalltalk.TokSymbol:
		return typEnumMember, 0
	case smalltalk.TokComment:
		return typComment, 0
	case smalltalk.TokPragma:
		return typDecorator, 0
	}
	return typVariable, 0
}

func (s *server) SemanticTokensFull(_ context.Context, params *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
	return s.fullTokens(params.TextDocument.URI), nil
}

func (s *server) SemanticTokensRange(_ context.Context, params *protocol.SemanticTokensRangeParams) (*protocol.SemanticTokens, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return &protocol.SemanticTokens{Data: []uint32{}}, nil
	}
	start, end := doc.lines().span(params.Range, s.encoding)
	if end <= start {
		return &protocol.SemanticTokens{Data: []uint32{}}, nil
	}
	return &protocol.SemanticTokens{Data: s.encodeTokens(doc, doc.file().Tokens(smalltalk.Range{Start: start, End: end}))}, nil
}

// encodeTokens writes tokens in the LSP's relative encoding, in the
// negotiated position encoding. Tokens that span lines (comments, strings)
// are cut at each line end; overlapping tokens keep the first.
func (s *server) encodeTokens(doc *document, toks []smalltalk.SemanticToken) []uint32 {
	lines := doc.lines()
	data := make([]uint32, 0, len(toks)*5)
	var prevLine, prevChar uint32
	last := 0
	emit := func(start, end int, typ, mods uint32) {
		p := lines.position(start, s.encoding)
		q := lines.position(end, s.encoding)
		if q.Line != p.Line || q.Character <= p.Character {
			return
		}
		dl, dc := p.Line-prevLine, p.Character
		if dl == 0 {
			dc = p.Character - prevChar
		}
		data = append(data, dl, dc, q.Character-p.Character, typ, mods)
		prevLine, prevChar = p.Line, p.Character
	}
	for _, t := range toks {
		if t.Start < last || t.End > len(doc.text) {
			continue
		}
		last = t.End
		typ, mods := tokenType(t.Class)
		if t.Declaration {
			mods |= modDeclaration
		}
		for start := t.Start; start < t.End; {
			end := t.End
			line := int(lines.position(start, s.encoding).Line)
			if le := lines.lineEnd(line); le < end {
				end = le
			}
			emit(start, end, typ, mods)
			if line+1 >= len(lines.lines) {
				break
			}
			start = max(end, lines.lines[line+1])
		}
	}
	return data
}
