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

func (e *editor) symbols(query string) []protocol.SymbolInformation {
	e.t.Helper()
	var out []protocol.SymbolInformation
	if err := e.call("workspace/symbol", &protocol.WorkspaceSymbolParams{Query: query}, &out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func TestWorkspaceSymbolsRankIndexAndImageMatches(t *testing.T) {
	src, cat := markers(counterSource)
	folder := writeFolder(t, map[string]string{"Counter.class.st": src})
	counterURI := uri.File(filepath.Join(folder, "Counter.class.st"))
	img := browsingImage(map[string]string{"OrderedCollection>>increment": "increment\n\t^ self"}, nil)
	img.on(stuiproto.CmdListClasses, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.ListClassesParams
		_ = json.Unmarshal(raw, &p)
		if p.Pattern != "*Count*" {
			return stuiproto.ListClassesResult{Classes: []string{}}, nil
		}
		return stuiproto.ListClassesResult{Classes: []string{"Counter", "CountedThing", "DiscountRule"}, TotalCount: 3}, nil
	})
	img.on(stuiproto.CmdBrowseClass, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.BrowseClassParams
		_ = json.Unmarshal(raw, &p)
		return stuiproto.BrowseClassResult{ClassInfo: stuiproto.ClassInfo{Name: p.ClassName, Definition: "Object << #" + p.ClassName + "\n\tpackage: 'X'"}}, nil
	})
	e := startEditor(t, editorOptions{folder: folder, image: img})
	e.waitIndexed(1)

	got := e.symbols("Count")
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	// Prefix matches first (shorter first), then the case-insensitive prefix
	// (the method count), then the substring match.
	if strings.Join(names, ",") != "Counter,CountedThing,count,DiscountRule" {
		t.Fatalf("symbols for Count = %v", names)
	}
	if got[0].Location.URI != counterURI || got[0].Location.Range.Start != cat["cls"] {
		t.Errorf("Counter at %v, want the workspace definition", got[0].Location)
	}
	if !strings.HasSuffix(got[1].Location.URI.FsPath(), filepath.Join("classes", "CountedThing.st")) {
		t.Errorf("CountedThing at %v, want a generated class document", got[1].Location.URI)
	}

	got = e.symbols("increment")
	var where []string
	for _, s := range got {
		where = append(where, *s.ContainerName+">>"+s.Name)
	}
	if len(got) != 2 || got[0].Location.URI != counterURI || got[0].Location.Range.Start != cat["incr"] {
		t.Errorf("symbols for increment = %v", where)
	}
	if !strings.Contains(strings.Join(where, " "), "OrderedCollection>>increment") {
		t.Errorf("the image's implementor is missing: %v", where)
	}
}
