package mcp

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/zap"

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
			DestructiveHint: new(d.kind == evaluates), IdempotentHint: d.kind != evaluates}}
	timeout := s.opts.CallTimeout
	if d.kind == evaluates {
		// The image stops an evaluation at EvaluateTimeout and says so; the
		// margin lets that reply arrive before we give up ourselves.
		timeout = stuiproto.EvaluationWait(s.evaluateTimeoutMS())
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
		return "stui-lsp mcp runs with --read-only: only tools that change nothing in the image are offered (browse_class, get_method, search_classes, implementors, senders, inspect, system_info)"
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
		kind:   evaluates,
		tweak:  func(in *jsonschema.Schema) { in.Properties["mode"].Enum = []any{"execute", "print", "inspect"} },
		run:    s.evaluate,
		source: func(a EvaluateArgs) string { return a.Code },
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
	addTool(s, toolDef[SystemInfoArgs, SystemInfoOutput]{
		name:  "system_info",
		title: "Image and connection",
		description: "Describe the image (Pharo and VM versions, image name, memory, packages), the STUI protocol it speaks, " +
			"and this server's connection: endpoint, session, and what --read-only or --no-compile allow.",
		kind: readsImage,
		run:  s.systemInfo,
	})
}

// EvaluateArgs are evaluate's arguments.
type EvaluateArgs struct {
	Code string `json:"code" jsonschema:"Smalltalk statements, separated by periods; the value of the last is the result"`
	Mode string `json:"mode,omitempty" jsonschema:"print (default): answer the printString; execute: run for effect; inspect: also describe the value's slots"`
}

// EvaluateOutput is evaluate's result.
type EvaluateOutput struct {
	Result          string         `json:"result" jsonschema:"the printString of the value, cut to the server's limit"`
	ResultType      string         `json:"result_type" jsonschema:"the class of the value"`
	ObjectID        string         `json:"object_id,omitempty" jsonschema:"pass to inspect to look inside the value"`
	Truncated       bool           `json:"truncated" jsonschema:"true when result was cut"`
	ExecutionTimeMS float64        `json:"execution_time_ms"`
	SessionID       string         `json:"session_id" jsonschema:"the image session the code ran in"`
	Note            string         `json:"note,omitempty" jsonschema:"what happened to the session, when worth knowing"`
	Inspection      *InspectOutput `json:"inspection,omitempty" jsonschema:"with mode inspect: the value's slots"`
}

var callCounter atomic.Uint64

func (s *Server) evaluate(ctx context.Context, a EvaluateArgs) (EvaluateOutput, string, error) {
	if strings.TrimSpace(a.Code) == "" {
		return EvaluateOutput{}, "", badArgs("code is empty: give the Smalltalk statements to evaluate")
	}
	mode := a.Mode
	switch mode {
	case "", "print":
		mode = stuiproto.ModePrint
	case "execute", "inspect":
	default:
		return EvaluateOutput{}, "", badArgs("mode %q: want execute, print or inspect", a.Mode)
	}
	// A cancelled call interrupts the evaluation in the image, which then
	// answers Interrupted; the id lets interrupt name this request alone.
	requestID := "mcp-" + strconv.FormatUint(callCounter.Add(1), 10)
	stop := context.AfterFunc(ctx, func() {
		if ctx.Err() != context.Canceled {
			return // our deadline: the image stops the evaluation itself
		}
		ictx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var res stuiproto.InterruptResult
		err := recovering(func() error {
			return stuiproto.Call(ictx, s.opts.Image, stuiproto.InterruptCommand, stuiproto.InterruptParams{RequestID: requestID}, &res)
		})
		s.log.Info("interrupted a cancelled evaluation", zap.String("request", requestID), zap.Int("stopped", res.Interrupted), zap.Error(err))
	})
	defer stop()

	var res stuiproto.EvaluateResult
	var sessionID string
	note, err := s.session.do(ctx, func(id string) error {
		sessionID = id
		return stuiproto.Call(stuiproto.WithRequestID(ctx, requestID), s.opts.Image, stuiproto.EvaluateCommand, stuiproto.EvaluateParams{
			Code:           a.Code,
			SessionID:      id,
			EvaluationMode: mode,
			MaxResultChars: s.opts.MaxResultChars,
			TimeoutMS:      s.evaluateTimeoutMS(),
		}, &res)
	})
	if err != nil {
		return EvaluateOutput{}, "", err
	}
	out := EvaluateOutput{Result: res.Result, ResultType: res.ResultType, Truncated: res.Truncated,
		ExecutionTimeMS: res.ExecutionTime, SessionID: sessionID, Note: note}
	if res.ObjectID != nil {
		out.ObjectID = *res.ObjectID
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n(%s", res.Result, res.ResultType)
	if out.ObjectID != "" {
		fmt.Fprintf(&b, ", object_id %s", out.ObjectID)
	}
	if res.Truncated {
		b.WriteString(", printString cut")
	}
	b.WriteString(")")
	if mode == stuiproto.ModeInspect && out.ObjectID != "" {
		insp, text, err := s.inspect(ctx, InspectArgs{ObjectID: out.ObjectID})
		if err != nil {
			return EvaluateOutput{}, "", err
		}
		out.Inspection = &insp
		b.WriteString("\n" + text)
	}
	if note != "" {
		b.WriteString("\nnote: " + note)
	}
	return out, b.String(), nil
}

// InspectArgs are inspect's arguments.
type InspectArgs struct {
	ObjectID string `json:"object_id" jsonschema:"an object_id from evaluate or from a slot of an earlier inspect"`
	Offset   int    `json:"offset,omitempty" jsonschema:"first indexed slot to show (default 0)"`
	Limit    int    `json:"limit,omitempty" jsonschema:"how many indexed slots to show (default 100)"`
}

// InspectOutput is inspect's result.
type InspectOutput struct {
	ObjectID     string            `json:"object_id"`
	ClassName    string            `json:"class_name"`
	PrintString  string            `json:"print_string"`
	Size         int               `json:"size" jsonschema:"number of indexed elements"`
	InstanceVars map[string]string `json:"instance_vars" jsonschema:"named instance variables and their printStrings"`
	Slots        []stuiproto.Slot  `json:"slots"`
	TotalSlots   int               `json:"total_slots"`
	Offset       int               `json:"offset"`
	Limit        int               `json:"limit"`
}

func (s *Server) inspect(ctx context.Context, a InspectArgs) (InspectOutput, string, error) {
	if a.ObjectID == "" {
		return InspectOutput{}, "", badArgs("object_id is empty: pass the object_id that evaluate returned")
	}
	if a.Offset < 0 || a.Limit < 0 {
		return InspectOutput{}, "", badArgs("offset and limit must not be negative")
	}
	// Object ids belong to a session: without one, there is nothing to see.
	id := s.session.current()
	if id == "" {
		var err error
		if id, _, err = s.session.ensure(ctx); err != nil {
			return InspectOutput{}, "", err
		}
	}
	var res stuiproto.InspectResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.InspectCommand, stuiproto.InspectParams{
		ObjectID: a.ObjectID, SessionID: id, Offset: a.Offset, Limit: a.Limit}, &res); err != nil {
		return InspectOutput{}, "", err
	}
	out := InspectOutput{ObjectID: res.ObjectID, ClassName: res.ObjectInfo.ClassName, PrintString: res.ObjectInfo.StringRepresentation,
		Size: res.ObjectInfo.Size, InstanceVars: res.InstanceVars, Slots: res.Slots, TotalSlots: res.TotalSlots,
		Offset: res.Offset, Limit: res.Limit}
	if out.InstanceVars == nil {
		out.InstanceVars = map[string]string{}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "a %s: %s\n", out.ClassName, out.PrintString)
	fmt.Fprintf(&b, "slots %d-%d of %d:", out.Offset+1, out.Offset+len(out.Slots), out.TotalSlots)
	for _, sl := range out.Slots {
		fmt.Fprintf(&b, "\n  %s: %s (%s)", sl.Name, sl.PrintString, sl.ClassName)
		if sl.ObjectID != nil && sl.HasSlots {
			fmt.Fprintf(&b, " object_id %s", *sl.ObjectID)
		}
	}
	return out, b.String(), nil
}

// BrowseClassArgs are browse_class's arguments.
type BrowseClassArgs struct {
	ClassName      string `json:"class_name" jsonschema:"the class name, e.g. OrderedCollection (both sides are described)"`
	IncludeMethods *bool  `json:"include_methods,omitempty" jsonschema:"list the methods (default true)"`
}

// BrowseClassOutput is browse_class's result.
type BrowseClassOutput struct {
	ClassInfo       stuiproto.ClassInfo `json:"class_info"`
	InstanceVars    []string            `json:"instance_vars"`
	ClassVars       []string            `json:"class_vars"`
	InstanceMethods []MethodSummary     `json:"instance_methods"`
	ClassMethods    []MethodSummary     `json:"class_methods"`
}

// MethodSummary is a method without its source.
type MethodSummary struct {
	Selector string `json:"selector"`
	Category string `json:"category"`
	Package  string `json:"package"`
	Comment  string `json:"comment,omitempty"`
}

func (s *Server) browseClass(ctx context.Context, a BrowseClassArgs) (BrowseClassOutput, string, error) {
	if strings.TrimSpace(a.ClassName) == "" {
		return BrowseClassOutput{}, "", badArgs("class_name is empty")
	}
	res, err := s.fetchClass(ctx, a.ClassName, a.IncludeMethods == nil || *a.IncludeMethods)
	if err != nil {
		return BrowseClassOutput{}, "", err
	}
	out := BrowseClassOutput{ClassInfo: res.ClassInfo, InstanceVars: nonNil(res.InstanceVars), ClassVars: nonNil(res.ClassVars),
		InstanceMethods: summaries(res.InstanceMethods), ClassMethods: summaries(res.ClassMethods)}
	return out, classText(res, a.IncludeMethods == nil || *a.IncludeMethods), nil
}

func (s *Server) fetchClass(ctx context.Context, name string, methods bool) (*stuiproto.BrowseClassResult, error) {
	var res stuiproto.BrowseClassResult
	err := stuiproto.Call(ctx, s.opts.Image, stuiproto.BrowseClassCommand, stuiproto.BrowseClassParams{ClassName: name, IncludeMethods: &methods}, &res)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

func summaries(ms []stuiproto.Method) []MethodSummary {
	out := make([]MethodSummary, 0, len(ms))
	for _, m := range ms {
		out = append(out, MethodSummary{Selector: m.Name, Category: m.Category, Package: m.Package, Comment: m.Comment})
	}
	return out
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// classText is a class as a person reads it in a browser: definition,
// comment, then methods by category with their resource URIs.
func classText(c *stuiproto.BrowseClassResult, methods bool) string {
	var b strings.Builder
	info := c.ClassInfo
	super := "nil"
	if info.Superclass != nil {
		super = *info.Superclass
	}
	fmt.Fprintf(&b, "%s (superclass %s, package %s", info.Name, super, info.Package)
	if info.Tag != "" {
		fmt.Fprintf(&b, ", tag %s", info.Tag)
	}
	b.WriteString(")\n")
	if info.Definition != "" {
		b.WriteString("\n" + info.Definition + "\n")
	}
	if info.Comment != "" {
		b.WriteString("\n\"" + strings.ReplaceAll(info.Comment, `"`, `""`) + "\"\n")
	}
	if !methods {
		return b.String()
	}
	for _, side := range []struct {
		label   string
		methods []stuiproto.Method
		class   bool
	}{{"instance side", c.InstanceMethods, false}, {"class side", c.ClassMethods, true}} {
		if len(side.methods) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", side.label)
		byCategory := map[string][]stuiproto.Method{}
		var order []string
		for _, m := range side.methods {
			if _, seen := byCategory[m.Category]; !seen {
				order = append(order, m.Category)
			}
			byCategory[m.Category] = append(byCategory[m.Category], m)
		}
		for _, cat := range order {
			fmt.Fprintf(&b, "  %s\n", cat)
			for _, m := range byCategory[cat] {
				fmt.Fprintf(&b, "    %s  %s\n", m.Name, methodURI(info.Name, m.Name, side.class))
			}
		}
	}
	return b.String()
}

// GetMethodArgs are get_method's arguments.
type GetMethodArgs struct {
	ClassName string `json:"class_name" jsonschema:"the class that defines the method"`
	Selector  string `json:"selector" jsonschema:"the method's selector, e.g. printOn: or at:put:"`
	ClassSide bool   `json:"class_side,omitempty" jsonschema:"true for a class-side method (Foo class>>bar)"`
}

// GetMethodOutput is get_method's result.
type GetMethodOutput struct {
	Method stuiproto.Method `json:"method"`
	URI    string           `json:"uri" jsonschema:"the method as a stui:// resource"`
}

func (s *Server) getMethod(ctx context.Context, a GetMethodArgs) (GetMethodOutput, string, error) {
	if strings.TrimSpace(a.ClassName) == "" || strings.TrimSpace(a.Selector) == "" {
		return GetMethodOutput{}, "", badArgs("give class_name and selector")
	}
	m, err := s.fetchMethod(ctx, a.ClassName, a.Selector, a.ClassSide)
	if err != nil {
		return GetMethodOutput{}, "", err
	}
	return GetMethodOutput{Method: *m, URI: methodURI(a.ClassName, a.Selector, a.ClassSide)}, methodText(m), nil
}

func (s *Server) fetchMethod(ctx context.Context, class, selector string, classSide bool) (*stuiproto.Method, error) {
	var res stuiproto.GetMethodResult
	err := stuiproto.Call(ctx, s.opts.Image, stuiproto.GetMethodCommand, stuiproto.GetMethodParams{ClassName: class, MethodName: selector, IsClassMethod: classSide}, &res)
	if err != nil {
		return nil, err
	}
	if res.Method.Arguments == nil {
		res.Method.Arguments = []string{}
	}
	return &res.Method, nil
}

func methodText(m *stuiproto.Method) string {
	side := m.ClassName
	if m.IsClassMethod {
		side += " class"
	}
	return fmt.Sprintf("%s>>%s (category %s, package %s)\n\n%s", side, m.Name, m.Category, m.Package, m.Source)
}

// SearchClassesArgs are search_classes's arguments.
type SearchClassesArgs struct {
	Pattern string `json:"pattern" jsonschema:"a class name pattern: * matches any run of characters; without *, names containing the pattern match"`
}

// SearchClassesOutput is search_classes's result.
type SearchClassesOutput struct {
	Classes    []string `json:"classes"`
	TotalCount int      `json:"total_count" jsonschema:"how many classes match, even beyond the ones listed"`
}

// classLimit is how many class names one search lists.
const classLimit = 500

func (s *Server) searchClasses(ctx context.Context, a SearchClassesArgs) (SearchClassesOutput, string, error) {
	pattern := strings.TrimSpace(a.Pattern)
	if pattern == "" {
		return SearchClassesOutput{}, "", badArgs("pattern is empty: give part of a class name, or * for every class")
	}
	if !strings.Contains(pattern, "*") {
		pattern = "*" + pattern + "*"
	}
	var res stuiproto.ListClassesResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.ListClassesCommand, stuiproto.ListClassesParams{Pattern: pattern, Limit: classLimit}, &res); err != nil {
		return SearchClassesOutput{}, "", err
	}
	out := SearchClassesOutput{Classes: nonNil(res.Classes), TotalCount: res.TotalCount}
	text := fmt.Sprintf("%d classes match %s", res.TotalCount, pattern)
	if len(res.Classes) < res.TotalCount {
		text += fmt.Sprintf(" (the first %d listed; narrow the pattern for the rest)", len(res.Classes))
	}
	if len(res.Classes) > 0 {
		text += ":\n" + strings.Join(res.Classes, "\n")
	}
	return out, text, nil
}

// SelectorArgs are the arguments of implementors and senders.
type SelectorArgs struct {
	Selector string `json:"selector" jsonschema:"a selector, e.g. size, printOn: or at:put:"`
}

// ReferencesOutput is the result of implementors and senders.
type ReferencesOutput struct {
	Selector   string                `json:"selector"`
	Methods    []stuiproto.MethodRef `json:"methods"`
	TotalCount int                   `json:"total_count" jsonschema:"how many methods there are, even beyond the ones listed"`
}

func (s *Server) implementors(ctx context.Context, a SelectorArgs) (ReferencesOutput, string, error) {
	if strings.TrimSpace(a.Selector) == "" {
		return ReferencesOutput{}, "", badArgs("selector is empty")
	}
	var res stuiproto.ImplementorsResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.ImplementorsCommand, stuiproto.SelectorParams{Selector: a.Selector}, &res); err != nil {
		return ReferencesOutput{}, "", err
	}
	return references(a.Selector, "implement", res.Implementors, res.TotalCount)
}

func (s *Server) senders(ctx context.Context, a SelectorArgs) (ReferencesOutput, string, error) {
	if strings.TrimSpace(a.Selector) == "" {
		return ReferencesOutput{}, "", badArgs("selector is empty")
	}
	var res stuiproto.SendersResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.SendersCommand, stuiproto.SelectorParams{Selector: a.Selector}, &res); err != nil {
		return ReferencesOutput{}, "", err
	}
	return references(a.Selector, "send", res.Senders, res.TotalCount)
}

func references(selector, verb string, refs []stuiproto.MethodRef, total int) (ReferencesOutput, string, error) {
	if refs == nil {
		refs = []stuiproto.MethodRef{}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d methods %s #%s", total, verb, selector)
	if len(refs) < total {
		fmt.Fprintf(&b, " (the first %d listed)", len(refs))
	}
	for _, r := range refs {
		side := r.ClassName
		if r.IsClassMethod {
			side += " class"
		}
		fmt.Fprintf(&b, "\n  %s>>%s (%s, %s)  %s", side, r.Selector, r.Category, r.Package, methodURI(r.ClassName, r.Selector, r.IsClassMethod))
	}
	return ReferencesOutput{Selector: selector, Methods: refs, TotalCount: total}, b.String(), nil
}

// CompileMethodArgs are compile_method's arguments.
type CompileMethodArgs struct {
	ClassName string `json:"class_name" jsonschema:"the class to compile the method into"`
	ClassSide bool   `json:"class_side,omitempty" jsonschema:"true to compile on the class side (Foo class>>bar)"`
	Category  string `json:"category,omitempty" jsonschema:"the method's protocol, e.g. accessing (default: as yet unclassified)"`
	Source    string `json:"source" jsonschema:"the whole method: message pattern, then temporaries and statements"`
}

// CompileMethodOutput is compile_method's result.
type CompileMethodOutput struct {
	ClassName string `json:"class_name"`
	Selector  string `json:"selector"`
	ClassSide bool   `json:"class_side"`
	Category  string `json:"category"`
	Changed   bool   `json:"changed" jsonschema:"false when the image already had exactly this source"`
	URI       string `json:"uri" jsonschema:"the method as a stui:// resource"`
}

func (s *Server) compileMethod(ctx context.Context, a CompileMethodArgs) (CompileMethodOutput, string, error) {
	if strings.TrimSpace(a.ClassName) == "" || strings.TrimSpace(a.Source) == "" {
		return CompileMethodOutput{}, "", badArgs("give class_name and source")
	}
	var res stuiproto.CompileMethodResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.CompileMethodCommand, stuiproto.CompileMethodParams{
		ClassName: a.ClassName, IsClassMethod: a.ClassSide, Category: a.Category, Source: a.Source}, &res); err != nil {
		return CompileMethodOutput{}, "", err
	}
	s.packages.invalidate()
	out := CompileMethodOutput{ClassName: res.ClassName, Selector: res.Selector, ClassSide: res.IsClassMethod,
		Category: res.Category, Changed: res.Changed, URI: methodURI(res.ClassName, res.Selector, res.IsClassMethod)}
	side := res.ClassName
	if res.IsClassMethod {
		side += " class"
	}
	verb := "compiled and installed"
	if !res.Changed {
		verb = "unchanged (the image already had this source)"
	}
	return out, fmt.Sprintf("%s>>%s %s, category %s", side, res.Selector, verb, res.Category), nil
}

// SystemInfoArgs are system_info's arguments (none).
type SystemInfoArgs struct{}

// SystemInfoOutput is system_info's result.
type SystemInfoOutput struct {
	Image           stuiproto.SystemInfo `json:"image"`
	ProtocolVersion string               `json:"protocol_version" jsonschema:"the STUI protocol version the image speaks"`
	ServerVersion   string               `json:"server_version" jsonschema:"the image side's STUI server version"`
	Endpoint        string               `json:"endpoint"`
	ClientID        string               `json:"client_id" jsonschema:"the image client id of this workspace folder"`
	SessionMode     string               `json:"session_mode" jsonschema:"shared: the editor's session; own: the agent's"`
	SessionID       string               `json:"session_id,omitempty" jsonschema:"the session in use, once something was evaluated"`
	ReadOnly        bool                 `json:"read_only"`
	NoCompile       bool                 `json:"no_compile"`
	Refused         []string             `json:"refused_tools" jsonschema:"tools this server refuses under its flags"`
}

func (s *Server) systemInfo(ctx context.Context, _ SystemInfoArgs) (SystemInfoOutput, string, error) {
	var ping stuiproto.PingResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.PingCommand, stuiproto.PingParams{}, &ping); err != nil {
		return SystemInfoOutput{}, "", err
	}
	var info stuiproto.SystemInfoResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.SystemInfoCommand, stuiproto.SystemInfoParams{InfoType: "all"}, &info); err != nil {
		return SystemInfoOutput{}, "", err
	}
	out := SystemInfoOutput{Image: info.Info, ProtocolVersion: ping.ProtocolVersion, ServerVersion: ping.ServerVersion,
		Endpoint: s.opts.Endpoint, ClientID: s.session.clientID, SessionMode: string(s.opts.Session), SessionID: s.session.current(),
		ReadOnly: s.opts.ReadOnly, NoCompile: s.opts.NoCompile, Refused: s.refusedTools()}
	if out.Image.Packages == nil {
		out.Image.Packages = []string{}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s (VM %s, %s), image %s\n", info.Info.PharoVersion, info.Info.Platform, info.Info.VMVersion, info.Info.ImageFormat, info.Info.ImageName)
	fmt.Fprintf(&b, "memory: %d bytes used, %d free; %d packages\n", info.Info.MemoryUsed, info.Info.MemoryFree, len(info.Info.Packages))
	fmt.Fprintf(&b, "STUI protocol %s (server %s %s) at %s\n", ping.ProtocolVersion, ping.ServerName, ping.ServerVersion, s.opts.Endpoint)
	fmt.Fprintf(&b, "session: %s, client id %s", s.opts.Session, s.session.clientID)
	if out.SessionID != "" {
		fmt.Fprintf(&b, ", session %s", out.SessionID)
	}
	if len(out.Refused) > 0 {
		fmt.Fprintf(&b, "\nrefused under this server's flags: %s", strings.Join(out.Refused, ", "))
	}
	if mismatch := stuiproto.CheckVersion(ping.ProtocolVersion); mismatch != nil {
		b.WriteString("\nwarning: " + mismatch.Error())
	}
	return out, b.String(), nil
}

func (s *Server) refusedTools() []string {
	out := []string{}
	for _, name := range []string{"evaluate", "compile_method"} {
		if _, ok := s.refused[name]; ok {
			out = append(out, name)
		}
	}
	return out
}
