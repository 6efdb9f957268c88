package mcp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/stui-lsp/stui-lsp/internal/sessionmemory"
	"github.com/stui-lsp/stui-lsp/mcp"
	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// rig is an MCP client (the SDK's own) talking to our server, which talks
// to the stuitest backend over real ZeroMQ.
type rig struct {
	t        testing.TB
	backend  *stuitest.Backend
	image    *stuitest.Server
	client   *stuiclient.Client
	session  *sdk.ClientSession
	log      *syncBuffer
	folder   string
	cacheDir string

	mu         sync.Mutex
	interrupts []stuiproto.InterruptResult
	// waiting receives each evaluation and test run that reaches the image:
	// "evaluate <code>" or "run_tests ".
	waiting chan string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func fixtureBackend() *stuitest.Backend {
	b := stuitest.NewBackend()
	b.AddClass(stuitest.ClassFixture{
		Name: "Counter", Superclass: "Object", Package: "Demo", Comment: "I count up from zero.",
		InstanceVars: []string{"count"},
		Methods: []stuitest.MethodFixture{
			{Category: "operations", Source: "increment\n\tcount := self count + 1"},
			{Category: "accessing", Source: "count\n\t^ count ifNil: [ 0 ]"},
			{Category: "examples", ClassSide: true, Source: "exampleIncrement\n\t| c |\n\tc := self new.\n\tc increment.\n\t^ c count"},
		},
	})
	b.AddClass(stuitest.ClassFixture{
		Name: "SumsTest", Superclass: "TestCase", Package: "Demo-Tests",
		Methods: []stuitest.MethodFixture{
			{Category: "tests", Source: "testAdds\n\tself assert: 3 + 4 equals: 7"},
			{Category: "tests", Source: "testMiscounts\n\tself assert: 3 + 4 equals: 8"},
			{Category: "tests", Source: "testBreaks\n\t1 / 0"},
		},
	})
	b.AddClass(stuitest.ClassFixture{
		Name: "SlowTest", Superclass: "TestCase", Package: "Demo-Slow",
		Methods: []stuitest.MethodFixture{
			{Category: "tests", Source: "testSlowly\n\tself timeLimit: 30 seconds.\n\t(Delay forSeconds: 20) wait"},
		},
	})
	b.AddClass(stuitest.ClassFixture{
		Name: "CounterTest", Superclass: "Object", Package: "Demo-Tests",
		Methods: []stuitest.MethodFixture{
			{Category: "tests", Source: "testIncrement\n\t| c |\n\tc := Counter new.\n\tc increment.\n\t^ c count = 1"},
		},
	})
	return b
}

type rigOptions struct {
	readOnly, noCompile bool
	session             mcp.SessionMode
	callTimeout         time.Duration
	maxResultChars      int
	folder, cacheDir    string
	backend             *stuitest.Backend
	// imageTestsTimeoutMS, when set, is the run_tests deadline the image
	// applies, whatever the server asked for.
	imageTestsTimeoutMS int
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	r := &rig{t: t, backend: o.backend, log: &syncBuffer{}, folder: o.folder, cacheDir: o.cacheDir, waiting: make(chan string, 100)}
	if r.backend == nil {
		r.backend = fixtureBackend()
	}
	if r.folder == "" {
		r.folder = t.TempDir()
	}
	if r.cacheDir == "" {
		r.cacheDir = t.TempDir()
	}
	r.image = stuitest.NewServer(stuitest.HandlerFunc(func(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
		if req.Command == stuiproto.CmdEvaluate || req.Command == stuiproto.CmdRunTests {
			var p stuiproto.EvaluateParams
			_ = json.Unmarshal(req.Parameters, &p)
			select {
			case r.waiting <- req.Command + " " + p.Code:
			default:
			}
		}
		if req.Command == stuiproto.CmdRunTests && o.imageTestsTimeoutMS > 0 {
			var p map[string]any
			_ = json.Unmarshal(req.Parameters, &p)
			p["timeout_ms"] = o.imageTestsTimeoutMS
			req.Parameters, _ = json.Marshal(p)
		}
		rep := r.backend.ServeSTUI(ctx, req)
		if req.Command == stuiproto.CmdInterrupt && rep.Status == stuiproto.StatusSuccess {
			var res stuiproto.InterruptResult
			_ = json.Unmarshal(rep.Result, &res)
			r.mu.Lock()
			r.interrupts = append(r.interrupts, res)
			r.mu.Unlock()
		}
		return rep
	}))
	t.Cleanup(r.image.Close)
	client, err := stuiclient.New(r.image.Endpoint, stuiclient.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	r.client = client
	t.Cleanup(func() { _ = client.Close() })
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(r.log), zap.DebugLevel))
	srv, err := mcp.NewServer(mcp.Options{
		Logger: log, Version: "test", Image: client, Endpoint: r.image.Endpoint,
		Workspace: r.folder, Session: o.session, CacheDir: r.cacheDir,
		ReadOnly: o.readOnly, NoCompile: o.noCompile, CallTimeout: o.callTimeout,
		EvaluateTimeout: 10 * time.Second, MaxResultChars: o.maxResultChars,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	serverSide, clientSide := sdk.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, serverSide)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ss.Close() })
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test-agent", Version: "1"}, nil).Connect(ctx, clientSide, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	r.session = cs
	return r
}

// call calls a tool and returns its result, failing on a protocol error.
func (r *rig) call(name string, args map[string]any) *sdk.CallToolResult {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := r.session.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		r.t.Fatalf("%s: protocol error %v", name, err)
	}
	return res
}

func text(res *sdk.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// ok calls a tool that must succeed and decodes its structured content.
func (r *rig) ok(name string, args map[string]any, out any) string {
	r.t.Helper()
	res := r.call(name, args)
	if res.IsError {
		r.t.Fatalf("%s %v: tool error: %s", name, args, text(res))
	}
	if res.StructuredContent == nil {
		r.t.Fatalf("%s: no structured content", name)
	}
	data, _ := json.Marshal(res.StructuredContent)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			r.t.Fatalf("%s: structured content %s: %v", name, data, err)
		}
	}
	return text(res)
}

// fails calls a tool that must answer with a tool error and returns its text.
func (r *rig) fails(name string, args map[string]any) string {
	r.t.Helper()
	res := r.call(name, args)
	if !res.IsError {
		r.t.Fatalf("%s %v: want a tool error, got %s", name, args, text(res))
	}
	return text(res)
}

func must(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Fatalf("%s: want %q in\n%s", what, w, got)
		}
	}
}

func TestToolsAreListedWithSchemas(t *testing.T) {
	r := newRig(t, rigOptions{})
	res, err := r.session.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]*sdk.Tool{}
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		byName[tool.Name] = tool
		if tool.Description == "" || tool.InputSchema == nil || tool.OutputSchema == nil {
			t.Errorf("%s: want a description, an input and an output schema", tool.Name)
		}
	}
	slices.Sort(names)
	want := []string{"browse_class", "compile_method", "evaluate", "get_method", "implementors", "inspect", "run_tests", "search_classes", "senders", "system_info"}
	if !slices.Equal(names, want) {
		t.Fatalf("tools %v, want %v", names, want)
	}
	schema, _ := json.Marshal(byName["evaluate"].InputSchema)
	must(t, "evaluate's input schema", string(schema), `"required":["code"]`, `"enum":["execute","print","inspect"]`)
	if !byName["browse_class"].Annotations.ReadOnlyHint || byName["evaluate"].Annotations.ReadOnlyHint {
		t.Fatal("browse_class must be marked read-only and evaluate not")
	}
	// compile_method replaces a method of the same selector.
	if d := byName["compile_method"].Annotations.DestructiveHint; d == nil || !*d || byName["compile_method"].Annotations.ReadOnlyHint {
		t.Fatal("compile_method must be marked destructive")
	}
}

func TestEvaluateKeepsWorkspaceVariables(t *testing.T) {
	r := newRig(t, rigOptions{})
	var out mcp.EvaluateOutput
	got := r.ok("evaluate", map[string]any{"code": "3 + 4"}, &out)
	if out.Result != "7" || out.ResultType != "SmallInteger" || out.SessionID == "" {
		t.Fatalf("3 + 4 gave %+v", out)
	}
	must(t, "evaluate's text", got, "7", "SmallInteger")
	r.ok("evaluate", map[string]any{"code": "answer := 41", "mode": "execute"}, nil)
	r.ok("evaluate", map[string]any{"code": "answer + 1"}, &out)
	if out.Result != "42" {
		t.Fatalf("answer + 1 = %q: the variable did not survive between calls", out.Result)
	}
	must(t, "the log", r.log.String(), "tools/call", "evaluate", `answer + 1`)
}

func TestImageErrorsAreToolErrors(t *testing.T) {
	r := newRig(t, rigOptions{})
	got := r.fails("evaluate", map[string]any{"code": "3 +"})
	must(t, "a syntax error", got, "SyntaxError", "line 1, column", "3 +\n")
	got = r.fails("evaluate", map[string]any{"code": "x := 1.\n1 / 0"})
	must(t, "a runtime error", got, "RuntimeError", "ZeroDivide", "stack (innermost first):")
	got = r.fails("evaluate", map[string]any{"code": "1", "mode": "debug"})
	must(t, "a bad mode", got, "mode", "execute print inspect")
	got = r.fails("browse_class", map[string]any{"class_name": "NoSuchClass"})
	must(t, "an unknown class", got, "ClassNotFound")
	// A call whose arguments do not fit the schema is an error the agent
	// reads too, not a failed request.
	got = r.fails("get_method", map[string]any{"class_name": "Counter"})
	must(t, "a missing argument", got, "selector")
}

func TestInspectDrillsIntoAValue(t *testing.T) {
	r := newRig(t, rigOptions{})
	var ev mcp.EvaluateOutput
	got := r.ok("evaluate", map[string]any{"code": "(1 to: 3) asOrderedCollection", "mode": "inspect"}, &ev)
	if ev.Inspection == nil || ev.Inspection.ClassName != "OrderedCollection" || ev.ObjectID == "" {
		t.Fatalf("inspect mode gave %+v", ev)
	}
	must(t, "inspect mode's text", got, "OrderedCollection", "slots")
	var in mcp.InspectOutput
	r.ok("inspect", map[string]any{"object_id": ev.ObjectID, "offset": 1, "limit": 1}, &in)
	if in.TotalSlots == 0 || len(in.Slots) != 1 || in.Offset != 1 {
		t.Fatalf("inspect with offset 1, limit 1 gave %+v", in)
	}
	got = r.fails("inspect", map[string]any{"object_id": "obj_999"})
	must(t, "an unknown object", got, "ObjectNotFound")
}

func TestBrowsingTools(t *testing.T) {
	r := newRig(t, rigOptions{})
	var bc mcp.BrowseClassOutput
	got := r.ok("browse_class", map[string]any{"class_name": "Counter"}, &bc)
	if bc.ClassInfo.Package != "Demo" || len(bc.InstanceMethods) != 2 || len(bc.ClassMethods) != 1 {
		t.Fatalf("browse_class Counter gave %+v", bc)
	}
	must(t, "browse_class's text", got, "I count up from zero.", "operations", "increment  stui://method/Counter/increment",
		"stui://method/Counter%20class/exampleIncrement")
	r.ok("browse_class", map[string]any{"class_name": "Counter", "include_methods": false}, &bc)
	if len(bc.InstanceMethods) != 0 {
		t.Fatalf("include_methods false still listed %v", bc.InstanceMethods)
	}

	var gm mcp.GetMethodOutput
	got = r.ok("get_method", map[string]any{"class_name": "Counter", "selector": "exampleIncrement", "class_side": true}, &gm)
	must(t, "a class-side method", got, "Counter class>>exampleIncrement", "c increment.")
	r.ok("get_method", map[string]any{"class_name": "Counter class", "selector": "exampleIncrement"}, &gm)
	if !gm.Method.IsClassMethod || gm.URI != "stui://method/Counter%20class/exampleIncrement" {
		t.Fatalf(`get_method on "Counter class" gave %+v`, gm)
	}
	got = r.fails("get_method", map[string]any{"class_name": "Counter", "selector": "exampleIncrement"})
	must(t, "a class-side selector on the instance side", got, "MethodNotFound")

	var sc mcp.SearchClassesOutput
	r.ok("search_classes", map[string]any{"pattern": "Counter"}, &sc)
	if !slices.Equal(sc.Classes, []string{"Counter", "CounterTest"}) {
		t.Fatalf("search_classes Counter = %v", sc.Classes)
	}
	r.ok("search_classes", map[string]any{"pattern": "*Test"}, &sc)
	if !slices.Equal(sc.Classes, []string{"CounterTest", "SlowTest", "SumsTest"}) {
		t.Fatalf("search_classes *Test = %v", sc.Classes)
	}

	var refs mcp.ReferencesOutput
	r.ok("implementors", map[string]any{"selector": "increment"}, &refs)
	if refs.TotalCount != 1 || refs.Methods[0].ClassName != "Counter" {
		t.Fatalf("implementors of increment: %+v", refs)
	}
	got = r.ok("senders", map[string]any{"selector": "increment"}, &refs)
	var senders []string
	for _, m := range refs.Methods {
		senders = append(senders, m.ClassName+">>"+m.Selector)
	}
	slices.Sort(senders)
	if !slices.Equal(senders, []string{"Counter>>exampleIncrement", "CounterTest>>testIncrement"}) {
		t.Fatalf("senders of increment: %v", senders)
	}
	must(t, "senders' text", got, "Counter class>>exampleIncrement")
}

func TestCompileMethod(t *testing.T) {
	r := newRig(t, rigOptions{})
	var out mcp.CompileMethodOutput
	got := r.ok("compile_method", map[string]any{"class_name": "Counter", "category": "operations", "source": "reset\n\tcount := 0"}, &out)
	if out.Selector != "reset" || !out.Changed || out.URI != "stui://method/Counter/reset" {
		t.Fatalf("compile_method gave %+v", out)
	}
	must(t, "compile_method's text", got, "Counter>>reset compiled")
	var gm mcp.GetMethodOutput
	r.ok("get_method", map[string]any{"class_name": "Counter", "selector": "reset"}, &gm)
	if gm.Method.Source != "reset\n\tcount := 0" || gm.Method.Category != "operations" {
		t.Fatalf("the compiled method reads back as %+v", gm.Method)
	}
	got = r.fails("compile_method", map[string]any{"class_name": "Counter", "source": "broken\n\t^ (1 + "})
	must(t, "a method that does not parse", got, "SyntaxError", "line 2")
	got = r.fails("compile_method", map[string]any{"class_name": "Nope", "source": "x\n\t^ 1"})
	must(t, "an unknown class", got, "ClassNotFound")
}

func TestSystemInfo(t *testing.T) {
	r := newRig(t, rigOptions{})
	var out mcp.SystemInfoOutput
	got := r.ok("system_info", map[string]any{}, &out)
	if out.ProtocolVersion != stuiproto.Version || out.Image.ImageName != "stuitest.image" || out.SessionMode != "shared" {
		t.Fatalf("system_info gave %+v", out)
	}
	if out.ClientID != sessionmemory.ClientID(r.folder) {
		t.Fatalf("client id %s, want the language server's %s", out.ClientID, sessionmemory.ClientID(r.folder))
	}
	must(t, "system_info's text", got, "Pharo-12.0.0+test", "STUI protocol "+stuiproto.Version)
}

func TestReadOnlyRefusesWhatChangesTheImage(t *testing.T) {
	r := newRig(t, rigOptions{readOnly: true})
	res, err := r.session.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range res.Tools {
		if tool.Name == "evaluate" || tool.Name == "compile_method" {
			t.Fatalf("--read-only offers %s", tool.Name)
		}
	}
	if len(res.Tools) != 7 {
		t.Fatalf("--read-only offers %d tools, want 7", len(res.Tools))
	}
	before := r.image.Requests()
	got := r.fails("evaluate", map[string]any{"code": "Smalltalk snapshot: false andQuit: true"})
	must(t, "the refusal", got, "evaluate refused", "--read-only")
	got = r.fails("compile_method", map[string]any{"class_name": "Counter", "source": "x\n\t^ 1"})
	must(t, "the refusal", got, "compile_method refused", "--read-only")
	got = r.fails("run_tests", map[string]any{"class_name": "SumsTest"})
	must(t, "the refusal", got, "run_tests refused", "--read-only")
	if r.image.Requests() != before {
		t.Fatal("a refused call still reached the image")
	}
	r.ok("browse_class", map[string]any{"class_name": "Counter"}, nil)
	var info mcp.SystemInfoOutput
	r.ok("system_info", nil, &info)
	if !info.ReadOnly || !slices.Equal(info.Refused, []string{"evaluate", "compile_method", "run_tests"}) {
		t.Fatalf("system_info under --read-only: %+v", info)
	}
}

func TestNoCompileKeepsEvaluation(t *testing.T) {
	r := newRig(t, rigOptions{noCompile: true})
	res, err := r.session.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tools) != 9 || slices.ContainsFunc(res.Tools, func(tool *sdk.Tool) bool { return tool.Name == "compile_method" }) {
		t.Fatalf("--no-compile offers %d tools, want the 9 other than compile_method", len(res.Tools))
	}
	got := r.fails("compile_method", map[string]any{"class_name": "Counter", "source": "x\n\t^ 1"})
	must(t, "the refusal", got, "--no-compile")
	r.ok("evaluate", map[string]any{"code": "1 + 1"}, nil)
}

func TestSharedSessionIsTheEditors(t *testing.T) {
	folder, cache := t.TempDir(), t.TempDir()
	r := newRig(t, rigOptions{folder: folder, cacheDir: cache})
	// The editor's language server made a session for the folder and
	// assigned a variable in it.
	ctx := context.Background()
	var editor stuiproto.Session
	if err := r.client.Call(ctx, stuiproto.CmdCreateSession, stuiproto.CreateSessionParams{ClientID: sessionmemory.ClientID(folder)}, &editor); err != nil {
		t.Fatal(err)
	}
	var ev stuiproto.EvaluateResult
	if err := r.client.Call(ctx, stuiproto.CmdEvaluate, stuiproto.EvaluateParams{Code: "fromEditor := 5", SessionID: editor.SessionID}, &ev); err != nil {
		t.Fatal(err)
	}
	var out mcp.EvaluateOutput
	r.ok("evaluate", map[string]any{"code": "fromEditor * 2"}, &out)
	if out.Result != "10" || out.SessionID != editor.SessionID {
		t.Fatalf("the agent got %q in session %s, want 10 in the editor's %s", out.Result, out.SessionID, editor.SessionID)
	}
	// ...and remembered it where the language server looks, so an editor
	// started later joins the same session.
	if got := (sessionmemory.Store{Dir: cache}).Recall(sessionmemory.ClientID(folder), r.image.Endpoint); got != editor.SessionID {
		t.Fatalf("remembered %q, want %s", got, editor.SessionID)
	}
}

func TestSharedSessionRestoresTheRememberedOne(t *testing.T) {
	folder, cache := t.TempDir(), t.TempDir()
	backend := fixtureBackend()
	r := newRig(t, rigOptions{folder: folder, cacheDir: cache, backend: backend})
	ctx := context.Background()
	// Two sessions for the folder; the language server remembered the older.
	var first, second stuiproto.Session
	for _, s := range []*stuiproto.Session{&first, &second} {
		if err := r.client.Call(ctx, stuiproto.CmdCreateSession, stuiproto.CreateSessionParams{ClientID: sessionmemory.ClientID(folder)}, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := (sessionmemory.Store{Dir: cache}).Remember(sessionmemory.ClientID(folder), folder, r.image.Endpoint, first.SessionID); err != nil {
		t.Fatal(err)
	}
	var out mcp.EvaluateOutput
	r.ok("evaluate", map[string]any{"code": "1"}, &out)
	if out.SessionID != first.SessionID {
		t.Fatalf("evaluated in %s, want the remembered %s", out.SessionID, first.SessionID)
	}
}

func TestOwnSessionIsApart(t *testing.T) {
	folder := t.TempDir()
	r := newRig(t, rigOptions{folder: folder, session: mcp.SessionOwn})
	ctx := context.Background()
	var editor stuiproto.Session
	if err := r.client.Call(ctx, stuiproto.CmdCreateSession, stuiproto.CreateSessionParams{ClientID: sessionmemory.ClientID(folder)}, &editor); err != nil {
		t.Fatal(err)
	}
	var ev stuiproto.EvaluateResult
	if err := r.client.Call(ctx, stuiproto.CmdEvaluate, stuiproto.EvaluateParams{Code: "fromEditor := 5", SessionID: editor.SessionID}, &ev); err != nil {
		t.Fatal(err)
	}
	var out mcp.EvaluateOutput
	r.ok("evaluate", map[string]any{"code": "fromEditor"}, &out)
	if out.Result != "nil" || out.SessionID == editor.SessionID {
		t.Fatalf("--session own saw the editor's variable: %+v", out)
	}
}

func TestCancelInterruptsTheEvaluation(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.ok("evaluate", map[string]any{"code": "0"}, nil) // the session exists first
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.session.CallTool(ctx, &sdk.CallToolParams{Name: "evaluate", Arguments: map[string]any{"code": "(Delay forSeconds: 20) wait"}})
		done <- err
	}()
	for code := range r.waiting {
		if strings.Contains(code, "Delay") {
			break
		}
	}
	time.Sleep(50 * time.Millisecond) // from the request's arrival to its running
	start := time.Now()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the cancelled call did not return")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.mu.Lock()
		n := len(r.interrupts)
		stopped := slices.ContainsFunc(r.interrupts, func(i stuiproto.InterruptResult) bool { return i.Interrupted == 1 })
		r.mu.Unlock()
		if stopped {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no interrupt stopped the evaluation (%d interrupts)", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("interrupting took %v", d)
	}
	// The server still answers.
	r.ok("evaluate", map[string]any{"code": "1 + 1"}, nil)
}

func TestImageDownAndBack(t *testing.T) {
	r := newRig(t, rigOptions{callTimeout: 3 * time.Second})
	r.ok("evaluate", map[string]any{"code": "kept := 7"}, nil)
	r.image.Stop()
	got := r.fails("evaluate", map[string]any{"code": "kept"})
	must(t, "the image down", got, "ImageUnavailable", r.image.Endpoint)
	got = r.fails("browse_class", map[string]any{"class_name": "Counter"})
	must(t, "the image down", got, "ImageUnavailable")
	r.image.Restart()
	var out mcp.EvaluateOutput
	r.ok("evaluate", map[string]any{"code": "kept"}, &out)
	if out.Result != "7" {
		t.Fatalf("after the image came back, kept = %q", out.Result)
	}
	// An image restart loses the session: the agent is told, and goes on.
	r.backend.Restart()
	got = r.ok("evaluate", map[string]any{"code": "kept"}, &out)
	if out.Result != "nil" || out.Note == "" {
		t.Fatalf("after an image restart: %+v", out)
	}
	must(t, "the note", got, "no longer had session")
}

func TestEveryCallHasADeadline(t *testing.T) {
	r := newRig(t, rigOptions{callTimeout: 500 * time.Millisecond})
	r.image.Delay(2 * time.Second)
	start := time.Now()
	got := r.fails("browse_class", map[string]any{"class_name": "Counter"})
	if d := time.Since(start); d > 1900*time.Millisecond {
		t.Fatalf("the call took %v past its 500ms deadline", d)
	}
	must(t, "a call past its deadline", got, "Timeout")
}

func TestResultsAreCapped(t *testing.T) {
	r := newRig(t, rigOptions{maxResultChars: 60})
	var out mcp.EvaluateOutput
	got := r.ok("evaluate", map[string]any{"code": "'" + strings.Repeat("abcdefghij", 20) + "'"}, &out)
	if !out.Truncated || len(out.Result) > 60 {
		t.Fatalf("a 200-character printString came back as %d characters (truncated %v)", len(out.Result), out.Truncated)
	}
	must(t, "the text", got, "printString cut")
	for i := range 60 {
		r.backend.AddMethod("Counter", stuitest.MethodFixture{Category: "generated", Source: fmt.Sprintf("generated%d\n\t^ %d", i, i)})
	}
	got = r.ok("browse_class", map[string]any{"class_name": "Counter"}, nil)
	must(t, "a long text", got, "(cut: ")
	if n := len([]rune(got)); n > 60+500+40 {
		t.Fatalf("browse_class's text has %d characters", n)
	}
}

func TestResources(t *testing.T) {
	r := newRig(t, rigOptions{})
	ctx := context.Background()
	list, err := r.session.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, res := range list.Resources {
		uris = append(uris, res.URI)
	}
	for _, want := range []string{"stui://packages", "stui://package/Demo", "stui://class/Counter", "stui://package/Demo-Tests", "stui://class/CounterTest"} {
		if !slices.Contains(uris, want) {
			t.Fatalf("resources/list %v lacks %s", uris, want)
		}
	}
	if slices.Contains(uris, "stui://class/Object") {
		t.Fatal("resources/list lists Pharo's own classes")
	}
	templates, err := r.session.ListResourceTemplates(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, tm := range templates.ResourceTemplates {
		patterns = append(patterns, tm.URITemplate)
	}
	for _, want := range []string{"stui://class/{class}", "stui://method/{class}/{+selector}", "stui://package/{+package}"} {
		if !slices.Contains(patterns, want) {
			t.Fatalf("templates %v lack %s", patterns, want)
		}
	}
	read := func(uri string) string {
		t.Helper()
		res, err := r.session.ReadResource(ctx, &sdk.ReadResourceParams{URI: uri})
		if err != nil {
			t.Fatalf("read %s: %v", uri, err)
		}
		return res.Contents[0].Text
	}
	must(t, "the packages", read("stui://packages"), "Demo  stui://package/Demo", "  Counter  stui://class/Counter")
	must(t, "a package", read("stui://package/Demo-Tests"), "CounterTest  stui://class/CounterTest")
	must(t, "a class", read("stui://class/Counter"), "superclass Object, package Demo", "I count up from zero.")
	if got := read("stui://method/Counter/increment"); got != "increment\n\tcount := self count + 1" {
		t.Fatalf("method source %q", got)
	}
	must(t, "a class-side method", read("stui://method/Counter%20class/exampleIncrement"), "c := self new.")
	// What the image lacks is "resource not found" (the SDK's code), a
	// package with the hint where to look instead: never code 0, which a
	// plain error would give.
	for _, missing := range []string{"stui://class/NoSuchClass", "stui://package/NoSuchPackage"} {
		_, err := r.session.ReadResource(ctx, &sdk.ReadResourceParams{URI: missing})
		var werr *jsonrpc.Error
		if !errors.As(err, &werr) || werr.Code != sdk.CodeResourceNotFound {
			t.Errorf("reading %s, which the image lacks: %v, want a resource-not-found error", missing, err)
		}
	}
	must(t, "the log", r.log.String(), "resources/read", "stui://method/Counter/increment")
}

func TestRunTests(t *testing.T) {
	r := newRig(t, rigOptions{})
	var out mcp.RunTestsOutput
	got := r.ok("run_tests", map[string]any{"class_name": "SumsTest", "selectors": []string{"testAdds", "testMiscounts", "testBreaks"}}, &out)
	if out.Passed != 1 || out.Failed != 1 || out.Errors != 1 || len(out.Results) != 3 {
		t.Fatalf("run_tests gave %+v", out)
	}
	must(t, "run_tests's text", got, "1 passed, 1 failed, 1 errors", "FAIL SumsTest>>testMiscounts: Got 7 instead of 8.",
		"SumsTest>>testMiscounts line 2", "ERROR SumsTest>>testBreaks", "passed: SumsTest>>testAdds")
	got = r.fails("run_tests", map[string]any{"class_name": "NoSuchTest"})
	must(t, "an unknown class", got, "ClassNotFound")
	got = r.fails("run_tests", map[string]any{})
	must(t, "no class and no package", got, "give class_name")
	r.ok("run_tests", map[string]any{"package": "Demo-Tests"}, &out)
	if len(out.Results) != 3 {
		t.Fatalf("the package's run gave %+v", out)
	}
}

func TestARunPastItsDeadlineAnswersTheTestsThatFinished(t *testing.T) {
	b := fixtureBackend()
	b.AddClass(stuitest.ClassFixture{Name: "PatientTest", Superclass: "TestCase", Package: "Demo-Slow", Methods: []stuitest.MethodFixture{
		{Category: "tests", Source: "testAQuick\n\tself assert: 3 + 4 equals: 7"},
		{Category: "tests", Source: "testBWaits\n\t(Delay forSeconds: 5) wait"},
		{Category: "tests", Source: "testCLater\n\tself assert: true"},
	}})
	r := newRig(t, rigOptions{backend: b, imageTestsTimeoutMS: 300})
	var out mcp.RunTestsOutput
	got := r.ok("run_tests", map[string]any{"class_name": "PatientTest"}, &out)
	if out.TimedOut == nil || out.TimedOut.Running == nil || out.TimedOut.Running.Selector != "testBWaits" || out.TimedOut.NotRun != 1 {
		t.Fatalf("timed_out %+v, want testBWaits running and 1 not run", out.TimedOut)
	}
	if out.Passed != 1 || len(out.Results) != 1 || out.Results[0].Selector != "testAQuick" {
		t.Fatalf("run_tests gave %+v, want the one test that finished", out)
	}
	must(t, "a timed-out run's text", got, "TIMED OUT after", "while PatientTest>>testBWaits was running; 1 tests not run",
		"1 passed, 0 failed", "passed: PatientTest>>testAQuick")
}

func TestCancelInterruptsATestRun(t *testing.T) {
	r := newRig(t, rigOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.session.CallTool(ctx, &sdk.CallToolParams{Name: "run_tests", Arguments: map[string]any{"class_name": "SlowTest"}})
		done <- err
	}()
	for what := range r.waiting {
		if what == stuiproto.CmdRunTests+" " {
			break
		}
	}
	time.Sleep(50 * time.Millisecond) // from the request's arrival to its running
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	<-done
	for {
		r.mu.Lock()
		stopped := slices.ContainsFunc(r.interrupts, func(i stuiproto.InterruptResult) bool { return i.Interrupted == 1 })
		r.mu.Unlock()
		if stopped {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no interrupt stopped the test run")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
