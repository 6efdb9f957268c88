package lsp

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

func (e *editor) codeLenses(u uri.URI) []protocol.CodeLens {
	e.t.Helper()
	var lenses []protocol.CodeLens
	if err := e.call("textDocument/codeLens", &protocol.CodeLensParams{TextDocument: td(u)}, &lenses); err != nil {
		e.t.Fatal(err)
	}
	return lenses
}

// resolvedTitles resolves every lens over the line of pos and joins their
// titles.
func (e *editor) resolvedTitles(lenses []protocol.CodeLens, pos protocol.Position) (string, []protocol.CodeLens) {
	e.t.Helper()
	var titles []string
	var resolved []protocol.CodeLens
	for _, l := range lenses {
		if l.Range.Start.Line != pos.Line || l.Command.Command != "" {
			continue
		}
		var r protocol.CodeLens
		if err := e.call("codeLens/resolve", &l, &r); err != nil {
			e.t.Fatal(err)
		}
		titles = append(titles, r.Command.Title)
		resolved = append(resolved, r)
	}
	return strings.Join(titles, " · "), resolved
}

func TestSenderAndImplementorLensesOnTonelMethods(t *testing.T) {
	src, cat := markers(counterSource)
	folder := writeFolder(t, map[string]string{"Counter.class.st": src, "p.st": "Counter new count"})
	counterURI := uri.File(filepath.Join(folder, "Counter.class.st"))
	// The image has one more sender of count (Report>>line), one already in
	// the workspace (Counter>>increment), and one more implementor.
	img := browsingImage(map[string]string{
		"Counter>>count": "count\n\t^ count",
		"Gauge>>count":   "count\n\t^ 7",
		"Report>>line":   "line\n\t^ Counter new count printString",
	}, map[string][]string{"count": {"Counter>>increment", "Report>>line"}})
	e := startEditor(t, editorOptions{folder: folder, image: img})
	e.waitIndexed(2)
	e.openURI(counterURI, src)

	lenses := e.codeLenses(counterURI)
	titles, resolved := e.resolvedTitles(lenses, cat["count"])
	if titles != "2 senders · 2 implementors" {
		t.Fatalf("lenses over count: %q, want the workspace's increment and the image's Report>>line; Counter and Gauge", titles)
	}
	var out []protocol.Location
	for _, l := range resolved {
		if l.Range.Start != cat["count"] {
			t.Errorf("lens at %v, want on the selector at %v", l.Range.Start, cat["count"])
		}
		// The README's shape of the arguments: {uri, range, method}.
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(l.Command.Arguments[0], &fields); err != nil || len(fields) != 3 ||
			fields["uri"] == nil || fields["range"] == nil || fields["method"] == nil {
			t.Errorf("%s lens arguments %s, want {uri, range, method}", l.Command.Command, l.Command.Arguments[0])
		}
		if err := e.executeCommand(l.Command.Command, json.RawMessage(l.Command.Arguments[0]), &out); err != nil {
			t.Fatalf("running %s: %v", l.Command.Command, err)
		}
		// The lens counts methods, as Pharo does; the list shows every send,
		// the playground's too.
		want := map[string]int{cmdSenders: 3, cmdImplementors: 2}[l.Command.Command]
		if len(out) != want {
			t.Errorf("%s answered %d locations, want %d: %v", l.Command.Command, len(out), want, out)
		}
	}
	// new is sent by itself (super new).
	if titles, _ := e.resolvedTitles(lenses, cat["new"]); titles != "1 sender · 1 implementor" {
		t.Errorf("lenses over new: %q", titles)
	}

	// Without the image the counts come from the workspace alone.
	off := startEditor(t, editorOptions{folder: folder})
	off.waitIndexed(2)
	off.openURI(counterURI, src)
	if titles, _ := off.resolvedTitles(off.codeLenses(counterURI), cat["count"]); titles != "1 sender · 1 implementor" {
		t.Errorf("offline lenses over count: %q", titles)
	}

	// The setting turns them off; the evaluation lenses stay.
	no := startEditor(t, editorOptions{folder: folder, initOptions: map[string]any{"senderLenses": false}})
	no.openURI(counterURI, src)
	for _, l := range no.codeLenses(counterURI) {
		if l.Command.Command == "" {
			t.Errorf("senderLenses false still gives an unresolved lens at %v", l.Range)
		}
	}
	// A playground has no methods to count.
	for _, l := range e.codeLenses(uri.File(filepath.Join(folder, "p.st"))) {
		if l.Command.Command == "" {
			t.Errorf("an unresolved lens in a playground: %+v", l)
		}
	}
}
