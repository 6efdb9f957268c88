package lsp

import (
	"context"
	"encoding/json"
	"errors"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// diffData travels in a "differs from the image" diagnostic to its actions.
type diffData struct {
	Method methodKey `json:"method"`
}

// checkAgainstImage compares each method of an open Tonel document with the
// image's version and marks those that differ. Methods found equal count as
// compiled, so the first save does not send them again.
func (s *server) checkAgainstImage(ctx context.Context, doc *document) {
	f := doc.file()
	if !compilable(f.File) || !s.image.available() {
		return
	}
	st := s.workspace.compiled.forDoc(doc.uri)
	st.mu.Lock()
	defer st.mu.Unlock()
	var diags []spanDiagnostic
	missingClass := map[string]bool{}
	for _, m := range f.Methods {
		k := keyOf(m)
		if k.Selector == "" || missingClass[k.ClassName] {
			continue
		}
		img, err := s.imageMethod(ctx, k)
		var remote *stuiproto.RemoteError
		switch {
		case err == nil:
		case errors.As(err, &remote):
			if remote.Type == stuiproto.ErrClassNotFound {
				missingClass[k.ClassName] = true
			}
			continue
		default:
			return
		}
		if normalizeSource(img.Source) == normalizeSource(m.Source) {
			st.methods[k] = methodHash(m)
			continue
		}
		data, _ := json.Marshal(diffData{Method: k})
		diags = append(diags, spanDiagnostic{
			anchored: anchored{m.PatternRange.Start, m.PatternRange.End},
			severity: protocol.DiagnosticSeverityInformation,
			source:   sourceImage,
			code:     "differs-from-image",
			message:  k.String() + " differs from the image",
			data:     data,
		})
	}
	if cur, ok := s.docs.get(doc.uri); !ok || cur != doc {
		return
	}
	s.diags.clearLive(doc.uri, sourceImage, 0, len(doc.text)+1)
	for _, d := range diags {
		s.diags.addLive(doc.uri, d)
	}
	s.publishDiagnostics(ctx, doc)
}

// imageDiffActions offers, on a method that differs from the image, to
// compile the file's version or to take the image's.
func (s *server) imageDiffActions(doc *document, start, end int) []protocol.CommandOrCodeAction {
	var out []protocol.CommandOrCodeAction
	kind := protocol.CodeActionKindQuickFix
	for _, d := range s.diags.liveAt(doc.uri, start, end) {
		if d.source != sourceImage || len(d.data) == 0 {
			continue
		}
		var data diffData
		if json.Unmarshal(d.data, &data) != nil {
			continue
		}
		args, _ := json.Marshal(commandArgs{URI: doc.uri, Method: &data.Method})
		for _, a := range []struct{ title, command string }{
			{"Compile " + data.Method.String() + " into image", cmdCompileMethod},
			{"Replace " + data.Method.String() + " with image's version", cmdReplaceWithImage},
		} {
			out = append(out, &protocol.CodeAction{
				Title:   a.title,
				Kind:    &kind,
				Command: protocol.Command{Title: a.title, Command: a.command, Arguments: []protocol.LSPAny{args}},
			})
		}
	}
	return out
}

// runReplaceWithImage replaces a method of the document with the image's
// version through workspace/applyEdit, so the editor's undo covers it.
func (s *server) runReplaceWithImage(ctx context.Context, args commandArgs) (any, error) {
	doc, m, err := s.commandMethod(args)
	if err != nil {
		return nil, err
	}
	img, err := s.imageMethod(ctx, keyOf(m))
	if err != nil {
		return nil, s.imageError(err)
	}
	e, ok := methodEdit(doc.file().File, m, img.Source)
	if !ok {
		return nil, errInvalidParams("cannot place the image's source of %s in %s", keyOf(m), args.URI)
	}
	if !s.caps.applyEdit {
		return nil, errInvalidParams("the editor does not support workspace/applyEdit")
	}
	label := "Replace " + keyOf(m).String() + " with image's version"
	lines := doc.lines()
	res, err := s.client.ApplyEdit(ctx, &protocol.ApplyWorkspaceEditParams{
		Label: &label,
		Edit: protocol.WorkspaceEdit{Changes: map[uri.URI][]protocol.TextEdit{
			doc.uri: {{Range: lines.rangeOf(e.start, e.end, s.encoding), NewText: e.text}},
		}},
	})
	if err != nil {
		return nil, err
	}
	applied := res != nil && res.Applied
	if applied {
		st := s.workspace.compiled.forDoc(doc.uri)
		st.mu.Lock()
		st.methods[keyOf(m)] = sourceHash(m.Category, img.Source)
		st.mu.Unlock()
	}
	return map[string]any{"applied": applied}, nil
}
