package lsp

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// browsingImage answers the code-browsing commands from a table of methods
// ("Class>>selector" or "Class class>>selector" -> source) and senders.
func browsingImage(methods map[string]string, senders map[string][]string) *fakeImage {
	img := newFakeImage()
	ref := func(label string) stuiproto.MethodRef {
		cls, sel, _ := strings.Cut(label, ">>")
		name, side := strings.CutSuffix(cls, " class")
		return stuiproto.MethodRef{ClassName: name, Selector: sel, IsClassMethod: side, Package: "Pkg-" + name, Category: "accessing"}
	}
	img.on(stuiproto.CmdImplementors, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.SelectorParams
		_ = json.Unmarshal(raw, &p)
		res := stuiproto.ImplementorsResult{Selector: p.Selector, Implementors: []stuiproto.MethodRef{}}
		for label := range methods {
			if r := ref(label); r.Selector == p.Selector {
				res.Implementors = append(res.Implementors, r)
			}
		}
		res.TotalCount = len(res.Implementors)
		return res, nil
	})
	img.on(stuiproto.CmdSenders, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.SelectorParams
		_ = json.Unmarshal(raw, &p)
		res := stuiproto.SendersResult{Selector: p.Selector, Senders: []stuiproto.MethodRef{}}
		for _, label := range senders[p.Selector] {
			res.Senders = append(res.Senders, ref(label))
		}
		return res, nil
	})
	img.on(stuiproto.CmdGetMethod, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.GetMethodParams
		_ = json.Unmarshal(raw, &p)
		label := p.ClassName
		if p.IsClassMethod {
			label += " class"
		}
		label += ">>" + p.MethodName
		src, ok := methods[label]
		if !ok {
			return nil, &stuiproto.RemoteError{Type: stuiproto.ErrMethodNotFound, Message: label}
		}
		r := ref(label)
		return stuiproto.GetMethodResult{Method: stuiproto.Method{ClassName: r.ClassName, Name: r.Selector, IsClassMethod: r.IsClassMethod,
			Category: "accessing", Package: r.Package, Comment: "The comment of " + label, Source: src}}, nil
	})
	return img
}

func (e *editor) locations(method string, params any) []protocol.Location {
	e.t.Helper()
	var locs []protocol.Location
	if err := e.call(method, params, &locs); err != nil {
		e.t.Fatalf("%s: %v", method, err)
	}
	return locs
}

func TestDefinitionGoesToWorkspaceFilesAndGeneratedDocuments(t *testing.T) {
	src, cat := markers(counterSource)
	folder := writeFolder(t, map[string]string{"src/Demo/Counter.class.st": src})
	counterURI := uri.File(filepath.Join(folder, "src", "Demo", "Counter.class.st"))
	img := browsingImage(map[string]string{
		"Counter>>increment":  "increment\n\tcount := self count + 1",
		"Object>>printString": "printString\n\t\"Answer a String 😀\"\n\t^ self printStringLimitedTo: 50000",
	}, nil)
	cache := t.TempDir()
	e := startEditor(t, editorOptions{folder: folder, image: img, cacheDir: cache})
	e.waitIndexed(1)
	text, at := markers("| ⟦decl⟧c |\n\"ça 😀\" c := ⟦cls⟧Counter new. c ⟦incr⟧increment. c ⟦ps⟧printString. ⟦use⟧c yourself.")
	u := e.open("play.st", text)

	def := func(m string) []protocol.Location {
		return e.locations("textDocument/definition", &protocol.DefinitionParams{TextDocumentPositionParams: tdp(u, at[m])})
	}
	if got := def("incr"); len(got) != 1 || got[0].URI != counterURI || got[0].Range.Start != cat["incr"] {
		t.Errorf("definition of increment = %v, want %s at %v (the workspace file, not a copy)", got, counterURI, cat["incr"])
	}
	if got := def("cls"); len(got) != 1 || got[0].URI != counterURI || got[0].Range.Start != cat["cls"] {
		t.Errorf("definition of Counter = %v, want %v", got, cat["cls"])
	}
	if got := def("use"); len(got) != 1 || got[0].URI != u || got[0].Range.Start != at["decl"] {
		t.Errorf("definition of c = %v, want its declaration at %v", got, at["decl"])
	}
	got := def("ps")
	if len(got) != 1 {
		t.Fatalf("definition of printString = %v", got)
	}
	path := got[0].URI.FsPath()
	if want := filepath.Join(cache, "methods", "Object>>printString.st"); path != want {
		t.Errorf("generated document %s, want %s", path, want)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o400 {
		t.Errorf("generated document mode %v, want read-only 0400", info.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	content := string(data)
	if !strings.Contains(content, "^ self printStringLimitedTo: 50000") {
		t.Errorf("generated document lacks the source:\n%s", content)
	}
	sel := newLineIndex(content).position(strings.Index(content, "printString\n"), encodingUTF16)
	if got[0].Range.Start != sel {
		t.Errorf("generated location %v, want the selector at %v", got[0].Range.Start, sel)
	}
	// A second request rewrites the read-only file without failing.
	if again := def("ps"); len(again) != 1 || again[0] != got[0] {
		t.Errorf("second definition = %v", again)
	}

	impl := e.locations("textDocument/implementation", &protocol.ImplementationParams{TextDocumentPositionParams: tdp(u, at["incr"])})
	if len(impl) != 1 || impl[0].URI != counterURI {
		t.Errorf("implementation of increment = %v", impl)
	}
}

func TestDefinitionWithoutImageUsesTheIndex(t *testing.T) {
	src, cat := markers(counterSource)
	folder := writeFolder(t, map[string]string{"Counter.class.st": src})
	e := startEditor(t, editorOptions{folder: folder})
	e.waitIndexed(1)
	text, at := markers("Counter new ⟦i⟧increment; ⟦p⟧printString")
	u := e.open("p.st", text)
	if got := e.locations("textDocument/definition", &protocol.DefinitionParams{TextDocumentPositionParams: tdp(u, at["i"])}); len(got) != 1 || got[0].Range.Start != cat["incr"] {
		t.Errorf("offline definition = %v", got)
	}
	if got := e.locations("textDocument/definition", &protocol.DefinitionParams{TextDocumentPositionParams: tdp(u, at["p"])}); len(got) != 0 {
		t.Errorf("offline definition of an image-only selector = %v, want none", got)
	}
}

func TestGeneratedDocumentsStayOutOfTheIndex(t *testing.T) {
	img := browsingImage(map[string]string{"Object>>printString": "printString\n\t^ 'x'"}, nil)
	e := startEditor(t, editorOptions{image: img})
	text, at := markers("3 ⟦p⟧printString")
	u := e.open("p.st", text)
	locs := e.locations("textDocument/definition", &protocol.DefinitionParams{TextDocumentPositionParams: tdp(u, at["p"])})
	if len(locs) != 1 {
		t.Fatalf("definition = %v", locs)
	}
	data, _ := os.ReadFile(locs[0].URI.FsPath())
	e.openURI(locs[0].URI, string(data))
	if err := e.conn.Notify(context.Background(), "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: td(locs[0].URI)}); err != nil {
		t.Fatal(err)
	}
	_ = e.locations("textDocument/definition", &protocol.DefinitionParams{TextDocumentPositionParams: tdp(u, at["p"])})
	if impls := e.srv.workspace.index.Implementors("printString"); len(impls) != 0 {
		t.Errorf("a generated document entered the workspace index: %v", impls)
	}
}
