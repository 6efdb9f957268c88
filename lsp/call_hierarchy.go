package lsp

import (
	"context"
	"encoding/json"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/smalltalk/index"
)

// callItem builds the call hierarchy item of method m in a file.
func (s *server) callItem(u uri.URI, li *lineIndex, m *smalltalk.Method) protocol.CallHierarchyItem {
	k := keyOf(m)
	data, _ := json.Marshal(k)
	item := protocol.CallHierarchyItem{
		Name: k.String(), Kind: protocol.SymbolKindMethod, URI: u,
		Range:          li.rangeOf(m.Start, m.End, s.encoding),
		SelectionRange: li.rangeOf(m.SelectorRange.Start, m.SelectorRange.End, s.encoding),
		Data:           data,
	}
	if m.Category != "" {
		cat := m.Category
		item.Detail = &cat
	}
	return item
}

// selectorItem stands for a message sent to an unknown receiver: the callee
// is whichever implementor runs.
func (s *server) selectorItem(u uri.URI, li *lineIndex, selector string, r smalltalk.Range) protocol.CallHierarchyItem {
	data, _ := json.Marshal(methodKey{Selector: selector})
	rng := li.rangeOf(r.Start, r.End, s.encoding)
	return protocol.CallHierarchyItem{Name: "#" + selector, Kind: protocol.SymbolKindMethod, URI: u, Range: rng, SelectionRange: rng, Data: data}
}

// PrepareCallHierarchy starts from the method whose pattern (or body) holds
// the cursor, or from the implementors of the message sent under it.
func (s *server) PrepareCallHierarchy(ctx context.Context, params *protocol.CallHierarchyPrepareParams) ([]protocol.CallHierarchyItem, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	lines := doc.lines()
	off := lines.offset(params.Position, s.encoding)
	f := doc.file()
	id := f.IdentifierAt(off)
	if id.Kind == smalltalk.IdentSelector && !id.Definition {
		var out []protocol.CallHierarchyItem
		loc := s.newLocator()
		for _, il := range s.workspace.index.Implementors(id.Name) {
			if m := s.indexedMethod(il); m != nil {
				if li := loc.lineIndex(il.URI); li != nil {
					out = append(out, s.callItem(editorURI(il.URI), li, m))
				}
			}
		}
		ctx, cancel, live := s.liveContext(ctx)
		defer cancel()
		if live {
			seen := map[methodKey]bool{}
			for _, it := range out {
				var k methodKey
				_ = json.Unmarshal(it.Data, &k)
				seen[k] = true
			}
			for _, ref := range s.imageImplementors(ctx, id.Name, 20) {
				if k := refKey(ref); !seen[k] {
					if u, gf, m, ok := loc.generated(ctx, k); ok {
						out = append(out, s.callItem(u, newLineIndex(string(gf.Src)), m))
					}
				}
			}
		}
		if len(out) == 0 {
			out = append(out, s.selectorItem(doc.uri, lines, id.Name, id.Range))
		}
		return out, nil
	}
	if m := f.MethodAt(off); m != nil && m.Selector != "" {
		return []protocol.CallHierarchyItem{s.callItem(doc.uri, lines, m)}, nil
	}
	return nil, nil
}

// IncomingCalls lists the methods sending the item's selector, with the
// places they send it.
func (s *server) IncomingCalls(ctx context.Context, params *protocol.CallHierarchyIncomingCallsParams) ([]protocol.CallHierarchyIncomingCall, error) {
	var k methodKey
	if json.Unmarshal(params.Item.Data, &k) != nil || k.Selector == "" {
		return nil, nil
	}
	type caller struct {
		key   string
		start int
	}
	var out []protocol.CallHierarchyIncomingCall
	at := map[caller]int{}
	loc := s.newLocator()
	for _, sl := range s.workspace.index.Senders(k.Selector) {
		f := s.indexedFile(sl.URI)
		li := loc.lineIndex(sl.URI)
		if f == nil || li == nil {
			continue
		}
		r := li.rangeOf(sl.NameRange.Start, sl.NameRange.End, s.encoding)
		m := f.MethodAt(sl.Range.Start)
		c := caller{sl.URI, -1}
		if m != nil {
			c.start = m.Start
		}
		if i, ok := at[c]; ok {
			out[i].FromRanges = append(out[i].FromRanges, r)
			continue
		}
		var from protocol.CallHierarchyItem
		if m != nil {
			from = s.callItem(editorURI(sl.URI), li, m)
		} else {
			whole := li.rangeOf(0, len(f.Src), s.encoding)
			from = protocol.CallHierarchyItem{Name: baseName(editorURI(sl.URI)), Kind: protocol.SymbolKindFile, URI: editorURI(sl.URI), Range: whole, SelectionRange: r}
		}
		at[c] = len(out)
		out = append(out, protocol.CallHierarchyIncomingCall{From: from, FromRanges: []protocol.Range{r}})
	}
	ctx, cancel, live := s.liveContext(ctx)
	defer cancel()
	if live {
		for _, ref := range s.imageSenders(ctx, k.Selector) {
			rk := refKey(ref)
			if _, m := s.workspaceMethod(rk); m != nil {
				continue
			}
			u, f, m, ok := loc.generated(ctx, rk)
			if !ok {
				continue
			}
			li := newLineIndex(string(f.Src))
			call := protocol.CallHierarchyIncomingCall{From: s.callItem(u, li, m)}
			for _, send := range m.Sends() {
				if send.Selector == k.Selector {
					call.FromRanges = append(call.FromRanges, li.rangeOf(send.Parts[0].Start, send.Parts[0].End, s.encoding))
				}
			}
			out = append(out, call)
		}
	}
	return out, nil
}

// OutgoingCalls lists the messages the item's method sends, read from its
// syntax tree; a message with one implementor in the workspace points at
// it.
func (s *server) OutgoingCalls(_ context.Context, params *protocol.CallHierarchyOutgoingCallsParams) ([]protocol.CallHierarchyOutgoingCall, error) {
	var k methodKey
	if json.Unmarshal(params.Item.Data, &k) != nil || k.ClassName == "" {
		return nil, nil
	}
	f, li := s.fileOf(params.Item.URI)
	var m *smalltalk.Method
	if f != nil {
		for _, cand := range f.Methods {
			if keyOf(cand) == k {
				m = cand
				break
			}
		}
	}
	if m == nil {
		return nil, nil
	}
	var out []protocol.CallHierarchyOutgoingCall
	at := map[string]int{}
	loc := s.newLocator()
	for _, send := range m.Sends() {
		r := li.rangeOf(send.Parts[0].Start, send.Parts[0].End, s.encoding)
		if i, ok := at[send.Selector]; ok {
			out[i].FromRanges = append(out[i].FromRanges, r)
			continue
		}
		to := s.selectorItem(params.Item.URI, li, send.Selector, send.Parts[0])
		if impls := s.workspace.index.Implementors(send.Selector); len(impls) == 1 {
			if im := s.indexedMethod(impls[0]); im != nil {
				if ili := loc.lineIndex(impls[0].URI); ili != nil {
					to = s.callItem(editorURI(impls[0].URI), ili, im)
				}
			}
		}
		at[send.Selector] = len(out)
		out = append(out, protocol.CallHierarchyOutgoingCall{To: to, FromRanges: []protocol.Range{r}})
	}
	return out, nil
}

// fileOf returns the parse and lines of a document: open, indexed, or a
// generated file on disk.
func (s *server) fileOf(u uri.URI) (*smalltalk.File, *lineIndex) {
	if doc, ok := s.docs.get(u); ok {
		return doc.file().File, doc.lines()
	}
	if f := s.indexedFile(indexKey(u)); f != nil {
		return f, newLineIndex(string(f.Src))
	}
	if u.IsFile() {
		if src, err := index.ReadSource(u.FsPath()); err == nil {
			return smalltalk.Parse(u.FsPath(), src), newLineIndex(string(src))
		}
	}
	return nil, nil
}
