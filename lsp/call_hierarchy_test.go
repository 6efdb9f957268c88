package lsp

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

func TestCallHierarchyIncomingAndOutgoing(t *testing.T) {
	src, cat := markers(counterSource)
	folder := writeFolder(t, map[string]string{"Counter.class.st": src})
	counterURI := uri.File(filepath.Join(folder, "Counter.class.st"))
	img := browsingImage(map[string]string{
		"Counter>>count": "count\n\t^ count",
		"Report>>line":   "line\n\t^ 'n = ' , Counter new count printString",
	}, map[string][]string{"count": {"Counter>>increment", "Report>>line"}})
	e := startEditor(t, editorOptions{folder: folder, image: img})
	e.waitIndexed(1)
	e.openURI(counterURI, src)

	var items []protocol.CallHierarchyItem
	if err := e.call("textDocument/prepareCallHierarchy", &protocol.CallHierarchyPrepareParams{TextDocumentPositionParams: tdp(counterURI, cat["count"])}, &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Name != "Counter>>count" || items[0].SelectionRange.Start != cat["count"] {
		t.Fatalf("prepare on the pattern of count = %+v", items)
	}
	var in []protocol.CallHierarchyIncomingCall
	if err := e.call("callHierarchy/incomingCalls", &protocol.CallHierarchyIncomingCallsParams{Item: items[0]}, &in); err != nil {
		t.Fatal(err)
	}
	var callers []string
	for _, c := range in {
		callers = append(callers, c.From.Name)
		if c.From.Name == "Counter>>increment" && (c.From.URI != counterURI || len(c.FromRanges) != 1) {
			t.Errorf("increment call %+v", c)
		}
		if c.From.Name == "Report>>line" && !strings.HasSuffix(c.From.URI.FsPath(), "Report>>line.st") {
			t.Errorf("Report>>line is not in a generated document: %s", c.From.URI)
		}
	}
	sort.Strings(callers)
	if strings.Join(callers, ",") != "Counter>>increment,Report>>line" {
		t.Errorf("incoming calls of count from %v", callers)
	}

	// From a send: the implementors of the sent message.
	if err := e.call("textDocument/prepareCallHierarchy", &protocol.CallHierarchyPrepareParams{TextDocumentPositionParams: tdp(counterURI, cat["init"])}, &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Name != "#initialize" {
		t.Errorf("prepare on a send with no known implementor = %+v", items)
	}

	if err := e.call("textDocument/prepareCallHierarchy", &protocol.CallHierarchyPrepareParams{TextDocumentPositionParams: tdp(counterURI, cat["incr"])}, &items); err != nil {
		t.Fatal(err)
	}
	var out []protocol.CallHierarchyOutgoingCall
	if err := e.call("callHierarchy/outgoingCalls", &protocol.CallHierarchyOutgoingCallsParams{Item: items[0]}, &out); err != nil {
		t.Fatal(err)
	}
	var callees []string
	for _, c := range out {
		callees = append(callees, c.To.Name)
		if c.To.Name == "#at:put:" && c.FromRanges[0].Start != cat["send"] {
			t.Errorf("at:put: sent at %v, want %v", c.FromRanges[0].Start, cat["send"])
		}
		if c.To.Name == "Counter>>count" && c.To.SelectionRange.Start != cat["count"] {
			t.Errorf("count resolves to %v, want the workspace method at %v", c.To.SelectionRange.Start, cat["count"])
		}
	}
	if strings.Join(callees, ",") != "Counter>>count,#+,#at:put:" {
		t.Errorf("outgoing calls of increment: %v", callees)
	}
}
