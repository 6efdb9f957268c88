package lsp

import (
	"context"
	"encoding/json"
	"sort"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// maxSubtypeDocuments caps how many classes known only to the image one
// subtypes request writes read-only documents for.
const maxSubtypeDocuments = 50

// typeItemData is what a type hierarchy item carries between requests.
type typeItemData struct {
	Class string `json:"class"`
}

// classFacts is what the hierarchy needs to know of one class, merged from
// the workspace and the image.
type classFacts struct {
	name       string
	superclass string // "" for a root or when nobody knows
	pkg        string
	def        *smalltalk.ClassDef // the workspace definition, if any
	defKey     string              // the index key of def's file
	image      *stuiproto.ClassInfo
}

// PrepareTypeHierarchy starts from the class named under the cursor: a class
// reference, the name or superclass of a class definition, or the class of a
// method header.
func (s *server) PrepareTypeHierarchy(ctx context.Context, params *protocol.TypeHierarchyPrepareParams) ([]protocol.TypeHierarchyItem, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	off := doc.lines().offset(params.Position, s.encoding)
	id := doc.file().IdentifierAt(off)
	if id.Kind != smalltalk.IdentGlobal || id.Name == "" {
		return nil, nil
	}
	ctx, cancel, live := s.liveContext(ctx)
	defer cancel()
	facts := s.classFacts(ctx, id.Name, live)
	if facts.def == nil && facts.image == nil {
		return nil, nil
	}
	item, ok := s.typeItem(ctx, facts, live)
	if !ok {
		return nil, nil
	}
	return []protocol.TypeHierarchyItem{item}, nil
}

// Supertypes answers the superclass of the item's class: the workspace's
// definition says which when it has one (it is what the editor shows),
// else the image. A superclass neither of them defines points at the place
// that names it.
func (s *server) Supertypes(ctx context.Context, params *protocol.TypeHierarchySupertypesParams) ([]protocol.TypeHierarchyItem, error) {
	name := itemClass(params.Item)
	if name == "" {
		return []protocol.TypeHierarchyItem{}, nil
	}
	ctx, cancel, live := s.liveContext(ctx)
	defer cancel()
	facts := s.classFacts(ctx, name, live)
	out := []protocol.TypeHierarchyItem{}
	if facts.superclass == "" {
		return out, nil
	}
	super := s.classFacts(ctx, facts.superclass, live)
	if item, ok := s.typeItem(ctx, super, live); ok {
		return append(out, item), nil
	}
	if facts.def != nil && facts.def.SuperclassRange.Len() > 0 {
		if l, ok := s.newLocator().at(facts.defKey, facts.def.SuperclassRange); ok {
			detail := "not defined in the workspace"
			out = append(out, protocol.TypeHierarchyItem{
				Name: facts.superclass, Kind: protocol.SymbolKindClass, Detail: &detail,
				URI: l.URI, Range: l.Range, SelectionRange: l.Range, Data: typeData(facts.superclass),
			})
		}
	}
	return out, nil
}

// Subtypes answers the direct subclasses of the item's class: those the
// workspace defines, then those only the image has.
func (s *server) Subtypes(ctx context.Context, params *protocol.TypeHierarchySubtypesParams) ([]protocol.TypeHierarchyItem, error) {
	name := itemClass(params.Item)
	out := []protocol.TypeHierarchyItem{}
	if name == "" {
		return out, nil
	}
	ctx, cancel, live := s.liveContext(ctx)
	defer cancel()
	seen := map[string]bool{}
	for _, sub := range s.workspaceSubclasses(name) {
		seen[sub] = true
		if item, ok := s.typeItem(ctx, s.classFacts(ctx, sub, false), false); ok {
			out = append(out, item)
		}
	}
	if !live {
		return out, nil
	}
	info := s.imageClass(ctx, name)
	if info == nil {
		return out, nil
	}
	written := 0
	for _, sub := range sortedCopy(info.Subclasses) {
		if seen[sub] || written >= maxSubtypeDocuments {
			continue
		}
		seen[sub] = true
		written++
		if item, ok := s.typeItem(ctx, s.classFacts(ctx, sub, true), true); ok {
			out = append(out, item)
		}
	}
	return out, nil
}

// classFacts gathers what the workspace and (when live) the image know of
// a class. The image is asked only for what the workspace lacks.
func (s *server) classFacts(ctx context.Context, name string, live bool) classFacts {
	f := classFacts{name: name}
	for _, l := range s.workspace.index.ClassDefinition(name) {
		if l.Extension {
			continue
		}
		if file := s.indexedFile(l.URI); file != nil {
			if d := findClass(file, name); d != nil {
				f.def, f.defKey = d, l.URI
				f.superclass, f.pkg = d.Superclass, d.Package
				if f.pkg == "" {
					f.pkg = d.Category
				}
				break
			}
		}
	}
	if f.def == nil && live {
		if info := s.imageClass(ctx, name); info != nil {
			f.image = info
			f.pkg = info.Package
			if info.Superclass != nil {
				f.superclass = *info.Superclass
			}
		}
	}
	return f
}

// imageClass asks the image about a class, without its methods.
func (s *server) imageClass(ctx context.Context, name string) *stuiproto.ClassInfo {
	var res stuiproto.BrowseClassResult
	no := false
	if err := stuiproto.Call(ctx, s.image, stuiproto.BrowseClassCommand, stuiproto.BrowseClassParams{ClassName: name, IncludeMethods: &no}, &res); err != nil {
		s.log.Debug("browse_class for the type hierarchy", zap.String("class", name), zap.Error(err))
		return nil
	}
	return &res.ClassInfo
}

// typeItem places a class: at its workspace definition, else in a
// read-only document of the image's definition.
func (s *server) typeItem(ctx context.Context, f classFacts, live bool) (protocol.TypeHierarchyItem, bool) {
	item := protocol.TypeHierarchyItem{Name: f.name, Kind: protocol.SymbolKindClass, Data: typeData(f.name)}
	if f.pkg != "" {
		pkg := f.pkg
		item.Detail = &pkg
	}
	switch {
	case f.def != nil:
		loc := s.newLocator()
		whole, ok := loc.at(f.defKey, f.def.DefRange)
		name, ok2 := loc.at(f.defKey, f.def.NameRange)
		if !ok || !ok2 {
			return item, false
		}
		item.URI, item.Range, item.SelectionRange = whole.URI, whole.Range, name.Range
		return item, true
	case live:
		l, err := s.generatedClass(ctx, f.name)
		if err != nil {
			s.log.Debug("generated class document", zap.String("class", f.name), zap.Error(err))
			return item, false
		}
		item.URI, item.Range, item.SelectionRange = l.URI, l.Range, l.Range
		return item, true
	}
	return item, false
}

// workspaceSubclasses lists, sorted, the classes the workspace defines as
// direct subclasses of name.
func (s *server) workspaceSubclasses(name string) []string {
	var out []string
	for _, c := range s.workspace.index.Classes() {
		for _, l := range s.workspace.index.ClassDefinition(c) {
			if l.Extension {
				continue
			}
			if file := s.indexedFile(l.URI); file != nil {
				if d := findClass(file, c); d != nil && d.Superclass == name {
					out = append(out, c)
					break
				}
			}
		}
	}
	return out
}

func itemClass(item protocol.TypeHierarchyItem) string {
	var d typeItemData
	if json.Unmarshal(item.Data, &d) == nil && d.Class != "" {
		return d.Class
	}
	return item.Name
}

func typeData(class string) protocol.LSPAny {
	data, _ := json.Marshal(typeItemData{Class: class})
	return data
}

func sortedCopy(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}
