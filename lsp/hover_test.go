package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func (e *editor) hover(u uri.URI, pos protocol.Position) string {
	e.t.Helper()
	var h *protocol.Hover
	if err := e.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: pos}}, &h); err != nil {
		e.t.Fatalf("hover: %v", err)
	}
	if h == nil {
		return ""
	}
	if mc, ok := h.Contents.(*protocol.MarkupContent); ok {
		return mc.Value
	}
	e.t.Fatalf("hover contents %T", h.Contents)
	return ""
}

const counterTonel = `"A counter: café ☕ 😀"
Class {
	#name : #Counter,
	#superclass : #Object,
	#instVars : [ 'count' ],
	#category : #Demo
}

{ #category : #accessing }
Counter >> increment [
	| step |
	step := 1.
	count := count + step.
	^ self print⟦kw⟧String: 10 pad⟦kw2⟧ded: $0
]
`

func TestHoverClassFromImage(t *testing.T) {
	img := newFakeImage()
	img.on(stuiproto.CmdBrowseClass, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.BrowseClassParams
		_ = json.Unmarshal(raw, &p)
		if p.ClassName != "OrderedCollection" {
			return nil, &stuiproto.RemoteError{Type: stuiproto.ErrClassNotFound, Message: p.ClassName}
		}
		super := "SequenceableCollection"
		return stuiproto.BrowseClassResult{
			ClassInfo:    stuiproto.ClassInfo{Name: "OrderedCollection", Superclass: &super, Package: "Collections-Sequenceable", Comment: "I am a growable collection."},
			InstanceVars: []string{"array", "firstIndex", "lastIndex"},
		}, nil
	})
	e := startEditor(t, editorOptions{image: img})
	text, at := markers("\"naïve 😀\" x := Ordered⟦c⟧Collection new.")
	u := e.open("h.st", text)
	got := e.hover(u, at["c"])
	for _, want := range []string{"OrderedCollection", "SequenceableCollection", "Collections-Sequenceable", "firstIndex", "growable"} {
		if !strings.Contains(got, want) {
			t.Errorf("hover lacks %q:\n%s", want, got)
		}
	}
}

func TestHoverSelectorShowsImplementorsAndSingleSource(t *testing.T) {
	img := newFakeImage()
	img.on(stuiproto.CmdImplementors, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.SelectorParams
		_ = json.Unmarshal(raw, &p)
		switch p.Selector {
		case "printString:padded:":
			return stuiproto.ImplementorsResult{Selector: p.Selector, TotalCount: 1, Implementors: []stuiproto.MethodRef{{ClassName: "Integer", Selector: p.Selector, Package: "Kernel"}}}, nil
		case "printString":
			refs := []stuiproto.MethodRef{{ClassName: "Object", Selector: "printString"}, {ClassName: "String", Selector: "printString"}}
			return stuiproto.ImplementorsResult{Selector: p.Selector, TotalCount: 40, Implementors: refs}, nil
		}
		return stuiproto.ImplementorsResult{Selector: p.Selector}, nil
	})
	img.on(stuiproto.CmdGetMethod, func(context.Context, json.RawMessage) (any, error) {
		return stuiproto.GetMethodResult{Method: stuiproto.Method{Source: "printString: base padded: size\n\t^ self printPaddedWith: $0 to: size base: base"}}, nil
	})
	e := startEditor(t, editorOptions{image: img})
	text, at := markers(counterTonel)
	u := e.open("Counter.class.st", text)
	// From either keyword of printString:padded:, the whole selector.
	for _, m := range []string{"kw", "kw2"} {
		got := e.hover(u, at[m])
		if !strings.Contains(got, "#printString:padded:") || !strings.Contains(got, "printPaddedWith:") {
			t.Errorf("hover at %s:\n%s", m, got)
		}
	}
	_ = at
}

func TestHoverVariableFromSession(t *testing.T) {
	img := newFakeImage()
	img.on(stuiproto.CmdGetVariable, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.GetVariableParams
		_ = json.Unmarshal(raw, &p)
		if p.Name != "total" || p.SessionID == "" {
			return nil, &stuiproto.RemoteError{Type: stuiproto.ErrVariableNotFound, Message: p.Name}
		}
		return stuiproto.GetVariableResult{Name: "total", PrintString: "42", ClassName: "SmallInteger"}, nil
	})
	e := startEditor(t, editorOptions{image: img})
	text, at := markers("\"über\" tot⟦v⟧al + 1")
	u := e.open("v.st", text)
	got := e.hover(u, at["v"])
	if !strings.Contains(got, "total") || !strings.Contains(got, "42") || !strings.Contains(got, "SmallInteger") {
		t.Errorf("variable hover:\n%s", got)
	}
}

func TestHoverOfflineUsesTheFiles(t *testing.T) {
	e := startEditor(t, editorOptions{}) // no image at all
	text, at := markers(strings.Replace(counterTonel, "\tcount := count + step.", "\tcount := ⟦iv⟧count + ⟦tmp⟧step.", 1))
	text2, at2 := markers("⟦c⟧Counter new increment")
	u := e.open("Counter.class.st", text)
	u2 := e.open("use.st", text2)
	start := time.Now()
	got := e.hover(u2, at2["c"])
	if !strings.Contains(got, "Counter") || !strings.Contains(got, "Object") || !strings.Contains(got, "café") || !strings.Contains(got, "image not connected") {
		t.Errorf("offline class hover:\n%s", got)
	}
	if got := e.hover(u, at["iv"]); !strings.Contains(got, "instance variable of Counter") {
		t.Errorf("instance variable hover: %q", got)
	}
	if got := e.hover(u, at["tmp"]); !strings.Contains(got, "temporary") {
		t.Errorf("temporary hover: %q", got)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("offline hovers took %v", time.Since(start))
	}
}

func TestHoverSaysWhyTheImageDidNotHelp(t *testing.T) {
	img := newFakeImage()
	img.on(stuiproto.CmdBrowseClass, func(context.Context, json.RawMessage) (any, error) {
		return nil, fmt.Errorf("%w: reply is not valid JSON", stuiproto.ErrBadReply)
	})
	e := startEditor(t, editorOptions{image: img})
	text, at := markers("Object subclass: #Foo.\n⟦c⟧Foo new")
	u := e.open("bad.st", text)
	got := e.hover(u, at["c"])
	if !strings.Contains(got, "image error: malformed reply") || strings.Contains(got, "not connected") {
		t.Errorf("hover on a malformed reply: %q", got)
	}
}

func TestAHoverWaitingForTheImageDoesNotHoldUpTheRequestsBehindIt(t *testing.T) {
	img := newFakeImage()
	asked := make(chan struct{})
	answer := make(chan struct{})
	reply := sync.OnceFunc(func() { close(answer) })
	defer reply()
	img.on(stuiproto.CmdBrowseClass, func(context.Context, json.RawMessage) (any, error) {
		close(asked)
		<-answer
		return stuiproto.BrowseClassResult{ClassInfo: stuiproto.ClassInfo{Name: "Counter", Comment: "the image's counter"}}, nil
	})
	e := startEditor(t, editorOptions{image: img})
	text, at := markers(strings.Replace(counterTonel, "\tcount := count + step.", "\tcount := ⟦iv⟧count + step.", 1))
	text2, at2 := markers("⟦c⟧Counter new increment")
	u := e.open("Counter.class.st", text)
	u2 := e.open("use.st", text2)
	first := make(chan string, 1)
	go func() { first <- e.hover(u2, at2["c"]) }()
	<-asked
	// The first hover waits for the image; a hover that the files answer
	// is read and answered meanwhile.
	second := make(chan string, 1)
	go func() { second <- e.hover(u, at["iv"]) }()
	select {
	case got := <-second:
		if !strings.Contains(got, "instance variable of Counter") {
			t.Errorf("the second hover: %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second hover waited for the first one's image call")
	}
	reply()
	if got := <-first; !strings.Contains(got, "the image's counter") {
		t.Errorf("the first hover: %q", got)
	}
}
