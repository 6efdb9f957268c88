package lsp

import (
	"context"

	"go.lsp.dev/protocol"
)

const codeActionKindEvaluate protocol.CodeActionKind = "source.stui.evaluate"

type methodKey struct {
	ClassName string `json:"className"`
	ClassSide bool   `json:"classSide"`
	Selector  string `json:"selector"`
}

func (s *server) compileOnSave(ctx context.Context, doc *document) {}
func (s *server) runCompileMethod(ctx context.Context, args commandArgs) (any, error) {
	return nil, nil
}
func (s *server) runReplaceWithImage(ctx context.Context, args commandArgs) (any, error) {
	return nil, nil
}
func semanticLegend() protocol.SemanticTokensLegend { return protocol.SemanticTokensLegend{} }

func (s *server) imageDiffActions(doc *document, start, end int) []protocol.CommandOrCodeAction {
	return nil
}
