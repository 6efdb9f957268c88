package lsp

import (
	"context"
	"strconv"
	"sync"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// tokenResults remembers the last semantic tokens sent for each open
// document, so that the next request after an edit can answer with only
// what changed (textDocument/semanticTokens/full/delta). Its zero value is
// ready.
type tokenResults struct {
	mu   sync.Mutex
	next uint64
	last map[uri.URI]tokenResult
}

type tokenResult struct {
	id   string
	data []uint32
}

// remember stores data as the latest result for u and returns its id.
func (t *tokenResults) remember(u uri.URI, data []uint32) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil {
		t.last = map[uri.URI]tokenResult{}
	}
	t.next++
	id := strconv.FormatUint(t.next, 10)
	t.last[u] = tokenResult{id, data}
	return id
}

// previous returns the data sent for u under id, if it is still the latest.
func (t *tokenResults) previous(u uri.URI, id string) ([]uint32, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.last[u]
	if !ok || r.id != id {
		return nil, false
	}
	return r.data, true
}

func (t *tokenResults) forget(u uri.URI) {
	t.mu.Lock()
	delete(t.last, u)
	t.mu.Unlock()
}

// fullTokens is the whole document's tokens, remembered for a later delta.
func (s *server) fullTokens(u uri.URI) *protocol.SemanticTokens {
	doc, ok := s.docs.get(u)
	if !ok {
		return &protocol.SemanticTokens{Data: []uint32{}}
	}
	data := doc.semanticTokens(s.encoding).data
	id := s.tokens.remember(u, data)
	return &protocol.SemanticTokens{ResultID: &id, Data: data}
}

// SemanticTokensFullDelta answers with the one edit that turns the tokens
// sent under params.PreviousResultID into the document's tokens now (what
// lies between their common start and their common end), or with all the
// tokens when that result is not the latest one.
func (s *server) SemanticTokensFullDelta(_ context.Context, params *protocol.SemanticTokensDeltaParams) (protocol.SemanticTokensDeltaResult, error) {
	u := params.TextDocument.URI
	old, ok := s.tokens.previous(u, params.PreviousResultID)
	full := s.fullTokens(u)
	if !ok {
		return full, nil
	}
	return &protocol.SemanticTokensDelta{ResultID: full.ResultID, Edits: tokenEdits(old, full.Data)}, nil
}

// tokenEdits is the single edit from old to now, none when they are equal.
// Edits keep whole tokens (five numbers each) together.
func tokenEdits(old, now []uint32) []protocol.SemanticTokensEdit {
	prefix := 0
	for prefix < len(old) && prefix < len(now) && old[prefix] == now[prefix] {
		prefix++
	}
	prefix -= prefix % 5
	suffix := 0
	for suffix < len(old)-prefix && suffix < len(now)-prefix && old[len(old)-1-suffix] == now[len(now)-1-suffix] {
		suffix++
	}
	suffix -= suffix % 5
	if prefix == len(old) && prefix == len(now) {
		return []protocol.SemanticTokensEdit{}
	}
	return []protocol.SemanticTokensEdit{{
		Start:       uint32(prefix),
		DeleteCount: uint32(len(old) - prefix - suffix),
		Data:        append([]uint32{}, now[prefix:len(now)-suffix]...),
	}}
}
