package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// fuzzURI is the document every fuzzed request may refer to.
const fuzzURI = "file:///ws/fuzz.st"

// fuzzMethods are the methods the server implements: the fuzzer picks one by
// index, or sends its own method string.
var fuzzMethods = []string{
	protocol.MethodTextDocumentHover, protocol.MethodTextDocumentCompletion, protocol.MethodCompletionItemResolve,
	protocol.MethodTextDocumentCodeLens, protocol.MethodTextDocumentCodeAction, protocol.MethodTextDocumentInlayHint,
	protocol.MethodWorkspaceExecuteCommand, protocol.MethodTextDocumentDocumentSymbol, protocol.MethodTextDocumentDefinition,
	protocol.MethodTextDocumentImplementation, protocol.MethodTextDocumentReferences, protocol.MethodTextDocumentFoldingRange,
	protocol.MethodTextDocumentFormatting, protocol.MethodTextDocumentRangeFormatting, protocol.MethodTextDocumentSelectionRange,
	protocol.MethodTextDocumentSemanticTokensFull, protocol.MethodTextDocumentSemanticTokensRange,
	protocol.MethodTextDocumentPrepareCallHierarchy, protocol.MethodCallHierarchyIncomingCalls, protocol.MethodCallHierarchyOutgoingCalls,
	protocol.MethodWorkspaceSymbol, protocol.MethodTextDocumentDidChange, protocol.MethodTextDocumentDidSave,
	protocol.MethodTextDocumentDidClose, protocol.MethodTextDocumentDidOpen, protocol.MethodWorkspaceDidChangeConfiguration,
	protocol.MethodWorkspaceDidChangeWorkspaceFolders, protocol.MethodWorkspaceDidChangeWatchedFiles,
	protocol.MethodInitialize, protocol.MethodShutdown, "$/cancelRequest", "$/setTrace",
}

// fuzzImage answers every command with the success reply of its protocol
// vector, or is unreachable.
type fuzzImage struct {
	replies map[string]json.RawMessage
	down    bool
}

func (f *fuzzImage) Call(ctx context.Context, command string, params, result any) error {
	if f.down {
		return fmt.Errorf("%w: fuzz image is down", stuiproto.ErrUnavailable)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %v", stuiproto.ErrCanceled, err)
	}
	res, ok := f.replies[command]
	if !ok {
		return &stuiproto.RemoteError{Command: command, Type: stuiproto.ErrUnsupportedOperation, Message: "not in the vectors"}
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(res, result)
}

func (f *fuzzImage) Close() error { return nil }

var fuzzVectors = sync.OnceValues(func() (map[string]json.RawMessage, error) {
	vectors, err := stuiproto.LoadVectors("../testdata/protocol")
	if err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for _, v := range vectors {
		if v.ErrorType() == "" {
			out[v.Request.Command] = v.Reply.Result
		}
	}
	return out, nil
})

// fuzzSeeds returns realistic params for each method, against fuzzURI.
func fuzzSeeds() map[string][]string {
	td := `{"uri":"` + fuzzURI + `"}`
	pos := `"textDocument":` + td + `,"position":{"line":1,"character":3}`
	rng := `{"start":{"line":0,"character":0},"end":{"line":2,"character":4}}`
	eval := func(cmd, args string) string {
		return `{"command":"` + cmd + `","arguments":[` + args + `]}`
	}
	return map[string][]string{
		protocol.MethodTextDocumentHover:               {`{` + pos + `}`, `{"textDocument":` + td + `,"position":{"line":4294967295,"character":4294967295}}`},
		protocol.MethodTextDocumentCompletion:          {`{` + pos + `,"context":{"triggerKind":2,"triggerCharacter":" "}}`},
		protocol.MethodCompletionItemResolve:           {`{"label":"printString","data":{"uri":"` + fuzzURI + `"}}`},
		protocol.MethodTextDocumentCodeLens:            {`{"textDocument":` + td + `}`},
		protocol.MethodTextDocumentCodeAction:          {`{"textDocument":` + td + `,"range":` + rng + `,"context":{"diagnostics":[]}}`},
		protocol.MethodTextDocumentInlayHint:           {`{"textDocument":` + td + `,"range":` + rng + `}`},
		protocol.MethodTextDocumentDefinition:          {`{` + pos + `}`},
		protocol.MethodTextDocumentReferences:          {`{` + pos + `,"context":{"includeDeclaration":true}}`},
		protocol.MethodTextDocumentFormatting:          {`{"textDocument":` + td + `,"options":{"tabSize":4,"insertSpaces":false}}`},
		protocol.MethodTextDocumentDidChange:           {`{"textDocument":{"uri":"` + fuzzURI + `","version":2},"contentChanges":[{"range":` + rng + `,"text":"x := 'é😀'.\n"}]}`},
		protocol.MethodTextDocumentDidOpen:             {`{"textDocument":{"uri":"file:///ws/other.st","languageId":"smalltalk","version":1,"text":"Object subclass: #A"}}`},
		protocol.MethodTextDocumentDidSave:             {`{"textDocument":` + td + `}`},
		protocol.MethodTextDocumentDidClose:            {`{"textDocument":` + td + `}`},
		protocol.MethodTextDocumentSelectionRange:      {`{"textDocument":` + td + `,"positions":[{"line":1,"character":2}]}`},
		protocol.MethodWorkspaceSymbol:                 {`{"query":"Cou"}`},
		protocol.MethodWorkspaceDidChangeConfiguration: {`{"settings":{"stui":{"hoverTimeoutMs":100,"endpoint":"tcp://127.0.0.1:1"}}}`},
		protocol.MethodWorkspaceExecuteCommand: {
			eval("stui.evaluate", `{"code":"3 + 4"}`),
			eval("stui.evaluate", `{"uri":"`+fuzzURI+`","range":`+rng+`}`),
			eval("stui.printIt", `{"uri":"`+fuzzURI+`","range":{"start":{"line":1,"character":0},"end":{"line":1,"character":0}}}`),
			eval("stui.inspect", `{"code":"1 to: 3","open":false}`),
			eval("stui.inspect", `{"objectId":"obj_1","offset":2,"limit":-1}`),
			eval("stui.browseClass", `{"className":"Counter"}`),
			eval("stui.systemInfo", `{"infoType":"All"}`),
			eval("stui.resetSession", ``),
			eval("stui.interrupt", ``),
			eval("stui.status", ``),
			eval("stui.compileMethod", `{"uri":"`+fuzzURI+`","method":{"className":"Counter","selector":"increment","classSide":false}}`),
			eval("stui.replaceWithImage", `{"uri":"`+fuzzURI+`","method":{"className":"Counter","selector":"increment"}}`),
		},
	}
}

// fuzzEditor drives one Serve over an in-memory pipe.
type fuzzEditor struct {
	t      *testing.T
	conn   net.Conn
	mu     sync.Mutex
	wmu    sync.Mutex
	seen   map[string]bool
	got    chan string
	served chan error
}

func (e *fuzzEditor) write(v any) {
	body, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	// A server that stops reading its input is a bug too: bound the write.
	_ = e.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := e.conn.Write(append([]byte("Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...)); err != nil && !errors.Is(err, io.ErrClosedPipe) {
		e.t.Errorf("writing to the server: %v", err)
	}
}

// read consumes the server's output: it answers the server's requests and
// reports the ids of replies.
func (e *fuzzEditor) read() {
	r := bufio.NewReader(e.conn)
	for {
		n := 0
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			e.t.Errorf("server wrote invalid JSON: %q", body)
			continue
		}
		hasID := len(m.ID) > 0 && string(m.ID) != "null"
		switch {
		case m.Method != "" && hasID:
			var result any
			switch m.Method {
			case protocol.MethodWorkspaceConfiguration:
				result = []any{nil}
			case protocol.MethodWorkspaceApplyEdit:
				result = map[string]any{"applied": true}
			case protocol.MethodWindowShowDocument:
				result = map[string]any{"success": true}
			}
			go e.write(map[string]any{"jsonrpc": "2.0", "id": m.ID, "result": result})
		case m.Method == "" && hasID:
			e.got <- string(m.ID)
		}
	}
}

// await waits for the reply to id.
func (e *fuzzEditor) await(id, what string) {
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-e.got:
			if got == id {
				return
			}
		case err := <-e.served:
			e.t.Fatalf("%s: Serve returned %v before answering", what, err)
		case <-deadline:
			e.t.Fatalf("%s: no reply within 10s", what)
		}
	}
}

// FuzzServe sends one arbitrary request (and the same as a notification) to
// an initialized server with an open document, then shuts it down: the
// request must be answered, the server must still answer shutdown, nothing
// may panic (the middleware recovers panics, so the log is checked), and
// Serve must return after exit.
func FuzzServe(f *testing.F) {
	replies, err := fuzzVectors()
	if err != nil {
		f.Fatal(err)
	}
	cacheDir := f.TempDir()
	texts := []string{"Object new printString.\nx := 3 + 4.\n\"comment é😀\" y := x printString , 'a'.\n"}
	fixtures, _ := filepath.Glob("../testdata/smalltalk/*.st")
	for _, p := range fixtures {
		if b, err := os.ReadFile(p); err == nil && len(b) < 4000 {
			texts = append(texts, string(b))
		}
	}
	seeds := fuzzSeeds()
	for i, m := range fuzzMethods {
		ps := seeds[m]
		if len(ps) == 0 {
			ps = []string{`{"textDocument":{"uri":"` + fuzzURI + `"}}`}
		}
		for j, p := range ps {
			f.Add(texts[(i+j)%len(texts)], uint8(i), "", []byte(p), uint8(i+j))
		}
	}
	f.Add(texts[0], uint8(0), "stui/unknown", []byte(`null`), uint8(0))
	f.Add("", uint8(0), "textDocument/hover", []byte(`[1,2]`), uint8(1))

	f.Fuzz(func(t *testing.T, text string, methodIdx uint8, method string, params []byte, flags uint8) {
		if method == "" {
			method = fuzzMethods[int(methodIdx)%len(fuzzMethods)]
		}
		if method == protocol.MethodExit {
			return // ends the session by design
		}
		if !json.Valid(params) {
			// Frames that are not JSON are FuzzServe's business only as
			// far as the stream goes; tolerantStream has its own tests.
			params, _ = json.Marshal(string(params))
		}
		core, logs := observer.New(zapcore.WarnLevel)
		a, b := net.Pipe()
		e := &fuzzEditor{t: t, conn: b, got: make(chan string, 64), served: make(chan error, 1)}
		img := &fuzzImage{replies: replies, down: flags&1 != 0}
		opts := Options{
			Logger:   zap.New(core),
			Endpoint: "tcp://127.0.0.1:1", EndpointSource: "fuzz",
			CacheDir: cacheDir,
			Dial:     func(string) (Image, error) { return img, nil },
		}
		go func() { e.served <- Serve(context.Background(), a, opts) }()
		go e.read()
		defer b.Close()

		caps := map[string]any{}
		if flags&2 != 0 {
			caps = map[string]any{
				"workspace":    map[string]any{"applyEdit": true, "configuration": true, "inlayHint": map[string]any{"refreshSupport": true}, "codeLens": map[string]any{"refreshSupport": true}},
				"window":       map[string]any{"showDocument": map[string]any{"support": true}, "workDoneProgress": true},
				"textDocument": map[string]any{"hover": map[string]any{"contentFormat": []string{"markdown"}}},
				"general":      map[string]any{"positionEncodings": []string{[]string{"utf-16", "utf-8", "utf-32"}[int(flags>>2)%3]}},
			}
		}
		e.write(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{
			"capabilities": caps, "initializationOptions": map[string]any{"hoverTimeoutMs": 200, "evaluateTimeoutMs": 500},
			"workspaceFolders": []any{map[string]any{"uri": "file:///ws", "name": "ws"}},
		}})
		e.await("1", "initialize")
		e.write(map[string]any{"jsonrpc": "2.0", "method": "initialized", "params": map[string]any{}})
		e.write(map[string]any{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": map[string]any{
			"textDocument": map[string]any{"uri": fuzzURI, "languageId": "smalltalk", "version": 1, "text": text},
		}})
		raw := json.RawMessage(params)
		e.write(map[string]any{"jsonrpc": "2.0", "id": 2, "method": method, "params": raw})
		e.await("2", method)
		if method != protocol.MethodShutdown {
			e.write(map[string]any{"jsonrpc": "2.0", "method": method, "params": raw})
		}
		e.write(map[string]any{"jsonrpc": "2.0", "id": 3, "method": "shutdown"})
		e.await("3", "shutdown after "+method)
		e.write(map[string]any{"jsonrpc": "2.0", "method": "exit"})
		// An editor closes the pipe after exit; otherwise Serve waits a
		// little for a read loop that cannot end.
		b.Close()
		select {
		case <-e.served:
		case <-time.After(10 * time.Second):
			t.Fatalf("Serve still running 10s after exit")
		}
		for _, entry := range logs.All() {
			if strings.HasPrefix(entry.Message, "panic") {
				t.Fatalf("%s: %v", entry.Message, entry.ContextMap())
			}
		}
	})
}
