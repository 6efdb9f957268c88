package lsp

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

const codeActionKindEvaluate protocol.CodeActionKind = "source.stui.evaluate"

// CodeAction offers Evaluate, Print it and Inspect it on a selection or on
// the statement at the cursor (for editors that do not show code lenses),
// and the fixes attached to compile diagnostics.
func (s *server) CodeAction(ctx context.Context, params *protocol.CodeActionParams) ([]protocol.CommandOrCodeAction, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	if isInspectorDocument(doc.uri) {
		return s.inspectorActions(doc, params), nil
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
		sel := resolveSelection(doc, start, end)
		add := func(sp span, suffix string) {
			args, _ := json.Marshal(map[string]any{"uri": doc.uri, "range": lines.rangeOf(sp.start, sp.end, s.encoding)})
			kind := codeActionKindEvaluate
			for _, c := range evaluateCommands {
				out = append(out, &protocol.CodeAction{
					Title:   c.title + suffix,
					Kind:    &kind,
					Command: protocol.Command{Title: c.title + suffix, Command: c.command, Arguments: []protocol.LSPAny{args}},
				})
			}
		}
		switch {
		case sel.properPart():
			add(sel.statement, " statement")
			add(sel.selection, " selection")
		case sel.hasSelection:
			add(sel.selection, "")
		case sel.hasStatement:
			add(sel.statement, "")
		default:
			out = append(out, s.scriptActions(doc, start)...)
		}
	}
	if wants(protocol.CodeActionKindQuickFix) {
		out = append(out, s.imageDiffActions(doc, start, end)...)
		out = append(out, s.debugItActions(doc, start, end)...)
	}
	if wants(codeActionKindTest) {
		out = append(out, s.testActions(ctx, doc, start, end)...)
	}
	return out, nil
}

// scriptActions runs the <example> or <script> method whose header holds the
// cursor, as its code lens does, for editors that show no lenses.
func (s *server) scriptActions(doc *document, off int) []protocol.CommandOrCodeAction {
	f := doc.file()
	if f.Kind == smalltalk.Playground {
		return nil
	}
	for _, e := range f.evaluables() {
		m := f.methodAt(e.start)
		if m == nil || off < e.start || off > m.BodyRange.Start {
			continue
		}
		args, _ := json.Marshal(map[string]any{"code": e.code})
		kind := codeActionKindEvaluate
		var out []protocol.CommandOrCodeAction
		for _, c := range evaluateCommands {
			out = append(out, &protocol.CodeAction{
				Title:   c.title + " " + m.Selector,
				Kind:    &kind,
				Command: protocol.Command{Title: c.title + " " + m.Selector, Command: c.command, Arguments: []protocol.LSPAny{args}},
			})
		}
		return out
	}
	return nil
}
