package lsp

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func TestInspectReturnsSlotsAndOpensADocument(t *testing.T) {
	img := evalImage(map[string]any{"OrderedCollection new add: 3; yourself": "an OrderedCollection(3)"})
	img.on(stuiproto.CmdInspect, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.InspectParams
		_ = json.Unmarshal(raw, &p)
		if p.ObjectID != "obj_1" || p.SessionID == "" {
			return nil, &stuiproto.RemoteError{Type: stuiproto.ErrObjectNotFound, Message: p.ObjectID}
		}
		child := "obj_2"
		return stuiproto.InspectResult{
			ObjectID:   "obj_1",
			ObjectInfo: stuiproto.ObjectInfo{ClassName: "OrderedCollection", StringRepresentation: "an OrderedCollection(3)", Size: 1},
			Slots: []stuiproto.Slot{
				{Name: "array", PrintString: "#(nil 3 nil)", ClassName: "Array", ObjectID: &child, HasSlots: true},
				{Name: "firstIndex", PrintString: "2", ClassName: "SmallInteger"},
			},
			TotalSlots: 2,
		}, nil
	})
	e := startEditor(t, editorOptions{image: img})
	var res inspectResult
	if err := e.executeCommand(cmdInspect, map[string]any{"code": "OrderedCollection new add: 3; yourself"}, &res); err != nil {
		t.Fatal(err)
	}
	if res.ObjectInfo.ClassName != "OrderedCollection" || len(res.Slots) != 2 || *res.Slots[0].ObjectID != "obj_2" {
		t.Fatalf("inspection = %+v", res)
	}
	var p stuiproto.EvaluateParams
	_ = json.Unmarshal(img.callsOf(stuiproto.CmdEvaluate)[0], &p)
	if p.EvaluationMode != stuiproto.ModeInspect {
		t.Errorf("evaluated in mode %q, want inspect", p.EvaluationMode)
	}
	if res.Document == "" {
		t.Fatal("no inspector document")
	}
	data, err := os.ReadFile(uriToPath(uri.URI(res.Document)))
	if err != nil || !strings.Contains(string(data), "[obj_2]") {
		t.Errorf("inspector document: %v\n%s", err, data)
	}
	e.mu.Lock()
	shown := len(e.shown)
	e.mu.Unlock()
	for i := 0; shown == 0 && i < 100; i++ {
		<-e.changed
		e.mu.Lock()
		shown = len(e.shown)
		e.mu.Unlock()
	}
	if shown == 0 {
		t.Error("the inspector document was not shown with window/showDocument")
	}
}

func TestInspectorDocumentIsReadable(t *testing.T) {
	id := "obj_7"
	text := renderInspection(&inspectResult{InspectResult: stuiproto.InspectResult{
		ObjectID:   "obj_1",
		ObjectInfo: stuiproto.ObjectInfo{ClassName: "Point", StringRepresentation: "(1@2)"},
		Slots:      []stuiproto.Slot{{Name: "x", PrintString: "1", ClassName: "SmallInteger", ObjectID: &id, HasSlots: true}},
		TotalSlots: 5,
	}})
	for _, want := range []string{"(1@2)", "class: Point", "x     1  (SmallInteger)  [obj_7]", "4 more slots"} {
		if !strings.Contains(text, want) {
			t.Errorf("inspector text lacks %q:\n%s", want, text)
		}
	}
}
