package e2e

// Breakpoints that survive a save, through the real binaries: `stui-lsp
// dap` (driven over its stdio with go-dap's codec) and `stui-lsp serve`
// (the language server, which compiles the saved file into the image), both
// against stui-testimage over real ZeroMQ, with the workspace's real file.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-dap"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// dapProcess is `stui-lsp dap` as an editor runs it, and what it sent.
type dapProcess struct {
	t    *testing.T
	in   io.WriteCloser
	msgs chan dap.Message
	seq  int
}

func startDAP(t *testing.T, bin, endpoint string) *dapProcess {
	t.Helper()
	cmd := exec.Command(bin, "dap", "--endpoint", endpoint)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir(), "STUI_TOKEN=")
	cmd.Stderr = os.Stderr
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &dapProcess{t: t, in: in, msgs: make(chan dap.Message, 100)}
	go func() {
		r := bufio.NewReader(out)
		for {
			m, err := dap.ReadProtocolMessage(r)
			if err != nil {
				close(d.msgs)
				return
			}
			d.msgs <- m
		}
	}()
	t.Cleanup(func() {
		in.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return d
}

func (d *dapProcess) send(command string, args any) int {
	d.t.Helper()
	d.seq++
	m := map[string]any{"seq": d.seq, "type": "request", "command": command}
	if args != nil {
		m["arguments"] = args
	}
	body, _ := json.Marshal(m)
	if _, err := fmt.Fprintf(d.in, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
		d.t.Fatal(err)
	}
	return d.seq
}

// next waits for a message want accepts, skipping the others.
func (d *dapProcess) next(what string, want func(dap.Message) bool) dap.Message {
	d.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-d.msgs:
			if !ok {
				d.t.Fatalf("the adapter stopped while waiting for %s", what)
			}
			if want(m) {
				return m
			}
		case <-timeout:
			d.t.Fatalf("no %s", what)
		}
	}
}

func (d *dapProcess) ok(seq int) dap.ResponseMessage {
	d.t.Helper()
	r := d.next(fmt.Sprintf("response to %d", seq), func(m dap.Message) bool {
		r, ok := m.(dap.ResponseMessage)
		return ok && r.GetResponse().RequestSeq == seq
	}).(dap.ResponseMessage)
	if !r.GetResponse().Success {
		d.t.Fatalf("request %d failed: %s", seq, r.GetResponse().Message)
	}
	return r
}

func (d *dapProcess) event(name string) dap.EventMessage {
	d.t.Helper()
	return d.next("event "+name, func(m dap.Message) bool {
		e, ok := m.(dap.EventMessage)
		return ok && e.GetEvent().Event == name
	}).(dap.EventMessage)
}

// TestDAPBreakpointsSurviveASaveCompiledByTheLanguageServer: a breakpoint
// set in a Tonel file, the file edited and saved in the language server,
// which compiles the method into the image (and so drops its breakpoint):
// the adapter sets it again on the new method, unasked, and the launched
// code stops there and runs the new code.
func TestDAPBreakpointsSurviveASaveCompiledByTheLanguageServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs stui-lsp and stui-testimage; not in -short mode")
	}
	lspBin := buildCommand(t, "stui-lsp")
	srv := editorStartImage(t, buildCommand(t, "stui-testimage"))
	workspace := t.TempDir()
	file := filepath.Join(workspace, "Counter.class.st")
	if err := os.WriteFile(file, []byte(counterTonel), 0o644); err != nil {
		t.Fatal(err)
	}

	d := startDAP(t, lspBin, srv)
	d.ok(d.send("initialize", map[string]any{"adapterID": "stui", "linesStartAt1": true, "pathFormat": "path"}))
	set := d.ok(d.send("setBreakpoints", map[string]any{"source": map[string]any{"path": file}, "breakpoints": []map[string]any{{"line": 11}}})).(*dap.SetBreakpointsResponse)
	id := set.Body.Breakpoints[0].Id
	d.ok(d.send("launch", map[string]any{"expression": "c := Counter new.\nc increment.\nc increment.\nc count", "cwd": workspace}))
	if b := d.event("breakpoint").(*dap.BreakpointEvent).Body.Breakpoint; b.Id != id || !b.Verified || b.Line != 11 {
		t.Fatalf("breakpoint at launch %+v", b)
	}

	// The user changes line 11 (no line moves, so an editor sends no
	// setBreakpoints) and saves; the language server compiles.
	edited := strings.Replace(counterTonel, "count := self count + 1", "count := self count + 2", 1)
	e := binStart(t, lspBin, srv, workspace)
	u := uri.File(file)
	e.open(u, counterTonel)
	e.notify("textDocument/didChange", &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: 2},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangeWholeDocument{Text: edited}},
	})
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	e.notify("textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}})

	image, err := stuiclient.New(srv)
	if err != nil {
		t.Fatal(err)
	}
	defer image.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The compile happened (the image's method is the file's) and the
	// breakpoint is in the image again, on the new method.
	for {
		var m stuiproto.GetMethodResult
		var l stuiproto.DebugListResult
		errM := stuiproto.Call(ctx, image, stuiproto.GetMethodCommand, stuiproto.GetMethodParams{ClassName: "Counter", MethodName: "increment"}, &m)
		errL := stuiproto.Call(ctx, image, stuiproto.DebugListCommand, stuiproto.DebugListParams{}, &l)
		if errM == nil && errL == nil && strings.Contains(m.Method.Source, "+ 2") && len(l.Breakpoints) == 1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("after the save: method %q, breakpoints %+v (%v, %v)", m.Method.Source, l.Breakpoints, errM, errL)
		case <-time.After(100 * time.Millisecond):
		}
	}

	d.ok(d.send("configurationDone", nil))
	for i, want := range []string{"nil", "2"} {
		if s := d.event("stopped").(*dap.StoppedEvent); s.Body.Reason != "breakpoint" {
			t.Fatalf("stop %d: %+v", i, s.Body)
		}
		st := d.ok(d.send("stackTrace", map[string]any{"threadId": 1})).(*dap.StackTraceResponse)
		top := st.Body.StackFrames[0]
		if top.Name != "Counter>>increment" || top.Source == nil || top.Source.Path != file || top.Line != 11 {
			t.Fatalf("stop %d: top frame %+v", i, top)
		}
		ev := d.ok(d.send("evaluate", map[string]any{"expression": "count", "frameId": top.Id})).(*dap.EvaluateResponse)
		if ev.Body.Result != want {
			t.Fatalf("stop %d: count = %s, want %s", i, ev.Body.Result, want)
		}
		d.ok(d.send("continue", map[string]any{"threadId": 1}))
	}
	if out := d.event("output").(*dap.OutputEvent); strings.TrimSpace(out.Body.Output) != "4" {
		t.Fatalf("output %q: the new method did not run", out.Body.Output)
	}
	d.event("terminated")
	d.ok(d.send("disconnect", nil))
	var l stuiproto.DebugListResult
	if err := stuiproto.Call(ctx, image, stuiproto.DebugListCommand, stuiproto.DebugListParams{}, &l); err != nil || len(l.Breakpoints) != 0 {
		t.Fatalf("after disconnect: breakpoints %+v (%v)", l.Breakpoints, err)
	}
}
