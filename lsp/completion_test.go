package lsp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func completionAt(e *editor, doc protocol.TextDocumentIdentifier, p protocol.Position) map[string]protocol.CompletionItem {
	e.t.Helper()
	var list protocol.CompletionList
	if err := e.call("textDocument/completion", &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{TextDocument: doc, Position: p}}, &list); err != nil {
		e.t.Fatalf("completion: %v", err)
	}
	out := map[string]protocol.CompletionItem{}
	for _, it := range list.Items {
		out[it.Label] = it
	}
	return out
}

func completeImage() *fakeImage {
	img := newFakeImage()
	img.on(stuiproto.CmdComplete, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.CompleteParams
		_ = json.Unmarshal(raw, &p)
		all := []stuiproto.Completion{
			{Label: "at:put:", Kind: stuiproto.CompletionSelector, Detail: "Object", SelectorParts: []string{"at:", "put:"}},
			{Label: "atEnd", Kind: stuiproto.CompletionSelector, Detail: "Stream"},
			{Label: "total", Kind: stuiproto.CompletionVariable, Detail: "SmallInteger"},
			{Label: "Totalizer", Kind: stuiproto.CompletionClass, Detail: "Demo"},
		}
		res := stuiproto.CompleteResult{Completions: []stuiproto.Completion{}}
		for _, c := range all {
			if strings.HasPrefix(strings.ToLower(c.Label), strings.ToLower(p.Prefix)) && (c.Kind != stuiproto.CompletionVariable || p.SessionID != "") {
				res.Completions = append(res.Completions, c)
			}
		}
		return res, nil
	})
	img.on(stuiproto.CmdGetMethod, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.GetMethodParams
		_ = json.Unmarshal(raw, &p)
		if p.ClassName != "Object" || p.MethodName != "at:put:" {
			return nil, &stuiproto.RemoteError{Type: stuiproto.ErrMethodNotFound, Message: p.MethodName}
		}
		return stuiproto.GetMethodResult{Method: stuiproto.Method{ClassName: "Object", Name: "at:put:", Comment: "Store value at index.", Source: "at: index put: value\n\t\"Store value at index.\""}}, nil
	})
	return img
}

func TestCompletionFromImageWithSnippetsAndSessionVariables(t *testing.T) {
	img := completeImage()
	e := startEditor(t, editorOptions{image: img})
	e.srv.workspace.mu.Lock()
	e.srv.workspace.snippets = true
	e.srv.workspace.mu.Unlock()
	text, at := markers("\"é😀\" | x | x := 3. x ⟦p⟧at⟦c⟧ 1 put: 2.\n⟦q⟧to⟦c2⟧")
	u := e.open("play.st", text)

	items := completionAt(e, td(u), at["c"])
	it, ok := items["at:put:"]
	if !ok {
		t.Fatalf("no at:put: after a receiver: %v", items)
	}
	te, _ := it.TextEdit.(*protocol.TextEdit)
	if te == nil || te.NewText != "at: ${1:arg} put: ${2:arg}" || it.InsertTextFormat != protocol.InsertTextFormatSnippet {
		t.Errorf("at:put: inserts %+v (format %v), want a snippet with placeholders", te, it.InsertTextFormat)
	} else if te.Range.Start != at["p"] || te.Range.End != at["c"] {
		t.Errorf("at:put: replaces %v, want the typed prefix %v-%v (UTF-16)", te.Range, at["p"], at["c"])
	}
	if _, ok := items["Totalizer"]; ok {
		t.Errorf("a class offered where a message goes")
	}

	items = completionAt(e, td(u), at["c2"])
	if it, ok := items["total"]; !ok || it.Kind != protocol.CompletionItemKindVariable {
		t.Errorf("no session variable total at the start of a statement: %v", items)
	}
	if _, ok := items["Totalizer"]; !ok {
		t.Errorf("no class Totalizer: %v", items)
	}
	if _, ok := items["atEnd"]; ok {
		t.Errorf("a selector offered where a variable goes")
	}
	var sawSession bool
	for _, raw := range img.callsOf(stuiproto.CmdComplete) {
		var p stuiproto.CompleteParams
		_ = json.Unmarshal(raw, &p)
		sawSession = sawSession || p.SessionID != ""
	}
	if !sawSession {
		t.Error("complete never carried the workspace session id")
	}

	// Resolve names the implementing class and the method comment.
	var resolved protocol.CompletionItem
	if err := e.call("completionItem/resolve", items0(completionAt(e, td(u), at["c"]), "at:put:"), &resolved); err != nil {
		t.Fatal(err)
	}
	doc, _ := resolved.Documentation.(*protocol.MarkupContent)
	if optString(resolved.Detail) != "Object>>at:put:" || doc == nil || !strings.Contains(doc.Value, "Store value at index.") {
		t.Errorf("resolved detail %q, documentation %+v", optString(resolved.Detail), resolved.Documentation)
	}
}

func items0(m map[string]protocol.CompletionItem, label string) *protocol.CompletionItem {
	it := m[label]
	return &it
}

func TestCompletionOfflineFromFileAndIndex(t *testing.T) {
	src, _ := markers(counterSource)
	folder := writeFolder(t, map[string]string{"Counter.class.st": src})
	e := startEditor(t, editorOptions{folder: folder})
	e.waitIndexed(1)
	text, at := markers(`Class { #name : #Tally, #superclass : #Object, #instVars : [ 'counter' ] }

Tally >> add: anAmount [
	"é😀" | co |
	co := ⟦a⟧co⟦v⟧.
	^ Cou⟦k⟧ new ⟦p⟧incr⟦s⟧
]
`)
	u := e.open("Tally.class.st", text)
	items := completionAt(e, td(u), at["v"])
	if it, ok := items["counter"]; !ok || it.Kind != protocol.CompletionItemKindField {
		t.Errorf("no instance variable counter: %v", items)
	}
	if it, ok := items["co"]; !ok || it.Kind != protocol.CompletionItemKindVariable {
		t.Errorf("no temporary co: %v", items)
	}
	if te, _ := items["co"].TextEdit.(*protocol.TextEdit); te == nil || te.Range.Start != at["a"] {
		t.Errorf("co replaces %+v, want from %v", items["co"].TextEdit, at["a"])
	}
	items = completionAt(e, td(u), at["k"])
	if _, ok := items["Counter"]; !ok {
		t.Errorf("no class Counter from the workspace index: %v", items)
	}
	items = completionAt(e, td(u), at["s"])
	it, ok := items["increment"]
	if !ok {
		t.Fatalf("no selector increment from the workspace index: %v", items)
	}
	if te, _ := it.TextEdit.(*protocol.TextEdit); te == nil || te.NewText != "increment" || te.Range.Start != at["p"] {
		t.Errorf("increment inserts %+v", it.TextEdit)
	}
	if optString(it.Detail) != "Counter" {
		t.Errorf("increment detail %q, want its class", optString(it.Detail))
	}
}

func TestKeywordInsertWithoutSnippets(t *testing.T) {
	if got := keywordInsert("at:put:", false); got != "at: put: " {
		t.Errorf("plain insert %q", got)
	}
	if got := keywordInsert("with:with:with:", true); got != "with: ${1:arg} with: ${2:arg} with: ${3:arg}" {
		t.Errorf("snippet %q", got)
	}
}

func optString(o protocol.Optional[string]) string {
	v, _ := o.Get()
	return v
}

func TestAfterOperandDecidesSelectorPosition(t *testing.T) {
	for text, want := range map[string]bool{
		"x ":             true,
		"x foo; ":        true,
		"(3 + 4) ":       true,
		"'é😀' ":          true,
		"x := ":          false,
		"x at: ":         false,
		"":               false,
		"x. ":            false,
		"[:each ":        false,
		"x \"comment\" ": true,
		"^ ":             false,
	} {
		if got := afterOperand(text, len(text)); got != want {
			t.Errorf("afterOperand(%q) = %v, want %v", text, got, want)
		}
	}
}
