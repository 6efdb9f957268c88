package lsp

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"go.lsp.dev/protocol"
)

const codeActionKindEvaluate protocol.CodeActionKind = "source.stui.evaluate"

// CodeAction offers Evaluate, Print it and Inspect it on a selection or on
// the statement at the cursor (for editors that do not show code lenses),
// and the fixes attached to compile diagnostics.
func (s *server) CodeAction(_ context.Context, params *protocol.CodeActionParams) ([]protocol.CommandOrCodeAction, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	wants := func(kind protocol.CodeActionKind) bool {
		only := params.Context.Only
		return len(only) == 0 || slices.ContainsFunc(only, func(k protocol.CodeActionKind) bool {
			return k == kind || strings.HasPrefix(string(kind), string(k)+".")
		})
	}
	lines := doc.lines()
	start, end := lines.span(params.Range, s.encoding)
	out := []protocol.CommandOrCodeAction{}

	if wants(codeActionKindEvaluate) {
		target := params.Range
		found := start != end && strings.TrimSpace(doc.text[start:end]) != ""
		if !found {
			if st, ok := doc.file().statementAt(start); ok {
				target = lines.rangeOf(st.start, st.end, s.encoding)
				found = true
			}
		}
		if found {
			args, _ := json.Marshal(map[string]any{"uri": doc.uri, "range": target})
			kind := codeActionKindEvaluate
			for _, c := range evaluateCommands {
				out = append(out, &protocol.CodeAction{
					Title:   c.title,
					Kind:    &kind,
					Command: protocol.Command{Title: c.title, Command: c.command, Arguments: []protocol.LSPAny{args}},
				})
			}
		}
	}
	if wants(protocol.CodeActionKindQuickFix) {
		out = append(out, s.imageDiffActions(doc, start, end)...)
	}
	return out, nil
}
