package mcp

import (
	"context"
	"fmt"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// toolKind says what a tool can do to the image, which decides whether
// --read-only and --no-compile offer it.
type toolKind int

const (
	readsImage toolKind = iota // changes nothing
	evaluates                  // runs code: anything may change
	compiles                   // installs code
)

// toolDef is one tool: its description for the agent and its handler, which
// returns the structured result and its text for the agent to read.
type toolDef[In, Out any] struct {
	name, title, description string
	kind                     toolKind
	// tweak adjusts the input schema inferred from In (enums, bounds).
	tweak func(in *jsonschema.Schema)
	run   func(ctx context.Context, in In) (Out, string, error)
	// source is the code the agent sent, whose line a syntax error points at.
	source func(in In) string
	// imageDeadlineMS, for work the image bounds itself (an evaluation, a
	// test run), is that bound; other calls have CallTimeout.
	imageDeadlineMS func() int
}

func addTool[In, Out any](s *Server, d toolDef[In, Out]) {
	if why := s.refusal(d.kind); why != "" {
		s.refused[d.name] = why
		return
	}
	in, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: input schema of %s: %v", d.name, err))
	}
	if d.tweak != nil {
		d.tweak(in)
	}
	out, err := jsonschema.For[Out](nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: output schema of %s: %v", d.name, err))
	}
	tool := &sdk.Tool{Name: d.name, Title: d.title, Description: d.description, InputSchema: in, OutputSchema: out,
		Annotations: &sdk.ToolAnnotations{Title: d.title, ReadOnlyHint: d.kind == readsImage, OpenWorldHint: new(false),
			DestructiveHint: new(d.kind != readsImage), IdempotentHint: d.kind != evaluates}}
	timeout := s.opts.CallTimeout
	if d.imageDeadlineMS != nil {
		// The image stops the work at its own deadline and says so; the
		// margin lets that reply arrive before we give up ourselves.
		timeout = stuiproto.EvaluationWait(d.imageDeadlineMS())
	}
	// The output type is any so that a failed call carries no structured
	// content: the schema above still checks every successful one.
	sdk.AddTool(s.mcp, tool, func(ctx context.Context, _ *sdk.CallToolRequest, args In) (*sdk.CallToolResult, any, error) {
		callCtx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		result, text, err := d.run(callCtx, args)
		if err != nil {
			src := ""
			if d.source != nil {
				src = d.source(args)
			}
			// The caller's ctx, not callCtx: a cancellation is the client's.
			return s.toolError(ctx, d.name, err, src), nil, nil
		}
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: capText(text, s.textLimit())}}}, result, nil
	})
}

func (s *Server) evaluateTimeoutMS() int { return int(s.opts.EvaluateTimeout / time.Millisecond) }

// textLimit caps the text of a result: a printString is cut by the image at
// MaxResultChars, and the text around it (its class, an object id, a note)
// must still fit.
func (s *Server) textLimit() int { return s.opts.MaxResultChars + 500 }

// refusal is why a tool of kind is not offered, or "".
func (s *Server) refusal(kind toolKind) string {
	switch {
	case kind != readsImage && s.opts.ReadOnly:
		return "stui-lsp mcp runs with --read-only: only tools that run no code and change nothing in the image are offered (browse_class, get_method, search_classes, implementors, senders, inspect, system_info)"
	case kind == compiles && s.opts.NoCompile:
		return "stui-lsp mcp runs with --no-compile: methods cannot be compiled into the image"
	}
	return ""
}

func (s *Server) addTools() {
	addTool(s, toolDef[EvaluateArgs, EvaluateOutput]{
		name:  "evaluate",
		title: "Evaluate Smalltalk",
		description: "Evaluate Smalltalk statements in the live Pharo image, in the workspace's session: " +
			"assignments to undeclared names create workspace variables that later evaluations see. " +
			"mode print (default) answers the printString of the last statement's value; execute runs the code for its effect; " +
			"inspect also describes the value's instance variables and slots. The value gets an object_id to pass to inspect. " +
			"A syntax error (with line and column) or a runtime error (with its error class and stack) comes back as a tool error.",
		kind:            evaluates,
		tweak:           func(in *jsonschema.Schema) { in.Properties["mode"].Enum = []any{"execute", "print", "inspect"} },
		run:             s.evaluate,
		source:          func(a EvaluateArgs) string { return a.Code },
		imageDeadlineMS: s.evaluateTimeoutMS,
	})
	addTool(s, toolDef[InspectArgs, InspectOutput]{
		name:  "inspect",
		title: "Inspect an object",
		description: "Describe an object that an earlier evaluate returned, by its object_id: class, printString, " +
			"named instance variables and indexed slots, each slot with an object_id of its own to inspect further. " +
			"Page through large collections with offset and limit.",
		kind: readsImage,
		run:  s.inspect,
	})
	addTool(s, toolDef[BrowseClassArgs, BrowseClassOutput]{
		name:  "browse_class",
		title: "Browse a class",
		description: "Describe a class of the image: superclass, package, comment, definition, instance and class variables, " +
			"and (unless include_methods is false) its instance-side and class-side methods by category, without their source; " +
			"use get_method for a method's source.",
		kind: readsImage,
		run:  s.browseClass,
	})
	addTool(s, toolDef[GetMethodArgs, GetMethodOutput]{
		name:        "get_method",
		title:       "Get a method's source",
		description: "Return the source, category and package of one method. class_side true looks the selector up on the metaclass (Foo class>>bar).",
		kind:        readsImage,
		run:         s.getMethod,
	})
	addTool(s, toolDef[SearchClassesArgs, SearchClassesOutput]{
		name:  "search_classes",
		title: "Search classes by name",
		description: "List the names of the image's classes matching a pattern, sorted. * matches any run of characters and matching is case-sensitive; " +
			"a pattern without * matches every name containing it (Counter finds Counter and CounterTest).",
		kind: readsImage,
		run:  s.searchClasses,
	})
	addTool(s, toolDef[SelectorArgs, ReferencesOutput]{
		name:        "implementors",
		title:       "Implementors of a selector",
		description: "List the methods that implement a selector (e.g. printOn: or at:put:), with class, side, category and package.",
		kind:        readsImage,
		run:         s.implementors,
	})
	addTool(s, toolDef[SelectorArgs, ReferencesOutput]{
		name:        "senders",
		title:       "Senders of a selector",
		description: "List the methods whose code sends a selector, with class, side, category and package.",
		kind:        readsImage,
		run:         s.senders,
	})
	addTool(s, toolDef[CompileMethodArgs, CompileMethodOutput]{
		name:  "compile_method",
		title: "Compile a method",
		description: "Compile a method into a class of the image and install it, replacing a method with the same selector. " +
			"source is the whole method as the image shows it: the message pattern, then the body. " +
			"A syntax or compile error (with line and column in source) comes back as a tool error and installs nothing.",
		kind:   compiles,
		run:    s.compileMethod,
		source: func(a CompileMethodArgs) string { return a.Source },
	})
	addTool(s, toolDef[RunTestsArgs, RunTestsOutput]{
		name:  "run_tests",
		title: "Run SUnit tests",
		description: "Run SUnit tests in the image: every test of a TestCase subclass (or only the selectors given), or every test class of a package. " +
			"Answers each test's status (pass, fail, error, skip), a failure's message and the stack frames down to the test method, with line numbers " +
			"in the method's source. Failing tests are a result to read, not a tool error; an unknown class is. A run past its deadline answers the tests that finished, " +
			"with timed_out naming the test that was running and how many never started.",
		kind:            evaluates,
		run:             s.runTests,
		imageDeadlineMS: s.testsTimeoutMS,
	})
	addTool(s, toolDef[SystemInfoArgs, SystemInfoOutput]{
		name:  "system_info",
		title: "Image and connection",
		description: "Describe the image (Pharo and VM versions, image name, memory, packages), the STUI protocol it speaks, " +
			"and this server's connection: endpoint, session, and what --read-only or --no-compile allow.",
		kind: readsImage,
		run:  s.systemInfo,
	})
}
