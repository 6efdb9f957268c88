package lsp

import (
	"context"
	"sort"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/smalltalk/index"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// navigationTimeout bounds the image calls of one navigation request.
const navigationTimeout = 5 * time.Second

// maxGenerated caps how many generated documents one request writes.
const maxGenerated = 50

// locator turns index locations and image method references into LSP
// locations, reading each file's lines once per request.
type locator struct {
	s       *server
	lines   map[string]*lineIndex
	written int
}

func (s *server) newLocator() *locator {
	return &locator{s: s, lines: map[string]*lineIndex{}}
}

func (l *locator) lineIndex(key string) *lineIndex {
	if li, ok := l.lines[key]; ok {
		return li
	}
	var li *lineIndex
	if doc, ok := l.s.docs.get(editorURI(key)); ok && indexKey(doc.uri) == key {
		li = doc.lines()
	} else if src, ok := l.s.workspace.index.Source(key); ok {
		// The source alone: parsing the file only to count its lines would
		// cost a references answer a parse per file.
		li = l.s.lineTables.get(key, src)
	}
	l.lines[key] = li
	return li
}

// at is the location of r in the indexed file key.
func (l *locator) at(key string, r smalltalk.Range) (protocol.Location, bool) {
	li := l.lineIndex(key)
	if li == nil {
		return protocol.Location{}, false
	}
	return protocol.Location{URI: editorURI(key), Range: li.rangeOf(r.Start, r.End, l.s.encoding)}, true
}

// inFile is the location of r in a generated file's parse.
func (l *locator) inFile(u uri.URI, f *smalltalk.File, r smalltalk.Range) protocol.Location {
	return protocol.Location{URI: u, Range: newLineIndex(string(f.Src)).rangeOf(r.Start, r.End, l.s.encoding)}
}

// generated writes the image's version of k, within the per-request cap.
func (l *locator) generated(ctx context.Context, k methodKey) (uri.URI, *smalltalk.File, *smalltalk.Method, bool) {
	if l.written >= maxGenerated {
		return "", nil, nil, false
	}
	u, f, err := l.s.generatedMethod(ctx, k)
	if err != nil {
		l.s.log.Debug("generated method document", zap.Stringer("method", k), zap.Error(err))
		return "", nil, nil, false
	}
	l.written++
	if len(f.Methods) == 0 {
		return "", nil, nil, false
	}
	return u, f, f.Methods[0], true
}

// method locates k: its selector in a workspace file when the method is
// there, else in a generated document with the image's source.
func (l *locator) method(ctx context.Context, k methodKey, live bool) (protocol.Location, bool) {
	if key, m := l.s.workspaceMethod(k); m != nil {
		return l.at(key, m.SelectorRange)
	}
	if !live {
		return protocol.Location{}, false
	}
	u, f, m, ok := l.generated(ctx, k)
	if !ok {
		return protocol.Location{}, false
	}
	return l.inFile(u, f, m.SelectorRange), true
}

func refKey(r stuiproto.MethodRef) methodKey {
	return methodKey{ClassName: r.ClassName, ClassSide: r.IsClassMethod, Selector: r.Selector}
}

func locKey(l index.Location) methodKey {
	return methodKey{ClassName: l.Class, ClassSide: l.ClassSide, Selector: l.Selector}
}

// liveContext bounds the image calls of a navigation request; live is
// false when the image is known to be down.
func (s *server) liveContext(ctx context.Context) (context.Context, context.CancelFunc, bool) {
	c, cancel := context.WithTimeout(ctx, navigationTimeout)
	return c, cancel, s.image.available()
}

// imageImplementors asks the image who implements selector.
func (s *server) imageImplementors(ctx context.Context, selector string, limit int) []stuiproto.MethodRef {
	var res stuiproto.ImplementorsResult
	if err := stuiproto.Call(ctx, s.image, stuiproto.ImplementorsCommand, stuiproto.SelectorParams{Selector: selector, Limit: limit}, &res); err != nil {
		s.log.Debug("implementors", zap.String("selector", selector), zap.Error(err))
		return nil
	}
	return res.Implementors
}

// implementorLocations merges the image's implementors of selector with the
// workspace's: workspace files first, then generated documents.
func (s *server) implementorLocations(ctx context.Context, selector string) []protocol.Location {
	ctx, cancel, live := s.liveContext(ctx)
	defer cancel()
	loc := s.newLocator()
	seen := map[methodKey]bool{}
	var files, generated []protocol.Location
	if live {
		for _, ref := range s.imageImplementors(ctx, selector, 200) {
			k := refKey(ref)
			if seen[k] {
				continue
			}
			seen[k] = true
			if key, m := s.workspaceMethod(k); m != nil {
				if l, ok := loc.at(key, m.SelectorRange); ok {
					files = append(files, l)
				}
			} else if l, ok := loc.method(ctx, k, true); ok {
				generated = append(generated, l)
			}
		}
	}
	for _, il := range s.workspace.index.Implementors(selector) {
		if seen[locKey(il)] {
			continue
		}
		seen[locKey(il)] = true
		if l, ok := loc.at(il.URI, il.NameRange); ok {
			files = append(files, l)
		}
	}
	sortLocations(files)
	return append(files, generated...)
}

func sortLocations(ls []protocol.Location) {
	sort.SliceStable(ls, func(i, j int) bool {
		if ls[i].URI != ls[j].URI {
			return ls[i].URI < ls[j].URI
		}
		a, b := ls[i].Range.Start, ls[j].Range.Start
		return a.Line < b.Line || a.Line == b.Line && a.Character < b.Character
	})
}

// classLocations finds where a class is defined: the workspace's
// definitions (extensions only when there is no definition), else the
// image's definition in a generated document.
func (s *server) classLocations(ctx context.Context, name string) []protocol.Location {
	loc := s.newLocator()
	var defs, exts []protocol.Location
	for _, cl := range s.workspace.index.ClassDefinition(name) {
		if l, ok := loc.at(cl.URI, cl.NameRange); ok {
			if cl.Extension {
				exts = append(exts, l)
			} else {
				defs = append(defs, l)
			}
		}
	}
	if len(defs) > 0 {
		return defs
	}
	ctx, cancel, live := s.liveContext(ctx)
	defer cancel()
	if live {
		if l, err := s.generatedClass(ctx, name); err == nil {
			defs = append(defs, l)
		} else {
			s.log.Debug("generated class document", zap.String("class", name), zap.Error(err))
		}
	}
	return append(defs, exts...)
}

// Definition goes from a selector to its implementors, from a class name to
// its definition, and from a variable to its declaration.
func (s *server) Definition(ctx context.Context, params *protocol.DefinitionParams) (protocol.DefinitionResult, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return protocol.LocationSlice{}, nil
	}
	off := doc.lines().offset(params.Position, s.encoding)
	return protocol.LocationSlice(s.definitions(ctx, doc, doc.file().IdentifierAt(off))), nil
}

// Implementation lists the implementors of the selector at the cursor (and
// for a class, its definition).
func (s *server) Implementation(ctx context.Context, params *protocol.ImplementationParams) (protocol.DefinitionResult, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return protocol.LocationSlice{}, nil
	}
	off := doc.lines().offset(params.Position, s.encoding)
	return protocol.LocationSlice(s.definitions(ctx, doc, doc.file().IdentifierAt(off))), nil
}

func (s *server) definitions(ctx context.Context, doc *document, id smalltalk.Ident) []protocol.Location {
	out := []protocol.Location{}
	lines := doc.lines()
	switch id.Kind {
	case smalltalk.IdentSelector, smalltalk.IdentSymbol:
		if id.Name != "" {
			out = append(out, s.implementorLocations(ctx, id.Name)...)
		}
	case smalltalk.IdentGlobal:
		out = append(out, s.classLocations(ctx, id.Name)...)
	case smalltalk.IdentArg, smalltalk.IdentTemp:
		if id.Decl.Len() > 0 {
			out = append(out, protocol.Location{URI: doc.uri, Range: lines.rangeOf(id.Decl.Start, id.Decl.End, s.encoding)})
		}
	case smalltalk.IdentInstVar, smalltalk.IdentClassVar:
		if id.Method != nil {
			out = append(out, s.classLocations(ctx, id.Method.ClassName)...)
		}
	}
	return out
}
