package lsp

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

const loudCounterSource = `Class {
	#name : #⟦loud⟧LoudCounter,
	#superclass : #⟦loudSuper⟧Counter,
	#category : #'Demo-Core'
}

LoudCounter >> shout [
	^ ⟦ref⟧Counter new
]
`

// hierarchyImage knows classes by name: superclass ("" for a root) and
// subclasses, as browse_class answers them.
func hierarchyImage(classes map[string][2]string) *fakeImage {
	img := newFakeImage()
	img.on(stuiproto.CmdBrowseClass, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.BrowseClassParams
		_ = json.Unmarshal(raw, &p)
		c, ok := classes[p.ClassName]
		if !ok {
			return nil, &stuiproto.RemoteError{Type: stuiproto.ErrClassNotFound, Message: p.ClassName}
		}
		info := stuiproto.ClassInfo{Name: p.ClassName, Package: "Img-" + p.ClassName,
			Definition: c[0] + " subclass: #" + p.ClassName}
		if c[0] != "" {
			super := c[0]
			info.Superclass = &super
		}
		if c[1] != "" {
			info.Subclasses = strings.Split(c[1], ",")
		}
		return stuiproto.BrowseClassResult{ClassInfo: info}, nil
	})
	return img
}

func (e *editor) typeItems(method string, params any) []protocol.TypeHierarchyItem {
	e.t.Helper()
	var items []protocol.TypeHierarchyItem
	if err := e.call(method, params, &items); err != nil {
		e.t.Fatalf("%s: %v", method, err)
	}
	return items
}

func typeNames(items []protocol.TypeHierarchyItem) string {
	var names []string
	for _, it := range items {
		names = append(names, it.Name)
	}
	return strings.Join(names, ",")
}

func TestTypeHierarchyMergesTheImageWithTheWorkspace(t *testing.T) {
	csrc, cat := markers(counterSource)
	lsrc, lat := markers(loudCounterSource)
	folder := writeFolder(t, map[string]string{"Counter.class.st": csrc, "LoudCounter.class.st": lsrc})
	counterURI := uri.File(filepath.Join(folder, "Counter.class.st"))
	loudURI := uri.File(filepath.Join(folder, "LoudCounter.class.st"))
	// The image has LoudCounter under Object: the workspace's definition,
	// which the editor shows, wins.
	img := hierarchyImage(map[string][2]string{
		"Object":           {"", "Counter,LoudCounter"},
		"Counter":          {"Object", "ImageOnlyCounter,LoudCounter"},
		"LoudCounter":      {"Object", ""},
		"ImageOnlyCounter": {"Counter", ""},
	})
	e := startEditor(t, editorOptions{folder: folder, image: img})
	e.waitIndexed(2)
	e.openURI(loudURI, lsrc)

	// From a class reference in a method body.
	items := e.typeItems("textDocument/prepareTypeHierarchy", &protocol.TypeHierarchyPrepareParams{TextDocumentPositionParams: tdp(loudURI, lat["ref"])})
	if len(items) != 1 || items[0].Name != "Counter" || items[0].URI != counterURI || items[0].SelectionRange.Start != cat["cls"] || items[0].Kind != protocol.SymbolKindClass {
		t.Fatalf("prepare on a reference to Counter = %+v", items)
	}
	counter := items[0]

	subs := e.typeItems("typeHierarchy/subtypes", &protocol.TypeHierarchySubtypesParams{Item: counter})
	if typeNames(subs) != "LoudCounter,ImageOnlyCounter" {
		t.Fatalf("subtypes of Counter = %s, want the workspace's LoudCounter then the image's ImageOnlyCounter", typeNames(subs))
	}
	if subs[0].URI != loudURI || subs[0].SelectionRange.Start != lat["loud"] {
		t.Errorf("LoudCounter is placed at %s %v, want its definition", subs[0].URI, subs[0].SelectionRange.Start)
	}
	if !strings.HasSuffix(subs[1].URI.FsPath(), filepath.Join("classes", "ImageOnlyCounter.st")) || subs[1].Detail == nil || *subs[1].Detail != "Img-ImageOnlyCounter" {
		t.Errorf("ImageOnlyCounter = %+v, want a generated document and the image's package", subs[1])
	}

	supers := e.typeItems("typeHierarchy/supertypes", &protocol.TypeHierarchySupertypesParams{Item: subs[0]})
	if typeNames(supers) != "Counter" || supers[0].URI != counterURI {
		t.Errorf("supertypes of LoudCounter = %+v, want the workspace's Counter", supers)
	}
	supers = e.typeItems("typeHierarchy/supertypes", &protocol.TypeHierarchySupertypesParams{Item: counter})
	if typeNames(supers) != "Object" || !strings.HasSuffix(supers[0].URI.FsPath(), filepath.Join("classes", "Object.st")) {
		t.Errorf("supertypes of Counter = %+v, want the image's Object", supers)
	}
	supers = e.typeItems("typeHierarchy/supertypes", &protocol.TypeHierarchySupertypesParams{Item: supers[0]})
	if len(supers) != 0 {
		t.Errorf("supertypes of the root = %+v, want none", supers)
	}

	// Not a class: nothing to start from.
	if items := e.typeItems("textDocument/prepareTypeHierarchy", &protocol.TypeHierarchyPrepareParams{TextDocumentPositionParams: tdp(counterURI, cat["send"])}); len(items) != 0 {
		t.Errorf("prepare on a selector = %+v", items)
	}
}

func TestTypeHierarchyOfflineFromTheIndex(t *testing.T) {
	csrc, cat := markers(counterSource)
	lsrc, lat := markers(loudCounterSource)
	folder := writeFolder(t, map[string]string{"Counter.class.st": csrc, "LoudCounter.class.st": lsrc})
	counterURI := uri.File(filepath.Join(folder, "Counter.class.st"))
	loudURI := uri.File(filepath.Join(folder, "LoudCounter.class.st"))
	e := startEditor(t, editorOptions{folder: folder})
	e.waitIndexed(2)
	e.openURI(loudURI, lsrc)

	// From the superclass name in a definition.
	items := e.typeItems("textDocument/prepareTypeHierarchy", &protocol.TypeHierarchyPrepareParams{TextDocumentPositionParams: tdp(loudURI, lat["loudSuper"])})
	if typeNames(items) != "Counter" || items[0].URI != counterURI {
		t.Fatalf("prepare offline = %+v", items)
	}
	if subs := e.typeItems("typeHierarchy/subtypes", &protocol.TypeHierarchySubtypesParams{Item: items[0]}); typeNames(subs) != "LoudCounter" {
		t.Errorf("subtypes offline = %s", typeNames(subs))
	}
	// Object is defined nowhere here: the item points at the name in
	// Counter's definition.
	supers := e.typeItems("typeHierarchy/supertypes", &protocol.TypeHierarchySupertypesParams{Item: items[0]})
	if typeNames(supers) != "Object" || supers[0].URI != counterURI || supers[0].SelectionRange.Start.Line != cat["cls"].Line+1 {
		t.Errorf("supertypes offline = %+v", supers)
	}
	// A name nobody defines starts no hierarchy.
	u := e.open("p.st", "Nowhere new")
	if items := e.typeItems("textDocument/prepareTypeHierarchy", &protocol.TypeHierarchyPrepareParams{TextDocumentPositionParams: tdp(u, protocol.Position{Character: 2})}); len(items) != 0 {
		t.Errorf("prepare on an unknown class = %+v", items)
	}
}
