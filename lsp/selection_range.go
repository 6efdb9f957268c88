package lsp

import (
	"context"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// SelectionRange grows a selection through the syntax tree: the name under
// the cursor, then each enclosing node (message, statement, block, method
// body, method), then the whole document.
func (s *server) SelectionRange(_ context.Context, params *protocol.SelectionRangeParams) ([]protocol.SelectionRange, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return []protocol.SelectionRange{}, nil
	}
	lines := doc.lines()
	f := doc.file()
	out := make([]protocol.SelectionRange, 0, len(params.Positions))
	for _, pos := range params.Positions {
		off := lines.offset(pos, s.encoding)
		spans := []smalltalk.Range{{Start: 0, End: len(doc.text)}}
		for _, n := range f.NodePath(off) {
			spans = append(spans, n.Span())
			if m, ok := n.(*smalltalk.Method); ok && m.BodyRange.Len() > 0 {
				// Between the method and its statements: the body.
				spans = append(spans, m.BodyRange)
			}
		}
		if id := f.IdentifierAt(off); id.Kind != smalltalk.IdentNone && id.Range.Len() > 0 {
			if len(id.Parts) > 1 {
				spans = append(spans, smalltalk.Range{Start: id.Parts[0].Start, End: id.Parts[len(id.Parts)-1].End})
			}
			spans = append(spans, id.Range)
		}
		var cur *protocol.SelectionRange
		prev := smalltalk.Range{Start: -1, End: -1}
		for _, r := range spans {
			if r == prev || r.Start < 0 || r.End > len(doc.text) {
				continue
			}
			if prev.Start >= 0 && (r.Start < prev.Start || r.End > prev.End) {
				continue // not nested in what is already chosen
			}
			cur = &protocol.SelectionRange{Range: lines.rangeOf(r.Start, r.End, s.encoding), Parent: cur}
			prev = r
		}
		if cur == nil {
			cur = &protocol.SelectionRange{Range: lines.rangeOf(off, off, s.encoding)}
		}
		out = append(out, *cur)
	}
	return out, nil
}
