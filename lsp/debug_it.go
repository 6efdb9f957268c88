package lsp

import (
	"context"
	"encoding/json"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// cmdDebugIt answers the launch configuration that runs a statement again
// under the debugger (`stui-lsp dap`, docs/debugging.md); the editor starts
// its debugger with it.
const cmdDebugIt = "stui.debugIt"

// debugLaunch is a DAP launch configuration of type stui.
type debugLaunch struct {
	Type       string `json:"type"`
	Request    string `json:"request"`
	Name       string `json:"name"`
	Expression string `json:"expression"`
	Cwd        string `json:"cwd,omitempty"`
}

// runDebugIt resolves the statement like Evaluate does and answers its
// launch configuration; the image runs nothing until the debugger starts.
func (s *server) runDebugIt(_ context.Context, args commandArgs) (*debugLaunch, error) {
	t, err := s.target(args)
	if err != nil {
		return nil, err
	}
	l := &debugLaunch{Type: "stui", Request: "launch", Name: "Debug it", Expression: t.code}
	if t.doc != nil {
		l.Cwd = s.workspace.folderOf(t.doc)
	}
	return l, nil
}

// failedEvaluations are the statements whose last evaluation signalled an
// error, as their diagnostics (which follow edits) say.
func (s *server) failedEvaluations(doc *document, start, end int) []spanDiagnostic {
	var out []spanDiagnostic
	for _, d := range s.diags.liveAt(doc.uri, start, end) {
		if d.source == sourceEvaluate && d.code == stuiproto.ErrRuntime {
			out = append(out, d)
		}
	}
	return out
}

func (s *server) debugItArgs(doc *document, d spanDiagnostic) (protocol.Range, []byte) {
	r := doc.lines().rangeOf(d.start, d.end, s.encoding)
	args, _ := json.Marshal(map[string]any{"uri": doc.uri, "range": r})
	return r, args
}

// debugItLenses puts "Debug it" over each statement whose evaluation failed.
func (s *server) debugItLenses(doc *document) []protocol.CodeLens {
	var out []protocol.CodeLens
	for _, d := range s.failedEvaluations(doc, 0, len(doc.text)) {
		r, args := s.debugItArgs(doc, d)
		out = append(out, protocol.CodeLens{Range: protocol.Range{Start: r.Start, End: r.Start},
			Command: protocol.Command{Title: "Debug it", Command: cmdDebugIt, Arguments: []protocol.LSPAny{args}}})
	}
	return out
}

// debugItActions offers "Debug it" where an evaluation failed.
func (s *server) debugItActions(doc *document, start, end int) []protocol.CommandOrCodeAction {
	var out []protocol.CommandOrCodeAction
	kind := protocol.CodeActionKindQuickFix
	for _, d := range s.failedEvaluations(doc, start, end) {
		_, args := s.debugItArgs(doc, d)
		out = append(out, &protocol.CodeAction{Title: "Debug it", Kind: &kind,
			Command: protocol.Command{Title: "Debug it", Command: cmdDebugIt, Arguments: []protocol.LSPAny{args}}})
	}
	return out
}
