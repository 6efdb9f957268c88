package lsp

import (
	"context"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// References lists the senders of the selector at the cursor (from the image
// and the workspace, each send once), or the uses of a local variable,
// instance variable or class name in the document.
func (s *server) References(ctx context.Context, params *protocol.ReferenceParams) ([]protocol.Location, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return []protocol.Location{}, nil
	}
	off := doc.lines().offset(params.Position, s.encoding)
	id := doc.file().IdentifierAt(off)
	switch id.Kind {
	case smalltalk.IdentSelector, smalltalk.IdentSymbol:
		if id.Name == "" {
			break
		}
		out := s.senderLocations(ctx, id.Name)
		if params.Context.IncludeDeclaration {
			loc := s.newLocator()
			for _, il := range s.workspace.index.Implementors(id.Name) {
				if l, ok := loc.at(il.URI, il.NameRange); ok {
					out = append(out, l)
				}
			}
		}
		return dedupeLocations(out), nil
	case smalltalk.IdentNone, smalltalk.IdentPragma:
	default:
		return s.variableReferences(doc, id, params.Context.IncludeDeclaration), nil
	}
	return []protocol.Location{}, nil
}

// senderLocations merges the image's senders of selector with the
// workspace's sends. A sender that lives in a workspace file is already
// among the workspace's sends; the others are shown in generated documents.
func (s *server) senderLocations(ctx context.Context, selector string) []protocol.Location {
	loc := s.newLocator()
	var out []protocol.Location
	for _, sl := range s.workspace.index.Senders(selector) {
		if l, ok := loc.at(sl.URI, sl.NameRange); ok {
			out = append(out, l)
		}
	}
	sortLocations(out)
	ctx, cancel, live := s.liveContext(ctx)
	defer cancel()
	if !live {
		return out
	}
	for _, ref := range s.imageSenders(ctx, selector) {
		k := refKey(ref)
		if _, m := s.workspaceMethod(k); m != nil {
			continue
		}
		u, f, m, ok := loc.generated(ctx, k)
		if !ok {
			continue
		}
		for _, send := range m.Sends() {
			if send.Selector == selector {
				out = append(out, loc.inFile(u, f, send.Parts[0]))
			}
		}
	}
	return out
}

func (s *server) imageSenders(ctx context.Context, selector string) []stuiproto.MethodRef {
	var res stuiproto.SendersResult
	if err := stuiproto.Call(ctx, s.image, stuiproto.SendersCommand, stuiproto.SelectorParams{Selector: selector, Limit: 200}, &res); err != nil {
		s.log.Debug("senders", zap.String("selector", selector), zap.Error(err))
		return nil
	}
	return res.Senders
}

func dedupeLocations(ls []protocol.Location) []protocol.Location {
	seen := map[protocol.Location]bool{}
	out := ls[:0:0]
	for _, l := range ls {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	if out == nil {
		out = []protocol.Location{}
	}
	return out
}

// variableReferences finds, in the document, the names that resolve to the
// same variable as id: the same declaration for locals, the same name and
// class for instance and class variables, the same global otherwise.
func (s *server) variableReferences(doc *document, id smalltalk.Ident, includeDecl bool) []protocol.Location {
	f := doc.file()
	lines := doc.lines()
	out := []protocol.Location{}
	add := func(r smalltalk.Range) {
		out = append(out, protocol.Location{URI: doc.uri, Range: lines.rangeOf(r.Start, r.End, s.encoding)})
	}
	same := func(o smalltalk.Ident) bool {
		if o.Kind != id.Kind || o.Name != id.Name {
			return false
		}
		switch id.Kind {
		case smalltalk.IdentArg, smalltalk.IdentTemp:
			return o.Decl == id.Decl
		case smalltalk.IdentInstVar, smalltalk.IdentClassVar:
			return id.Method == nil || o.Method != nil && o.Method.ClassName == id.Method.ClassName
		}
		return true
	}
	var roots []smalltalk.Node
	switch {
	case (id.Kind == smalltalk.IdentArg || id.Kind == smalltalk.IdentTemp) && id.Method != nil:
		roots = append(roots, id.Method)
	default:
		for _, m := range f.Methods {
			roots = append(roots, m)
		}
		if f.Body != nil {
			roots = append(roots, f.Body)
		}
	}
	if id.Kind == smalltalk.IdentGlobal {
		for _, d := range f.Classes {
			if d.Name == id.Name && d.NameRange.Len() > 0 && (includeDecl || d.IsExtension) {
				add(d.NameRange)
			}
			if d.Superclass == id.Name && d.SuperclassRange.Len() > 0 {
				add(d.SuperclassRange)
			}
		}
	}
	for _, root := range roots {
		if m, ok := root.(*smalltalk.Method); ok && id.Kind == smalltalk.IdentGlobal && m.ClassName == id.Name && m.ClassRange.Len() > 0 {
			add(smalltalk.Range{Start: m.ClassRange.Start, End: m.ClassRange.Start + len(m.ClassName)})
		}
		smalltalk.Walk(root, func(n smalltalk.Node) {
			v, ok := n.(*smalltalk.Variable)
			if !ok || v.Name != id.Name {
				return
			}
			o := f.IdentifierAt(v.Start)
			if o.Range != v.Range || !same(o) || o.Definition && !includeDecl {
				return
			}
			add(v.Range)
		})
	}
	return dedupeLocations(out)
}
