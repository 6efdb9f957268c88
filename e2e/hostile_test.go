package e2e

// Hostile files through the real binary: a workspace holding what used to
// crash, wedge or exhaust the server (docs/reliability.md, "Hostile files").

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/internal/sessionmemory"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// hostileWorkspace makes a folder with one good class and files that used
// to kill the server (a megabyte of '['), stall it (unclosed literal
// arrays), block it (a FIFO) or exhaust memory (a link to /dev/zero).
func hostileWorkspace(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"Good.class.st":    "Class { #name : #Good }\n\nGood >> ok [ ^ 1 ]\n",
		"deep.st":          strings.Repeat("[", 1<<20),
		"Deep.class.st":    "Class { #name : #Deep }\n\nDeep >> m [\n" + strings.Repeat("(", 1<<20) + "\n]\n",
		"unclosed.st":      strings.Repeat("#(", 50_000),
		"unclosedLines.st": strings.Repeat("#(\n", 33_000),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "x.st"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(root, "zero.st")); err != nil {
		t.Fatal(err)
	}
	return root
}

func (p *robustProc) waitLog(text string, within time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(p.log.String(), text) {
		if time.Now().After(deadline) {
			p.t.Fatalf("no %q in the log within %v", text, within)
		}
		select {
		case <-p.exited:
			p.t.Fatalf("the server exited while waiting for %q", text)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rssMiB reads the resident set size of a process from /proc.
func rssMiB(t *testing.T, pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("skipping the memory check: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kb >> 10
		}
	}
	return 0
}

func TestHostileWorkspaceFiles(t *testing.T) {
	if robustRace() {
		t.Skip("skipping: megabyte documents are too slow under -race")
	}
	bin := buildCommand(t, "stui-lsp")
	root := hostileWorkspace(t)
	p := robustStart(t, bin, robustConfig{env: []string{"STUI_ENDPOINT=ipc://" + filepath.Join(t.TempDir(), "none.sock")}})
	folder := string(uri.File(root))
	m := p.call(protocol.MethodInitialize, map[string]any{
		"processId":        os.Getpid(),
		"rootUri":          folder,
		"workspaceFolders": []any{map[string]any{"uri": folder, "name": "hostile"}},
		"capabilities":     map[string]any{},
	}, robustReplyWithin)
	if m.Error != nil {
		t.Fatalf("initialize: %+v", m.Error)
	}
	p.notify(protocol.MethodInitialized, map[string]any{})
	// Indexing reads every file but the FIFO and the link out of the tree.
	p.waitLog("indexed workspace", 60*time.Second)
	sym := p.call(protocol.MethodWorkspaceSymbol, map[string]any{"query": "Good"}, robustReplyWithin)
	if sym.Error != nil || !strings.Contains(string(sym.Result), "Good") {
		t.Fatalf("workspace/symbol after indexing: %s", sym)
	}

	good := string(uri.File(filepath.Join(root, "Good.class.st")))
	// The editor names the FIFO and the link: closing them and reporting
	// them changed must neither block the server nor read without end.
	for _, name := range []string{"x.st", "zero.st"} {
		u := string(uri.File(filepath.Join(root, name)))
		p.open(u, "x := 1.")
		p.notify(protocol.MethodTextDocumentDidClose, map[string]any{"textDocument": map[string]any{"uri": u}})
		p.notify(protocol.MethodWorkspaceDidChangeWatchedFiles, map[string]any{"changes": []any{
			map[string]any{"uri": u, "type": protocol.FileChangeTypeChanged},
			map[string]any{"uri": u, "type": protocol.FileChangeTypeCreated},
		}})
		p.open(good, "Class { #name : #Good }\n\nGood >> ok [ ^ 1 ]\n")
		if m := p.hover(good, 2, 10, robustReplyWithin); m.Error != nil {
			t.Errorf("hover after closing %s: %s", name, m)
		}
		p.notify(protocol.MethodTextDocumentDidClose, map[string]any{"textDocument": map[string]any{"uri": good}})
	}

	// Open the files that used to overflow the stack or stall every request,
	// and ask what an editor asks of a document.
	for _, name := range []string{"deep.st", "Deep.class.st", "unclosed.st", "unclosedLines.st"} {
		u := string(uri.File(filepath.Join(root, name)))
		text, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		p.open(u, string(text))
		doc := map[string]any{"uri": u}
		for _, req := range []struct {
			method string
			params any
		}{
			{protocol.MethodTextDocumentHover, map[string]any{"textDocument": doc, "position": map[string]any{"line": 0, "character": 3}}},
			{protocol.MethodTextDocumentSemanticTokensFull, map[string]any{"textDocument": doc}},
			{protocol.MethodTextDocumentFoldingRange, map[string]any{"textDocument": doc}},
			{protocol.MethodTextDocumentDocumentSymbol, map[string]any{"textDocument": doc}},
			{protocol.MethodTextDocumentCodeLens, map[string]any{"textDocument": doc}},
			{protocol.MethodTextDocumentSelectionRange, map[string]any{"textDocument": doc, "positions": []any{map[string]any{"line": 0, "character": 1000}}}},
		} {
			if m := p.call(req.method, req.params, 30*time.Second); m.Error != nil {
				t.Errorf("%s on %s: %s", req.method, name, m)
			}
		}
		p.notify(protocol.MethodTextDocumentDidClose, map[string]any{"textDocument": doc})
	}
	diag, _ := p.waitFor("a nesting diagnostic", false, 0, 30*time.Second, func(m robustMsg) bool {
		return m.Method == protocol.MethodTextDocumentPublishDiagnostics && strings.Contains(string(m.Params), "nested more than 512 levels deep")
	})
	var params struct {
		URI string `json:"uri"`
	}
	_ = json.Unmarshal(diag.Params, &params)
	if !strings.HasSuffix(params.URI, "deep.st") && !strings.HasSuffix(params.URI, "Deep.class.st") {
		t.Errorf("nesting diagnostic for %s", params.URI)
	}
	if rss := rssMiB(t, p.cmd.Process.Pid); rss > 1024 {
		t.Errorf("resident set %d MiB after the hostile files", rss)
	}
	p.shutdownAndExit()
}

// TestHostileImageLink: the link to the image survives what used to lose it
// for good, through the binary: a reply over libzmq's old message limit,
// and a process that does not speak ZeroMQ holding the port for a moment.
func TestHostileImageLink(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	r := faultStart(t, bin, faultSetup{prepare: func(s *stuitest.Server) { s.OversizeBytes = 30 << 20 }})
	r.expectValue("3 + 4", "7")
	r.srv.SetFault(stuitest.Oversized)
	r.expectError("3 + 4", "too large")
	r.srv.SetFault(stuitest.NoFault)
	r.expectValue("3 + 4", "7")

	r.srv.Stop()
	addr := strings.TrimPrefix(r.srv.Endpoint, "tcp://")
	impostor, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("taking the image's port: %v", err)
	}
	served := make(chan struct{}, 1)
	go func() {
		for {
			conn, err := impostor.Accept()
			if err != nil {
				return
			}
			conn.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			conn.Close()
			select {
			case served <- struct{}{}:
			default:
			}
		}
	}()
	r.evaluate("3 + 4", faultEvaluateBudget+faultSlack)
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("stui-lsp never connected to the process holding the port")
	}
	impostor.Close()
	r.srv.Start()
	deadline := time.Now().Add(20 * time.Second)
	for {
		m, _ := r.evaluate("3 + 4", faultEvaluateBudget+faultSlack)
		if m.Error == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the link never came back: %s", m.Error.Message)
		}
		time.Sleep(200 * time.Millisecond)
	}
	r.finish()
}

// recordingHandler passes requests to a Backend and reports each command it
// receives.
type recordingHandler struct {
	backend  *stuitest.Backend
	commands chan string
	mu       sync.Mutex
	requests []stuiproto.Request
}

func (h *recordingHandler) ServeSTUI(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
	h.mu.Lock()
	h.requests = append(h.requests, *req)
	h.mu.Unlock()
	select {
	case h.commands <- req.Command:
	default:
	}
	return h.backend.ServeSTUI(ctx, req)
}

func (h *recordingHandler) waitCommand(t *testing.T, command string, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case c := <-h.commands:
			if c == command {
				return
			}
		case <-deadline:
			t.Fatalf("the image got no %s within %v", command, within)
		}
	}
}

// TestHostileEditorGoneDuringAnEvaluation: when stdin closes while a 30 s
// evaluation runs, the evaluation is interrupted in the image and the
// process ends within a second (docs/reliability.md).
func TestHostileEditorGoneDuringAnEvaluation(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	h := &recordingHandler{backend: stuitest.NewBackend(), commands: make(chan string, 64)}
	srv := stuitest.NewServer(h)
	t.Cleanup(srv.Close)
	p := robustStart(t, bin, robustConfig{args: []string{"--endpoint", srv.Endpoint}})
	p.initialize(map[string]any{"evaluateTimeoutMs": 60000, "persistSession": false})
	p.send(protocol.MethodWorkspaceExecuteCommand, map[string]any{
		"command":   "stui.evaluate",
		"arguments": []any{map[string]any{"code": "(Delay forSeconds: 30) wait"}},
	})
	h.waitCommand(t, stuiproto.CmdEvaluate, 10*time.Second)
	start := time.Now()
	if err := p.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	h.waitCommand(t, stuiproto.CmdInterrupt, 2*time.Second)
	p.expectExit(0, 2*time.Second)
	t.Logf("interrupted and exited %v after stdin closed", time.Since(start).Round(time.Millisecond))
}

// TestHostileSessionLimit: with persistence off, the image's limit of five
// sessions per client used to stop the sixth editor start from evaluating at
// all. Sessions are now closed at shutdown, and an editor killed without one
// leaves a session that the next start reuses at the limit.
func TestHostileSessionLimit(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	srv := stuitest.NewServer(stuitest.NewBackend())
	t.Cleanup(srv.Close)
	folder := string(uri.File(t.TempDir()))
	start := func() *robustProc {
		p := robustStart(t, bin, robustConfig{args: []string{"--endpoint", srv.Endpoint}})
		m := p.call(protocol.MethodInitialize, map[string]any{
			"processId": os.Getpid(), "rootUri": folder, "capabilities": map[string]any{},
			"workspaceFolders":      []any{map[string]any{"uri": folder, "name": "ws"}},
			"initializationOptions": map[string]any{"persistSession": false},
		}, robustReplyWithin)
		if m.Error != nil {
			t.Fatalf("initialize: %+v", m.Error)
		}
		p.notify(protocol.MethodInitialized, map[string]any{})
		return p
	}
	evaluate := func(p *robustProc, run int) {
		m := p.call(protocol.MethodWorkspaceExecuteCommand, map[string]any{
			"command": "stui.evaluate", "arguments": []any{map[string]any{"code": "3 + 4"}},
		}, 10*time.Second)
		if m.Error != nil {
			t.Fatalf("start %d: evaluate: %s", run, m.Error.Message)
		}
	}
	for run := 1; run <= 7; run++ {
		p := start()
		evaluate(p, run)
		p.shutdownAndExit()
	}
	for run := 1; run <= 7; run++ {
		p := start()
		evaluate(p, run)
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// TestHostileFraming: header lines and Content-Length are bounded. A message
// over the limit is read past and refused, and the connection goes on; a
// header line without end ends the connection instead of filling memory.
func TestHostileFraming(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	p := robustStart(t, bin, robustConfig{})
	p.initialize(nil)
	p.open("file:///play/a.st", "x := 1.\n")
	const over = 128<<20 + 1
	before := p.orphanCount()
	go func() {
		header := fmt.Sprintf("Content-Length: %d\r\n\r\n", over)
		_ = p.writeRaw(append([]byte(header), make([]byte, over)...))
	}()
	p.waitFor("the refusal of the oversized message", true, before, 30*time.Second, func(m robustMsg) bool {
		return m.Error != nil && strings.Contains(m.Error.Message, "over the limit")
	})
	robustAlive(t, p, "file:///play/a.st")
	if rss := rssMiB(t, p.cmd.Process.Pid); rss > 100 {
		t.Errorf("resident set %d MiB after a refused 128 MiB message", rss)
	}

	q := robustStart(t, bin, robustConfig{})
	q.initialize(nil)
	go func() { _ = q.writeRaw(append([]byte("X-Endless: "), make([]byte, 16<<20)...)) }()
	select {
	case <-q.exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("server still running 10 s into an endless header line")
	}
}

// TestHostileCancelledEvaluation: a cancelled evaluation answers
// RequestCancelled (-32800), which editors take quietly, not an image error,
// and the evaluation is interrupted in the image.
func TestHostileCancelledEvaluation(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	h := &recordingHandler{backend: stuitest.NewBackend(), commands: make(chan string, 64)}
	srv := stuitest.NewServer(h)
	t.Cleanup(srv.Close)
	p := robustStart(t, bin, robustConfig{args: []string{"--endpoint", srv.Endpoint}})
	p.initialize(map[string]any{"evaluateTimeoutMs": 60000, "persistSession": false})
	id, ch := p.send(protocol.MethodWorkspaceExecuteCommand, map[string]any{
		"command":   "stui.evaluate",
		"arguments": []any{map[string]any{"code": "(Delay forSeconds: 30) wait"}},
	})
	h.waitCommand(t, stuiproto.CmdEvaluate, 10*time.Second)
	p.notify("$/cancelRequest", map[string]any{"id": p.nextIDValue(id)})
	m := p.await("the cancelled evaluation", ch, 5*time.Second)
	if m.Error == nil || m.Error.Code != -32800 {
		t.Errorf("cancelled evaluation answered %s, want error -32800 (RequestCancelled)", m)
	}
	h.waitCommand(t, stuiproto.CmdInterrupt, 2*time.Second)
	p.shutdownAndExit()
}

// TestHostileHungImageCommands: against a hung image every command answers
// within its own deadline (interrupt 2 s, reset 4 s, browse 5 s), where
// they used to wait for the client's 30 s.
func TestHostileHungImageCommands(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	r := faultStart(t, bin, faultSetup{})
	r.expectValue("x := 3 + 4", "7")
	r.srv.SetFault(stuitest.Hang)
	defer r.srv.SetFault(stuitest.NoFault)
	for _, c := range []struct {
		command string
		args    map[string]any
		within  time.Duration
	}{
		{"stui.interrupt", map[string]any{}, 2 * time.Second},
		{"stui.resetSession", map[string]any{}, 4 * time.Second},
		{"stui.browseClass", map[string]any{"className": "Object"}, 5 * time.Second},
		{"stui.systemInfo", map[string]any{}, 5 * time.Second},
	} {
		start := time.Now()
		m := r.p.call(protocol.MethodWorkspaceExecuteCommand, map[string]any{"command": c.command, "arguments": []any{c.args}}, c.within+faultSlack)
		if m.Error == nil {
			t.Errorf("%s against a hung image: %s, want an error", c.command, m)
		}
		t.Logf("%s answered in %v: %v", c.command, time.Since(start).Round(time.Millisecond), m.Error)
	}
}

// TestHostileCacheDirectory: with HOME and XDG_CACHE_HOME unset the cache
// used to be /tmp/stui-lsp-<uid>, which another user can create first and
// fill with links: the victim's session write then overwrote a file of the
// attacker's choosing. Now the fallback has a
// random name, and a cache directory others may write to is refused (the
// user is told).
func TestHostileCacheDirectory(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	srv := stuitest.NewServer(stuitest.NewBackend())
	t.Cleanup(srv.Close)
	folderPath := t.TempDir()
	folder := string(uri.File(folderPath))
	tmp := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(tmp, fmt.Sprintf("stui-lsp-%d", os.Getuid()), "sessions")
	if err := os.MkdirAll(planted, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(planted, sessionmemory.ClientID(folderPath)+".json")); err != nil {
		t.Fatal(err)
	}
	shared := t.TempDir()
	if err := os.Mkdir(filepath.Join(shared, "stui-lsp"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(shared, "stui-lsp"), 0o777); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		env  []string
		told string
	}{
		{"no HOME", []string{"TMPDIR=" + tmp}, ""},
		{"a cache directory others may write to", []string{"XDG_CACHE_HOME=" + shared}, "others may write to it"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Empty is as good as unset for the user's cache directory.
			env := append([]string{"HOME=", "XDG_CACHE_HOME="}, c.env...)
			p := robustStart(t, bin, robustConfig{args: []string{"--endpoint", srv.Endpoint}, env: env})
			m := p.call(protocol.MethodInitialize, map[string]any{
				"processId": os.Getpid(), "rootUri": folder, "capabilities": map[string]any{},
				"workspaceFolders": []any{map[string]any{"uri": folder, "name": "ws"}},
			}, robustReplyWithin)
			if m.Error != nil {
				t.Fatalf("initialize: %+v", m.Error)
			}
			p.notify(protocol.MethodInitialized, map[string]any{})
			m = p.call(protocol.MethodWorkspaceExecuteCommand, map[string]any{
				"command": "stui.evaluate", "arguments": []any{map[string]any{"code": "x := 3 + 4"}},
			}, 10*time.Second)
			if m.Error != nil {
				t.Fatalf("evaluate: %s", m.Error.Message)
			}
			if c.told != "" {
				p.waitFor("the warning", false, 0, 5*time.Second, func(m robustMsg) bool {
					return m.Method == protocol.MethodWindowShowMessage && strings.Contains(string(m.Params), c.told)
				})
			}
			p.shutdownAndExit()
			if data, _ := os.ReadFile(victim); string(data) != "precious" {
				t.Errorf("the victim's file now reads %q", data)
			}
			if fi, err := os.Lstat(filepath.Join(planted, sessionmemory.ClientID(folderPath)+".json")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the predictable cache directory was written to")
			}
			if entries, _ := os.ReadDir(filepath.Join(shared, "stui-lsp")); len(entries) != 0 {
				t.Errorf("wrote into a cache directory others may write to: %v", entries)
			}
		})
	}
}

// TestHostileImpostorAtTheEndpoint: another local user's process took the
// endpoint first (here a test backend that does not hold the token, and
// records everything it receives). stui-lsp asks it to prove it holds the
// token, sends it neither the token nor any code, and says why.
func TestHostileImpostorAtTheEndpoint(t *testing.T) {
	bin := buildCommand(t, "stui-lsp")
	spy := &recordingHandler{backend: stuitest.NewBackend(), commands: make(chan string, 256)}
	srv := stuitest.NewServer(spy)
	t.Cleanup(srv.Close)
	token := strings.Repeat("ab", 32)
	p := robustStart(t, bin, robustConfig{args: []string{"--endpoint", srv.Endpoint}, env: []string{"STUI_TOKEN=" + token}})
	p.initialize(map[string]any{"persistSession": false})
	p.open(faultDoc, "Object new printString.\n")
	m := p.call(protocol.MethodWorkspaceExecuteCommand, map[string]any{
		"command": "stui.evaluate", "arguments": []any{map[string]any{"code": "Smalltalk os environment"}},
	}, 10*time.Second)
	if m.Error == nil || !strings.Contains(m.Error.Message, "did not prove it is the image") {
		t.Errorf("evaluate against an impostor: %s, want the failed proof said", m)
	}
	p.hover(faultDoc, 0, 2, robustReplyWithin)
	p.shutdownAndExit()
	spy.mu.Lock()
	defer spy.mu.Unlock()
	if len(spy.requests) == 0 {
		t.Fatal("stui-lsp never reached the impostor")
	}
	for _, r := range spy.requests {
		if r.Token != "" || r.Command != stuiproto.CmdPing || strings.Contains(string(r.Parameters), token) {
			t.Errorf("the impostor received %s with token %q: %s", r.Command, r.Token, r.Parameters)
		}
	}
}

// TestHostileHugeDocument: a 50 MB document used to cost seconds per edit and
// gigabytes (6.9 GB resident after a few edits here). Above 8 MiB it is not
// parsed; the editor is told so, and edits, hovers and lenses are answered.
func TestHostileHugeDocument(t *testing.T) {
	p, text, lines := robustLargeDocument(t, 50<<20, "v%d := (Array new: %d) collect: [:e | e printString , 'café'].\n")
	const doc = "file:///play/huge.st"
	p.open(doc, text)
	for v := 2; v <= 4; v++ {
		p.notify(protocol.MethodTextDocumentDidChange, map[string]any{
			"textDocument": map[string]any{"uri": doc, "version": v},
			"contentChanges": []any{map[string]any{
				"range": map[string]any{"start": map[string]any{"line": lines / 2, "character": 0}, "end": map[string]any{"line": lines / 2, "character": 0}},
				"text":  "x := 1.\n",
			}},
		})
		if m := p.hover(doc, lines/2, 1, 60*time.Second); m.Error != nil {
			t.Fatalf("hover after an edit: %s", m)
		}
	}
	if m := p.call(protocol.MethodTextDocumentCodeLens, map[string]any{"textDocument": map[string]any{"uri": doc}}, 60*time.Second); m.Error != nil {
		t.Fatalf("code lens: %s", m)
	}
	p.waitFor("the note that the document is not parsed", false, 0, 30*time.Second, func(m robustMsg) bool {
		return m.Method == protocol.MethodTextDocumentPublishDiagnostics && strings.Contains(string(m.Params), "so it is not parsed")
	})
	if rss := rssMiB(t, p.cmd.Process.Pid); rss > 1536 {
		t.Errorf("resident set %d MiB with a 50 MB document", rss)
	}
	p.shutdownAndExit()
}
