package lsp

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// compilingImage keeps compiled methods by label and answers compile_method
// with a CompileError where the source names undeclaredThing, until accept
// is set (as if the user had defined it in the image).
type compilingImage struct {
	*fakeImage
	mu      sync.Mutex
	methods map[string]string
	defined []stuiproto.DefineClassParams
	accept  bool
}

func newCompilingImage(methods map[string]string) *compilingImage {
	ci := &compilingImage{fakeImage: newFakeImage(), methods: methods}
	label := func(class string, side bool, sel string) string {
		if side {
			class += " class"
		}
		return class + ">>" + sel
	}
	ci.on(stuiproto.CmdGetMethod, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.GetMethodParams
		_ = json.Unmarshal(raw, &p)
		ci.mu.Lock()
		defer ci.mu.Unlock()
		src, ok := ci.methods[label(p.ClassName, p.IsClassMethod, p.MethodName)]
		if !ok {
			return nil, &stuiproto.RemoteError{Type: stuiproto.ErrMethodNotFound, Message: p.MethodName}
		}
		return stuiproto.GetMethodResult{Method: stuiproto.Method{ClassName: p.ClassName, Name: p.MethodName, IsClassMethod: p.IsClassMethod, Source: src}}, nil
	})
	ci.on(stuiproto.CmdCompileMethod, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.CompileMethodParams
		_ = json.Unmarshal(raw, &p)
		ci.mu.Lock()
		accept := ci.accept
		ci.mu.Unlock()
		if i := strings.Index(p.Source, "undeclaredThing"); i >= 0 && !accept {
			line := strings.Count(p.Source[:i], "\n") + 1
			col := len([]rune(p.Source[strings.LastIndex(p.Source[:i], "\n")+1:i])) + 1
			return nil, &stuiproto.RemoteError{Type: stuiproto.ErrCompile, Message: "Undeclared variable: undeclaredThing", Details: &stuiproto.ErrorDetails{Line: line, Column: col}}
		}
		sel := strings.Fields(p.Source)[0]
		ci.mu.Lock()
		ci.methods[label(p.ClassName, p.IsClassMethod, sel)] = p.Source
		ci.mu.Unlock()
		return stuiproto.CompileMethodResult{ClassName: p.ClassName, Selector: sel, Changed: true}, nil
	})
	ci.on(stuiproto.CmdDefineClass, func(_ context.Context, raw json.RawMessage) (any, error) {
		var p stuiproto.DefineClassParams
		_ = json.Unmarshal(raw, &p)
		ci.mu.Lock()
		ci.defined = append(ci.defined, p)
		ci.mu.Unlock()
		return stuiproto.DefineClassResult{ClassName: p.Name, Changed: true}, nil
	})
	return ci
}

func compiledSelectors(img *fakeImage) []string {
	var out []string
	for _, raw := range img.callsOf(stuiproto.CmdCompileMethod) {
		var p stuiproto.CompileMethodParams
		_ = json.Unmarshal(raw, &p)
		out = append(out, strings.Fields(p.Source)[0])
	}
	return out
}

const tallySource = `"Zählt 😀"
Class {
	#name : #Tally,
	#superclass : #Object,
	#instVars : [ 'n' ],
	#category : #'Demo-Core'
}

{ #category : #accessing }
Tally >> n [
	^ n
]

{ #category : #accessing }
Tally >> ⟦pat⟧bump [
	"é😀" n := n + ⟦err⟧undeclaredThing⟦errEnd⟧ + ⟦one⟧1
]
`

func TestCompileOnSaveReportsErrorsThenClearsThem(t *testing.T) {
	img := newCompilingImage(map[string]string{"Tally>>n": "n\n\t^ n"})
	e := startEditor(t, editorOptions{image: img.fakeImage})
	text, at := markers(tallySource)
	u := e.open("Tally.class.st", text)
	// On open the image has n as in the file and no bump: nothing differs,
	// and n counts as compiled once the check has asked for both methods
	// (it holds the document's compile state until it is done).
	waitCalls(t, img.fakeImage, stuiproto.CmdGetMethod, 2)

	e.save(u)
	diags := e.diagnostics(u, func(ds []protocol.Diagnostic) bool {
		for _, d := range ds {
			if src, _ := d.Source.Get(); src == sourceCompile {
				return true
			}
		}
		return false
	})
	var d protocol.Diagnostic
	for _, x := range diags {
		if src, _ := x.Source.Get(); src == sourceCompile {
			d = x
		}
	}
	if d.Range.Start != at["err"] || d.Range.End != at["errEnd"] || d.Severity != protocol.DiagnosticSeverityError {
		t.Errorf("compile error at %v severity %v, want %v-%v (UTF-16, mapped through the Tonel layout)", d.Range, d.Severity, at["err"], at["errEnd"])
	}
	if got := compiledSelectors(img.fakeImage); strings.Join(got, ",") != "bump" {
		t.Errorf("compiled %v on the first save, want only bump (n is already in the image)", got)
	}
	if len(img.defined) != 1 || img.defined[0].Name != "Tally" || img.defined[0].Package != "Demo-Core" || len(img.defined[0].InstanceVars) != 1 {
		t.Errorf("define_class calls %+v", img.defined)
	}

	// The user defines the variable in the image and edits the method
	// elsewhere: the diagnostic survives the edit, and the next save clears it.
	img.mu.Lock()
	img.accept = true
	img.mu.Unlock()
	_ = e.conn.Notify(context.Background(), "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
		TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: td(u), Version: 2},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangePartial{
			Range: protocol.Range{Start: at["one"], End: protocol.Position{Line: at["one"].Line, Character: at["one"].Character + 1}}, Text: "2",
		}},
	})
	e.save(u)
	e.latestDiagnostics(u, func(ds []protocol.Diagnostic) bool {
		return len(ds) == 0 && len(img.callsOf(stuiproto.CmdCompileMethod)) == 2
	})
	if got := compiledSelectors(img.fakeImage); strings.Join(got, ",") != "bump,bump" {
		t.Errorf("compiled %v, want bump again and nothing else", got)
	}
	if len(img.defined) != 1 {
		t.Errorf("the unchanged class definition was sent again: %+v", img.defined)
	}
	img.mu.Lock()
	src := img.methods["Tally>>bump"]
	img.mu.Unlock()
	if src != "bump\n\t\"é😀\" n := n + undeclaredThing + 2" {
		t.Errorf("the image got %q", src)
	}
}

func TestDifferenceFromImageOffersCompileAndReplace(t *testing.T) {
	img := newCompilingImage(map[string]string{
		"Tally>>n":    "n\n\t^ n",
		"Tally>>bump": "bump\n\tn := n + 2",
	})
	e := startEditor(t, editorOptions{image: img.fakeImage})
	text, at := markers(tallySource)
	u := e.open("Tally.class.st", text)
	diags := e.diagnostics(u, func(ds []protocol.Diagnostic) bool { return len(ds) > 0 })
	if len(diags) != 1 || diags[0].Severity != protocol.DiagnosticSeverityInformation || diags[0].Range.Start != at["pat"] {
		t.Fatalf("diagnostics on open = %+v, want one Information on bump's pattern", diags)
	}
	if msg, _ := diags[0].Message.(protocol.String); !strings.Contains(string(msg), "Tally>>bump differs from the image") {
		t.Errorf("message %q", msg)
	}

	var actions []protocol.CodeAction
	if err := e.call("textDocument/codeAction", &protocol.CodeActionParams{TextDocument: td(u), Range: protocol.Range{Start: at["pat"], End: at["pat"]},
		Context: protocol.CodeActionContext{Only: []protocol.CodeActionKind{protocol.CodeActionKindQuickFix}}}, &actions); err != nil {
		t.Fatal(err)
	}
	var titles []string
	var replaceArgs json.RawMessage
	for _, a := range actions {
		titles = append(titles, a.Title)
		if a.Command.Command == cmdReplaceWithImage {
			replaceArgs = json.RawMessage(a.Command.Arguments[0])
		}
	}
	if strings.Join(titles, "|") != "Compile Tally>>bump into image|Replace Tally>>bump with image's version" {
		t.Fatalf("code actions %v", titles)
	}

	var res map[string]any
	var args map[string]any
	_ = json.Unmarshal(replaceArgs, &args)
	if err := e.executeCommand(cmdReplaceWithImage, args, &res); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	edits := e.edits
	e.mu.Unlock()
	if len(edits) != 1 {
		t.Fatalf("applyEdit calls: %d", len(edits))
	}
	got := applyTextEdits(t, text, edits[0].Edit.Changes[u])
	if want := strings.Replace(text, "bump [\n\t\"é😀\" n := n + undeclaredThing + 1\n]", "bump [\n\tn := n + 2\n]", 1); got != want {
		t.Errorf("after replace:\n%s\nwant\n%s", got, want)
	}

	// Compile into image sends the file's version (here with its error).
	args["method"] = map[string]any{"className": "Tally", "classSide": false, "selector": "bump"}
	err := e.executeCommand(cmdCompileMethod, args, &res)
	if err == nil || !strings.Contains(err.Error(), "CompileError") {
		t.Errorf("compiling the broken method answered %v", err)
	}
	if got := compiledSelectors(img.fakeImage); strings.Join(got, ",") != "bump" {
		t.Errorf("compiled %v", got)
	}
}

// waitCalls waits until the image has received n calls of command.
func waitCalls(t *testing.T, img *fakeImage, command string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(img.callsOf(command)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d %s calls, want %d", len(img.callsOf(command)), command, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
