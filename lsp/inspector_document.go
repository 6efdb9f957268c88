package lsp

import (
	"encoding/json"
	"regexp"
	"strings"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// An inspector document (see showInspector) is plain text, not Smalltalk.
// Editors that attach the server to it (Helix, through its languages.toml)
// drill down with a code action on a slot's line; the server does not parse
// it or publish diagnostics for it.

const inspectorDocumentExt = ".stui-inspect"

func isInspectorDocument(u uri.URI) bool {
	return strings.HasSuffix(string(u), inspectorDocumentExt)
}

// inspectorSlotLine matches a slot line that names an object to drill into:
// "name  printString  (Class)  [id]".
var inspectorSlotLine = regexp.MustCompile(`^(\S+)\s.*\s\[([^\]\s]+)\]\s*$`)

// inspectorActions offers "Inspect <slot>" for each slot line the range
// touches.
func (s *server) inspectorActions(doc *document, params *protocol.CodeActionParams) []protocol.CommandOrCodeAction {
	out := []protocol.CommandOrCodeAction{}
	lines := strings.Split(doc.text, "\n")
	first, last := int(params.Range.Start.Line), int(params.Range.End.Line)
	for n := first; n <= last && n < len(lines); n++ {
		m := inspectorSlotLine.FindStringSubmatch(lines[n])
		if m == nil {
			continue
		}
		args, _ := json.Marshal(map[string]any{"objectId": m[2]})
		title := "Inspect " + m[1]
		kind := codeActionKindEvaluate
		out = append(out, &protocol.CodeAction{
			Title:   title,
			Kind:    &kind,
			Command: protocol.Command{Title: title, Command: cmdInspect, Arguments: []protocol.LSPAny{args}},
		})
	}
	return out
}
