package lsp

import (
	"context"
	"sync"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// Diagnostic sources, shown by editors next to each message.
const (
	sourceSyntax   = "stui syntax"
	sourceEvaluate = "stui evaluate"
	sourceCompile  = "stui compile"
	sourceImage    = "stui image"
)

// spanDiagnostic is a diagnostic in byte offsets of the current text.
type spanDiagnostic struct {
	anchored
	severity protocol.DiagnosticSeverity
	source   string
	code     string
	message  string
	// data travels to code actions (e.g. which method to compile).
	data []byte
}

// diagnosticStore keeps, per document, the diagnostics of each origin:
// syntax (recomputed on every change), evaluation errors, compile errors and
// file-versus-image differences (kept until their text is edited).
type diagnosticStore struct {
	mu     sync.Mutex
	syntax map[uri.URI][]spanDiagnostic
	live   map[uri.URI][]spanDiagnostic
}

func newDiagnosticStore() *diagnosticStore {
	return &diagnosticStore{syntax: map[uri.URI][]spanDiagnostic{}, live: map[uri.URI][]spanDiagnostic{}}
}

func (ds *diagnosticStore) setSyntax(u uri.URI, d []spanDiagnostic) {
	ds.mu.Lock()
	ds.syntax[u] = d
	ds.mu.Unlock()
}

// shiftEvaluation moves the live diagnostics along with an edit and drops
// those whose text was changed.
func (ds *diagnosticStore) shiftEvaluation(u uri.URI, edits []edit) {
	if len(edits) == 0 {
		return
	}
	ds.mu.Lock()
	defer ds.mu.Unlock()
	kept := ds.live[u][:0]
	for _, d := range ds.live[u] {
		if d.follow(edits) {
			kept = append(kept, d)
		}
	}
	ds.live[u] = kept
}

// addLive adds a diagnostic of a live origin, replacing any of the same
// source over the same span.
func (ds *diagnosticStore) addLive(u uri.URI, d spanDiagnostic) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	list := ds.live[u][:0:0]
	for _, old := range ds.live[u] {
		if old.source == d.source && old.start < d.end && d.start < old.end {
			continue
		}
		list = append(list, old)
	}
	ds.live[u] = append(list, d)
}

// clearLive removes the live diagnostics of source within [start, end).
func (ds *diagnosticStore) clearLive(u uri.URI, source string, start, end int) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	list := ds.live[u][:0:0]
	for _, old := range ds.live[u] {
		overlaps := old.start < end && start < old.end
		same := old.start == start && old.end == end // also catches empty spans
		if old.source == source && (overlaps || same) {
			continue
		}
		list = append(list, old)
	}
	ds.live[u] = list
}

func (ds *diagnosticStore) forget(u uri.URI) {
	ds.mu.Lock()
	delete(ds.syntax, u)
	delete(ds.live, u)
	ds.mu.Unlock()
}

func (ds *diagnosticStore) snapshot(u uri.URI) []spanDiagnostic {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	out := make([]spanDiagnostic, 0, len(ds.syntax[u])+len(ds.live[u]))
	out = append(out, ds.syntax[u]...)
	return append(out, ds.live[u]...)
}

// liveAt returns the live diagnostics overlapping [start, end].
func (ds *diagnosticStore) liveAt(u uri.URI, start, end int) []spanDiagnostic {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	var out []spanDiagnostic
	for _, d := range ds.live[u] {
		if d.start <= end && start <= d.end {
			out = append(out, d)
		}
	}
	return out
}

// publishDiagnostics sends everything known about doc.
func (s *server) publishDiagnostics(ctx context.Context, doc *document) {
	list := s.diags.snapshot(doc.uri)
	lines := doc.lines()
	out := make([]protocol.Diagnostic, 0, len(list))
	for _, d := range list {
		pd := protocol.Diagnostic{
			Range:    lines.rangeOf(d.start, d.end, s.encoding),
			Severity: d.severity,
			Source:   protocol.NewOptional(d.source),
			Message:  protocol.String(d.message),
		}
		if d.code != "" {
			pd.Code = protocol.String(d.code)
		}
		if len(d.data) > 0 {
			pd.Data = d.data
		}
		out = append(out, pd)
	}
	s.notify(ctx, protocol.MethodTextDocumentPublishDiagnostics, &protocol.PublishDiagnosticsParams{
		URI:         doc.uri,
		Version:     protocol.NewOptional(doc.version),
		Diagnostics: out,
	})
}

// republish sends the diagnostics of the document at u as it is now.
func (s *server) republish(ctx context.Context, u uri.URI) {
	if doc, ok := s.docs.get(u); ok {
		s.publishDiagnostics(ctx, doc)
	}
}
