package lsp

import (
	"context"
	"encoding/json"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

const storeSource = `Class {
	#name : #Store,
	#superclass : #Object,
	#category : #'Demo-Core'
}

Store >> at: index put: välue [
	"Remember välue under index.
	The second line is not shown."
	^ välue
]
`

func (e *editor) signatureHelp(p protocol.Position, u protocol.TextDocumentIdentifier) *protocol.SignatureHelp {
	e.t.Helper()
	var help *protocol.SignatureHelp
	if err := e.call("textDocument/signatureHelp", &protocol.SignatureHelpParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{TextDocument: u, Position: p}}, &help); err != nil {
		e.t.Fatal(err)
	}
	return help
}

// parameterText is the text of the signature's active parameter, read with
// the label offsets the server sent (UTF-16 units).
func parameterText(sig protocol.SignatureInformation, i uint32) string {
	if int(i) >= len(sig.Parameters) {
		return ""
	}
	span, ok := sig.Parameters[i].Label.(protocol.ParameterInformationLabelTuple)
	if !ok {
		return ""
	}
	li := newLineIndex(sig.Label)
	from := li.offset(protocol.Position{Character: span[0]}, encodingUTF16)
	to := li.offset(protocol.Position{Character: span[1]}, encodingUTF16)
	return sig.Label[from:to]
}

func TestSignatureHelpOnKeywordMessages(t *testing.T) {
	folder := writeFolder(t, map[string]string{"Store.class.st": storeSource})
	img := browsingImage(map[string]string{"Array>>at:put:": "at: i put: o\n\t^ o", "Store>>at:put:": ""}, nil)
	img.on(stuiproto.CmdGetMethod, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.GetMethodParams
		_ = json.Unmarshal(raw, &p)
		if p.ClassName != "Array" {
			t.Errorf("the image was asked for %s>>%s, which the workspace defines", p.ClassName, p.MethodName)
		}
		return stuiproto.GetMethodResult{Method: stuiproto.Method{ClassName: "Array", Name: "at:put:",
			Arguments: []string{"anIndex", "anObject"}, Comment: "Store anObject at anIndex.\nMore."}}, nil
	})
	e := startEditor(t, editorOptions{folder: folder, image: img})
	e.waitIndexed(1)
	text, at := markers("\"😀\" x ⟦a⟧at: 1 ⟦b⟧put: (y ⟦c⟧at: 2) ⟦d⟧.\nz ⟦e⟧at: 3 put: ⟦f⟧.\n\nw size⟦g⟧")
	u := e.open("p.st", text)

	help := e.signatureHelp(at["b"], td(u))
	if help == nil || len(help.Signatures) != 2 {
		t.Fatalf("signature help on put: = %+v, want the workspace's Store and the image's Array", help)
	}
	store, array := help.Signatures[0], help.Signatures[1]
	if store.Label != "Store >> at: index put: välue" || array.Label != "Array >> at: anIndex put: anObject" {
		t.Errorf("labels %q, %q", store.Label, array.Label)
	}
	active, _ := help.ActiveParameter.Get()
	if active != 1 || parameterText(store, active) != "put: välue" || parameterText(array, 0) != "at: anIndex" {
		t.Errorf("active parameter %d: %q / %q", active, parameterText(store, active), parameterText(array, 0))
	}
	doc, ok := store.Documentation.(*protocol.MarkupContent)
	if !ok || doc.Value != "Remember välue under index." {
		t.Errorf("documentation of Store = %+v, want the comment's first line", store.Documentation)
	}
	if doc, ok := array.Documentation.(*protocol.MarkupContent); !ok || doc.Value != "Store anObject at anIndex." {
		t.Errorf("documentation of Array = %+v", array.Documentation)
	}

	if help := e.signatureHelp(at["a"], td(u)); help == nil {
		t.Error("no help on the first keyword")
	} else if a, _ := help.ActiveParameter.Get(); a != 0 {
		t.Errorf("active parameter on at: = %d", a)
	}
	// Inside the parenthesised argument, the inner message: at: alone, which
	// nobody implements here.
	if help := e.signatureHelp(at["c"], td(u)); help != nil {
		t.Errorf("help inside (y at: 2) = %+v, want none (no implementor of at:)", help)
	}
	if help := e.signatureHelp(at["d"], td(u)); help == nil || len(help.Signatures) != 2 {
		t.Errorf("help after the last argument = %+v", help)
	}
	// Typing the next argument: the blank after put: still belongs to it.
	if help := e.signatureHelp(at["f"], td(u)); help == nil {
		t.Error("no help while the last argument is being typed")
	} else if a, _ := help.ActiveParameter.Get(); a != 1 {
		t.Errorf("active parameter while typing = %d", a)
	}
	if help := e.signatureHelp(at["g"], td(u)); help != nil {
		t.Errorf("help on a unary message = %+v", help)
	}
}

func TestSignatureHelpOffline(t *testing.T) {
	folder := writeFolder(t, map[string]string{"Store.class.st": storeSource})
	e := startEditor(t, editorOptions{folder: folder})
	e.waitIndexed(1)
	text, at := markers("x at: 1 put: ⟦p⟧2")
	u := e.open("p.st", text)
	help := e.signatureHelp(at["p"], td(u))
	if help == nil || len(help.Signatures) != 1 || help.Signatures[0].Label != "Store >> at: index put: välue" {
		t.Fatalf("offline signature help = %+v", help)
	}
}
