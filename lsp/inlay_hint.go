package lsp

import (
	"context"
	"sync"
	"unicode/utf8"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// inlineResult is an evaluation result shown after its statement until the
// statement's text changes.
type inlineResult struct {
	anchored
	label   string
	tooltip string
}

// resultStore keeps the inline results of each document.
type resultStore struct {
	mu    sync.Mutex
	byURI map[uri.URI][]inlineResult
}

func newResultStore() *resultStore {
	return &resultStore{byURI: map[uri.URI][]inlineResult{}}
}

// put records res for the statement at sp, replacing an older result there.
func (rs *resultStore) put(u uri.URI, sp span, res *stuiproto.EvaluateResult, limit int) {
	label := res.Result
	cut := res.Truncated
	if limit > 0 && utf8.RuneCountInString(label) > limit {
		label = string([]rune(label)[:limit])
		cut = true
	}
	label = flattenSpace(label)
	if cut {
		label += " … (Inspect it for all)"
	}
	tooltip := res.ResultType
	if tooltip == "" {
		tooltip = "result"
	}
	tooltip = "a " + tooltip + ": " + res.Result
	rs.mu.Lock()
	defer rs.mu.Unlock()
	kept := rs.byURI[u][:0:0]
	for _, r := range rs.byURI[u] {
		if r.start < sp.end && sp.start < r.end {
			continue
		}
		kept = append(kept, r)
	}
	rs.byURI[u] = append(kept, inlineResult{anchored: anchored{sp.start, sp.end}, label: "→ " + label, tooltip: tooltip})
}

// invalidate moves results along with edits and drops those whose statement
// was edited. It reports whether any was dropped.
func (rs *resultStore) invalidate(u uri.URI, edits []edit) bool {
	if len(edits) == 0 {
		return false
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	list := rs.byURI[u]
	kept := list[:0]
	for _, r := range list {
		if r.follow(edits) {
			kept = append(kept, r)
		}
	}
	dropped := len(kept) != len(list)
	rs.byURI[u] = kept
	return dropped
}

func (rs *resultStore) forget(u uri.URI) {
	rs.mu.Lock()
	delete(rs.byURI, u)
	rs.mu.Unlock()
}

func (rs *resultStore) clear() {
	rs.mu.Lock()
	rs.byURI = map[uri.URI][]inlineResult{}
	rs.mu.Unlock()
}

func (rs *resultStore) list(u uri.URI) []inlineResult {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]inlineResult(nil), rs.byURI[u]...)
}

func (s *server) InlayHint(_ context.Context, params *protocol.InlayHintParams) ([]protocol.InlayHint, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	lines := doc.lines()
	from, to := lines.span(params.Range, s.encoding)
	yes := true
	out := []protocol.InlayHint{}
	for _, r := range s.results.list(doc.uri) {
		if r.end < from || r.end > to || r.end > len(doc.text) {
			continue
		}
		out = append(out, protocol.InlayHint{
			Position:    lines.position(r.end, s.encoding),
			Label:       protocol.String(r.label),
			Tooltip:     protocol.String(r.tooltip),
			PaddingLeft: &yes,
		})
	}
	out = append(out, s.testHints(doc, from, to)...)
	return out, nil
}

func (s *server) refreshInlayHints(ctx context.Context) {
	if err := s.client.InlayHintRefresh(ctx); err != nil {
		s.log.Debug("inlayHint/refresh failed")
	}
}

// flattenSpace keeps an inline label on one line.
func flattenSpace(s string) string {
	b := []rune(s)
	for i, r := range b {
		if r == '\n' || r == '\r' || r == '\t' {
			b[i] = ' '
		}
	}
	return string(b)
}
