package lsp

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/internal/lsptest"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// The handler benchmarks run Serve over OS pipes, as stdio is, against a
// fakeImage, so they measure the language server alone: framing, dispatch,
// the handler and the image interface, without ZeroMQ. `stui-lsp bench`
// measures the whole path; docs/performance.md compares the two.

const benchTonel = `Class {
	#name : #BenchPoint,
	#superclass : #Object,
	#instVars : [ 'x', 'y' ],
	#category : #'Bench-Core'
}

{ #category : #accessing }
⟦c⟧BenchPoint >> x [
	^ x
]
`

// benchEditor is a bare client for Serve: no recording, so the benchmark
// measures the server.
type benchEditor struct {
	conn jsonrpc2.Conn
	done chan error
	// indexed is closed when the server says it indexed the workspace.
	indexed     chan struct{}
	indexedOnce sync.Once
}

func startBenchEditor(b *testing.B, img Image) *benchEditor {
	b.Helper()
	return startBenchEditorIn(b, img, b.TempDir())
}

// startBenchEditorIn is startBenchEditor with folder as the workspace.
func startBenchEditorIn(b *testing.B, img Image, folder string) *benchEditor {
	b.Helper()
	r1, w1, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	r2, w2, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	server, client := pipeEnd{r1, w2}, pipeEnd{r2, w1}
	opts := Options{CacheDir: b.TempDir(), Endpoint: "tcp://127.0.0.1:1", EndpointSource: "bench"}
	if img != nil {
		opts.Dial = func(string) (Image, error) { return img, nil }
	}
	e := &benchEditor{done: make(chan error, 1), indexed: make(chan struct{})}
	go func() { e.done <- Serve(context.Background(), server, opts) }()
	e.conn = jsonrpc2.NewConn(jsonrpc2.NewHeaderStream(client), jsonrpc2.WithCodec(lsptest.Codec{}))
	e.conn.Go(context.Background(), func(ctx context.Context, req *jsonrpc2.Request) (any, error) {
		switch req.Method() {
		case protocol.MethodWorkspaceConfiguration:
			return []any{nil}, nil
		case protocol.MethodWindowLogMessage:
			var m protocol.LogMessageParams
			if json.Unmarshal(req.Params(), &m) == nil && strings.Contains(m.Message, "indexed workspace") {
				e.indexedOnce.Do(func() { close(e.indexed) })
			}
		}
		return nil, nil
	})
	b.Cleanup(func() {
		_ = e.conn.Close()
		select {
		case <-e.done:
		case <-time.After(5 * time.Second):
			b.Error("server did not stop")
		}
	})
	root := uri.File(folder)
	params := &protocol.InitializeParams{
		Capabilities: protocol.ClientCapabilities{
			TextDocument: &protocol.TextDocumentClientCapabilities{Hover: &protocol.HoverClientCapabilities{ContentFormat: []protocol.MarkupKind{protocol.MarkupKindMarkdown}}},
		},
	}
	params.WorkspaceFolders = protocol.NewNullable([]protocol.WorkspaceFolder{{URI: root, Name: "bench"}})
	var res protocol.InitializeResult
	if err := e.call("initialize", params, &res); err != nil {
		b.Fatal(err)
	}
	if err := e.conn.Notify(context.Background(), "initialized", &protocol.InitializedParams{}); err != nil {
		b.Fatal(err)
	}
	return e
}

func (e *benchEditor) call(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := e.conn.Call(ctx, method, params, result)
	return err
}

func (e *benchEditor) open(b *testing.B, name, text string) uri.URI {
	u := uri.File("/ws/" + name)
	if err := e.conn.Notify(context.Background(), "textDocument/didOpen", &protocol.DidOpenTextDocumentParams{
		TextDocument: protocol.TextDocumentItem{URI: u, LanguageID: "smalltalk", Version: 1, Text: text},
	}); err != nil {
		b.Fatal(err)
	}
	return u
}

// benchImage answers what hover and evaluate ask, as the image would.
func benchImage() *fakeImage {
	img := newFakeImage()
	super := "Object"
	img.on(stuiproto.CmdBrowseClass, func(context.Context, json.RawMessage) (any, error) {
		return stuiproto.BrowseClassResult{
			ClassInfo:    stuiproto.ClassInfo{Name: "BenchPoint", Superclass: &super, Package: "Bench-Core", Comment: "I am a point for the benchmark."},
			InstanceVars: []string{"x", "y"},
		}, nil
	})
	img.on(stuiproto.CmdEvaluate, func(context.Context, json.RawMessage) (any, error) {
		return stuiproto.EvaluateResult{Result: "7", ResultType: "SmallInteger", EvaluationMode: "display"}, nil
	})
	return img
}

// forget keeps the fake from recording every call of a long benchmark.
func (f *fakeImage) forget() {
	f.mu.Lock()
	f.calls = nil
	f.mu.Unlock()
}

// BenchmarkHover: one hover on a class name in a Tonel document, answered
// from browse_class, one request at a time and with 8 in flight.
func BenchmarkHover(b *testing.B) {
	for _, inflight := range []int{1, 8} {
		b.Run(inflightName(inflight), func(b *testing.B) {
			img := benchImage()
			e := startBenchEditor(b, img)
			text, at := markers(benchTonel)
			u := e.open(b, "BenchPoint.class.st", text)
			params := &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
				TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: at["c"]}}
			var h protocol.Hover
			if err := e.call("textDocument/hover", params, &h); err != nil {
				b.Fatal(err)
			}
			if mc, _ := h.Contents.(*protocol.MarkupContent); mc == nil || !strings.Contains(mc.Value, "I am a point for the benchmark.") {
				b.Fatalf("hover = %+v", h.Contents)
			}
			runInFlight(b, inflight, img, func() error {
				var h protocol.Hover
				return e.call("textDocument/hover", params, &h)
			})
		})
	}
}

// BenchmarkEvaluate: workspace/executeCommand stui.evaluate {"code"}.
func BenchmarkEvaluate(b *testing.B) {
	for _, inflight := range []int{1, 8} {
		b.Run(inflightName(inflight), func(b *testing.B) {
			img := benchImage()
			e := startBenchEditor(b, img)
			raw, _ := json.Marshal(map[string]any{"code": "3 + 4"})
			params := &protocol.ExecuteCommandParams{Command: cmdEvaluate, Arguments: []protocol.LSPAny{raw}}
			if err := e.call("workspace/executeCommand", params, nil); err != nil {
				b.Fatal(err)
			}
			runInFlight(b, inflight, img, func() error {
				return e.call("workspace/executeCommand", params, nil)
			})
		})
	}
}

// BenchmarkHoverOffline: the same hover with no image configured, answered
// from the document alone: the server's own share of a hover.
func BenchmarkHoverOffline(b *testing.B) {
	e := startBenchEditor(b, nil)
	text, at := markers(benchTonel)
	u := e.open(b, "BenchPoint.class.st", text)
	params := &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: at["c"]}}
	runInFlight(b, 1, nil, func() error {
		var h protocol.Hover
		return e.call("textDocument/hover", params, &h)
	})
}

func inflightName(n int) string {
	if n == 1 {
		return "inflight-1"
	}
	return "inflight-8"
}

// runInFlight runs b.N requests with inflight outstanding and reports the
// p50 and p99 latency per request.
func runInFlight(b *testing.B, inflight int, img *fakeImage, do func() error) {
	b.Helper()
	var (
		mu   sync.Mutex
		next int
		lat  []time.Duration
	)
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for range inflight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			for {
				mu.Lock()
				if next >= b.N {
					mu.Unlock()
					return
				}
				next++
				if img != nil && next%4096 == 0 {
					img.forget()
				}
				mu.Unlock()
				start := time.Now()
				if err := do(); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(start))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
