package lsp

import (
	"context"
	"encoding/json"

	"go.lsp.dev/protocol"
)

// CodeLens puts "Evaluate | Print it | Inspect it" over each top-level
// statement of a playground and each <script> or <example> method.
func (s *server) CodeLens(ctx context.Context, params *protocol.CodeLensParams) ([]protocol.CodeLens, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	lines := doc.lines()
	out := []protocol.CodeLens{}
	evaluables := doc.file().evaluables()
	if len(evaluables) > maxEvaluableLenses {
		// A generated playground of a million statements would get three
		// million lenses; the first ones are what a person looks at.
		evaluables = evaluables[:maxEvaluableLenses]
	}
	for _, e := range evaluables {
		r := lines.rangeOf(e.start, e.end, s.encoding)
		var args []byte
		if doc.text[e.start:e.end] == e.code {
			args, _ = json.Marshal(map[string]any{"uri": doc.uri, "range": r})
		} else {
			args, _ = json.Marshal(map[string]any{"code": e.code})
		}
		// A lens sits on the first line only.
		lensRange := protocol.Range{Start: r.Start, End: r.Start}
		for _, c := range evaluateCommands {
			out = append(out, protocol.CodeLens{
				Range:   lensRange,
				Command: protocol.Command{Title: c.title, Command: c.command, Arguments: []protocol.LSPAny{args}},
			})
		}
	}
	out = append(out, s.methodLenses(doc)...)
	out = append(out, s.testLenses(ctx, doc)...)
	out = append(out, s.debugItLenses(doc)...)
	return out, nil
}

// maxEvaluableLenses bounds the statements and scripts that get lenses.
const maxEvaluableLenses = 2000

var evaluateCommands = []struct{ title, command string }{
	{"Evaluate", cmdEvaluate},
	{"Print it", cmdPrintIt},
	{"Inspect it", cmdInspect},
}
