package lsp

import (
	"context"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// FoldingRanges folds class definitions, methods, multi-line blocks and
// arrays, and comments. A fold ends on the line before a closing bracket
// that starts its own line, so the bracket stays visible.
func (s *server) FoldingRanges(_ context.Context, params *protocol.FoldingRangeParams) ([]protocol.FoldingRange, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return []protocol.FoldingRange{}, nil
	}
	lines := doc.lines()
	out := []protocol.FoldingRange{}
	for _, fold := range doc.file().FoldingRanges() {
		start := lines.position(fold.Start, s.encoding).Line
		endOff := max(fold.End-1, fold.Start)
		end := lines.position(endOff, s.encoding).Line
		if fold.Kind == smalltalk.FoldRegion && strings.ContainsRune("])}", rune(doc.text[endOff])) {
			lineStart := lines.lines[end]
			if strings.TrimSpace(doc.text[lineStart:endOff]) == "" && end > start {
				end--
			}
		}
		if end <= start {
			continue
		}
		fr := protocol.FoldingRange{StartLine: start, EndLine: end, Kind: protocol.FoldingRangeKindRegion}
		if fold.Kind == smalltalk.FoldComment {
			fr.Kind = protocol.FoldingRangeKindComment
		}
		out = append(out, fr)
	}
	return out, nil
}
