package lsp

import (
	"context"
	"errors"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Formatting formats with the image's formatter (format_source): a
// playground as a whole, a Tonel or chunk file method by method, each
// method's formatted source put back in its place. Without an image there
// is nothing to format with, and the answer is no edits.
func (s *server) Formatting(ctx context.Context, params *protocol.DocumentFormattingParams) ([]protocol.TextEdit, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return []protocol.TextEdit{}, nil
	}
	return s.format(ctx, doc, 0, len(doc.text))
}

// RangeFormatting formats the methods that overlap the range, or in a
// playground the statements it covers.
func (s *server) RangeFormatting(ctx context.Context, params *protocol.DocumentRangeFormattingParams) ([]protocol.TextEdit, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return []protocol.TextEdit{}, nil
	}
	start, end := doc.lines().span(params.Range, s.encoding)
	return s.format(ctx, doc, start, end)
}

func (s *server) format(ctx context.Context, doc *document, start, end int) ([]protocol.TextEdit, error) {
	out := []protocol.TextEdit{}
	if !s.image.available() {
		return out, nil
	}
	ctx, cancel, _ := s.liveContext(ctx)
	defer cancel()
	f := doc.file()
	lines := doc.lines()
	var edits []edit
	if f.Kind == smalltalk.Playground {
		s0, e0 := start, end
		if start != 0 || end != len(doc.text) {
			// The statements the range touches, whole.
			s0, e0 = end, start
			for _, st := range f.Statements {
				r := st.Span()
				if r.Start < end && start < r.End || r.Start == start {
					s0, e0 = min(s0, r.Start), max(e0, r.End)
				}
			}
			if s0 >= e0 {
				return out, nil
			}
		}
		formatted, err := s.formatSource(ctx, doc.text[s0:e0], false, "")
		if err != nil {
			return out, s.formatError(err)
		}
		if whole := s0 == 0 && e0 == len(doc.text); whole && len(doc.text) > 0 && doc.text[len(doc.text)-1] == '\n' && (formatted == "" || formatted[len(formatted)-1] != '\n') {
			formatted += "\n"
		}
		edits = append(edits, edit{start: s0, end: e0, text: formatted})
	} else {
		for _, m := range f.Methods {
			if m.End < start || m.Start > end || m.Selector == "" {
				continue
			}
			formatted, err := s.formatSource(ctx, m.Source, true, m.ClassName)
			if err != nil {
				var remote *stuiproto.RemoteError
				if errors.As(err, &remote) {
					continue // a method that does not parse stays as it is
				}
				return out, s.formatError(err)
			}
			if e, ok := methodEdit(f.File, m, formatted); ok {
				edits = append(edits, e)
			}
		}
	}
	for _, e := range edits {
		if doc.text[e.start:e.end] == e.text {
			continue
		}
		out = append(out, protocol.TextEdit{Range: lines.rangeOf(e.start, e.end, s.encoding), NewText: e.text})
	}
	return out, nil
}

func (s *server) formatSource(ctx context.Context, source string, isMethod bool, className string) (string, error) {
	var res stuiproto.FormatSourceResult
	err := stuiproto.Call(ctx, s.image, stuiproto.FormatSourceCommand, stuiproto.FormatSourceParams{Source: source, IsMethod: &isMethod, ClassName: className}, &res)
	return res.Formatted, err
}

// formatError reports a source the formatter rejects as an error the user
// sees, and an unreachable image as no edits.
func (s *server) formatError(err error) error {
	var remote *stuiproto.RemoteError
	if errors.As(err, &remote) {
		return s.imageError(err)
	}
	s.log.Debug("format_source", zap.Error(err))
	return nil
}
