package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Ids and names nothing in an image has.
const (
	noSuchSession = "session_999999999_0_000"
	noSuchObject  = "obj_999999999"
	noSuchClass   = "STUIConformanceNoSuchClass"
	noSuchMethod  = "stuiConformanceNoSuchMethod"
	unknownCmd    = "stui_conformance_no_such_command"
)

// The fixture's methods. The error cases are those of the protocol vectors
// (compile_method.SyntaxError, compile_method.CompileError), whose places
// the Pharo tests check too.
const (
	callerSource      = "conformanceCaller\n\t^ self conformanceAnswer + 0"
	syntaxErrorSource = "decrement\n\tcount := (self count - 1"
	compileErrSource  = "decrement\n\tcount := total - 1"
)

// answerSource is the method compile_method compiles twice. Its comment names
// the run, so that a method left by an earlier run (whose cleanup could not
// remove the class) is still a change the first time.
func (r *runner) answerSource() string {
	return "conformanceAnswer\n\t\"Answer the answer. " + r.clientID + " compiled me.\"\n\t^ 42"
}

// commandChecks check each command of docs/protocol.md: a valid request
// answers the documented result shape and values, and each documented error
// is answered with its error type. A check's name is the name of the protocol
// vector it mirrors (testdata/protocol), `<command>` or
// `<command>.<ErrorType>`.
func commandChecks() []check {
	return []check{
		{"ping", checkPing},
		{"unknown_command.UnsupportedOperation", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, unknownCmd, map[string]any{}, stuiproto.ErrUnsupportedOperation)
		}},
		{"envelope.InvalidRequest", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, "", map[string]any{}, stuiproto.ErrInvalidRequest)
		}},

		{"evaluate", checkEvaluate},
		{"evaluate.evaluation_mode", checkEvaluationModes},
		{"evaluate.InvalidRequest", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdEvaluate, map[string]any{"evaluation_mode": "display"}, stuiproto.ErrInvalidRequest)
		}},
		{"evaluate.InvalidRequest.ill-typed", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdEvaluate, map[string]any{"code": 42}, stuiproto.ErrInvalidRequest)
		}},
		{"evaluate.SyntaxError", checkEvaluateSyntaxError},
		{"evaluate.RuntimeError", checkEvaluateRuntimeError},
		{"evaluate.Timeout", checkEvaluateTimeout},
		{"evaluate.SessionNotFound", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdEvaluate, stuiproto.EvaluateParams{Code: "3 + 4", SessionID: noSuchSession}, stuiproto.ErrSessionNotFound)
		}},
		{"evaluate.InternalError", func(context.Context, *runner) (string, error) {
			return "", skip("only a bug in the server produces InternalError")
		}},

		{"inspect", checkInspect},
		{"inspect.ObjectNotFound", withSession(func(ctx context.Context, r *runner, s string) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdInspect, stuiproto.InspectParams{ObjectID: noSuchObject, SessionID: s}, stuiproto.ErrObjectNotFound)
		})},
		{"inspect.SessionNotFound", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdInspect, stuiproto.InspectParams{ObjectID: "obj_1", SessionID: noSuchSession}, stuiproto.ErrSessionNotFound)
		}},
		{"inspect.SyntaxError", func(ctx context.Context, r *runner) (string, error) {
			re, err := expectError(ctx, r, stuiproto.CmdInspect, stuiproto.InspectParams{Target: "3 +"}, stuiproto.ErrSyntax)
			if err != nil {
				return "", err
			}
			return place(re, 1, 4, 0)
		}},
		{"inspect.RuntimeError", func(ctx context.Context, r *runner) (string, error) {
			re, err := expectError(ctx, r, stuiproto.CmdInspect, stuiproto.InspectParams{Target: "nil foo"}, stuiproto.ErrRuntime)
			if err != nil {
				return "", err
			}
			return errorClass(re, "MessageNotUnderstood")
		}},

		{"browse_class", checkBrowseClass},
		{"browse_class.ClassNotFound", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdBrowseClass, stuiproto.BrowseClassParams{ClassName: noSuchClass}, stuiproto.ErrClassNotFound)
		}},
		{"get_method", checkGetMethod},
		{"get_method.ClassNotFound", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdGetMethod, stuiproto.GetMethodParams{ClassName: noSuchClass, MethodName: "yourself"}, stuiproto.ErrClassNotFound)
		}},
		{"get_method.MethodNotFound", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdGetMethod, stuiproto.GetMethodParams{ClassName: "Object", MethodName: noSuchMethod}, stuiproto.ErrMethodNotFound)
		}},
		{"list_classes", checkListClasses},
		{"system_info", checkSystemInfo},

		{"define_class", checkDefineClass},
		{"define_class.ClassNotFound", func(ctx context.Context, r *runner) (string, error) {
			super := noSuchClass
			return errorCase(ctx, r, stuiproto.CmdDefineClass, stuiproto.DefineClassParams{Name: "STUIConformanceOrphan",
				Superclass: &super, Package: FixturePackage}, stuiproto.ErrClassNotFound)
		}},
		{"define_class.CompileError", func(ctx context.Context, r *runner) (string, error) {
			super := "Object"
			return errorCase(ctx, r, stuiproto.CmdDefineClass, stuiproto.DefineClassParams{Name: "stuiConformanceBadName",
				Superclass: &super, Package: FixturePackage}, stuiproto.ErrCompile)
		}},
		{"compile_method", checkCompileMethod},
		{"compile_method.ClassNotFound", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdCompileMethod, stuiproto.CompileMethodParams{ClassName: noSuchClass, Source: r.answerSource()}, stuiproto.ErrClassNotFound)
		}},
		{"compile_method.SyntaxError", withFixture(func(ctx context.Context, r *runner) (string, error) {
			re, err := expectError(ctx, r, stuiproto.CmdCompileMethod, stuiproto.CompileMethodParams{ClassName: FixtureClass, Source: syntaxErrorSource}, stuiproto.ErrSyntax)
			if err != nil {
				return "", err
			}
			return place(re, 2, 26, 36)
		})},
		{"compile_method.CompileError", withFixture(func(ctx context.Context, r *runner) (string, error) {
			re, err := expectError(ctx, r, stuiproto.CmdCompileMethod, stuiproto.CompileMethodParams{ClassName: FixtureClass, Source: compileErrSource}, stuiproto.ErrCompile)
			if err != nil {
				return "", err
			}
			return place(re, 2, 11, 21)
		})},
		{"implementors", checkImplementors},
		{"senders", checkSenders},
		{"complete", checkComplete},
		{"format_source", checkFormatSource},
		{"format_source.SyntaxError", func(ctx context.Context, r *runner) (string, error) {
			re, err := expectError(ctx, r, stuiproto.CmdFormatSource, stuiproto.FormatSourceParams{Source: "increment\n\tcount := (self count + 1"}, stuiproto.ErrSyntax)
			if err != nil {
				return "", err
			}
			return place(re, 2, 26, 0)
		}},

		{"get_variable", withSession(checkGetVariable)},
		{"get_variable.max_result_chars", withSession(checkGetVariableTruncated)},
		{"get_variable.SessionNotFound", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdGetVariable, stuiproto.GetVariableParams{SessionID: noSuchSession, Name: "x"}, stuiproto.ErrSessionNotFound)
		}},
		{"get_variable.VariableNotFound", withSession(func(ctx context.Context, r *runner, s string) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdGetVariable, stuiproto.GetVariableParams{SessionID: s, Name: "stuiConformanceNeverAssigned"}, stuiproto.ErrVariableNotFound)
		})},
		{"release_objects", withSession(checkReleaseObjects)},
		{"release_objects.SessionNotFound", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdReleaseObjects, stuiproto.ReleaseObjectsParams{SessionID: noSuchSession, ObjectIDs: []string{"obj_1"}}, stuiproto.ErrSessionNotFound)
		}},
		{"interrupt", func(ctx context.Context, r *runner) (string, error) {
			res, err := call(ctx, r, stuiproto.InterruptCommand, stuiproto.InterruptParams{RequestID: r.unique("nothing-runs")})
			if err != nil {
				return "", errors.New(describe(err))
			}
			if res.Interrupted != 0 {
				return "", fmt.Errorf("interrupt of a request that never ran answered interrupted %d, want 0", res.Interrupted)
			}
			return "nothing running: interrupted 0", nil
		}},

		{"create_session", checkCreateSession},
		{"create_session.InvalidRequest", func(ctx context.Context, r *runner) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdCreateSession, map[string]any{}, stuiproto.ErrInvalidRequest)
		}},
		{"create_session.SessionError", checkSessionLimit},
		{"restore_session", withSession(checkRestoreSession)},
		{"restore_session.SessionNotFound", sessionNotFound(stuiproto.CmdRestoreSession, stuiproto.SessionIDParams{SessionID: noSuchSession})},
		{"update_session_state", withSession(checkUpdateSessionState)},
		{"update_session_state.SessionNotFound", sessionNotFound(stuiproto.CmdUpdateSessionState,
			stuiproto.UpdateSessionStateParams{SessionID: noSuchSession, StateData: map[string]json.RawMessage{"k": json.RawMessage(`1`)}})},
		{"close_session", checkCloseSession},
		{"close_session.SessionNotFound", sessionNotFound(stuiproto.CmdCloseSession, stuiproto.SessionIDParams{SessionID: noSuchSession})},
		{"get_session_info", withSession(checkGetSessionInfo)},
		{"get_session_info.SessionNotFound", sessionNotFound(stuiproto.CmdGetSessionInfo, stuiproto.SessionIDParams{SessionID: noSuchSession})},
		{"list_client_sessions", checkListClientSessions},
		{"get_session_statistics", checkSessionStatistics},
		{"save_context", withSession(checkSaveContext)},
		{"save_context.SessionNotFound", sessionNotFound(stuiproto.CmdSaveContext, stuiproto.ContextParams{SessionID: noSuchSession})},
		{"load_context", withSession(checkLoadContext)},
		{"load_context.SessionNotFound", sessionNotFound(stuiproto.CmdLoadContext, stuiproto.ContextParams{SessionID: noSuchSession})},
		{"load_context.SessionError", withSession(func(ctx context.Context, r *runner, s string) (string, error) {
			return errorCase(ctx, r, stuiproto.CmdLoadContext, stuiproto.ContextParams{SessionID: s, Name: "stui-conformance-never-saved"}, stuiproto.ErrSession)
		})},
		{"get_context_summary", withSession(checkContextSummary)},
		{"get_context_summary.SessionNotFound", sessionNotFound(stuiproto.CmdGetContextSummary, stuiproto.SessionIDParams{SessionID: noSuchSession})},
		{"clear_context", withSession(checkClearContext)},
		{"clear_context.SessionNotFound", sessionNotFound(stuiproto.CmdClearContext, stuiproto.ClearContextParams{SessionID: noSuchSession})},

		// Sessions made to expire last the longest: these two share one wait.
		{"evaluate.SessionExpired", func(ctx context.Context, r *runner) (string, error) {
			s, err := r.expiredSession(ctx, 0)
			if err != nil {
				return "", err
			}
			return errorCase(ctx, r, stuiproto.CmdEvaluate, stuiproto.EvaluateParams{Code: "3 + 4", SessionID: s}, stuiproto.ErrSessionExpired)
		}},
		{"restore_session.SessionExpired", func(ctx context.Context, r *runner) (string, error) {
			s, err := r.expiredSession(ctx, 1)
			if err != nil {
				return "", err
			}
			return errorCase(ctx, r, stuiproto.CmdRestoreSession, stuiproto.SessionIDParams{SessionID: s}, stuiproto.ErrSessionExpired)
		}},
	}
}

// errorCase checks that a request is answered with errorType.
func errorCase(ctx context.Context, r *runner, command string, params any, errorType string) (string, error) {
	re, err := expectError(ctx, r, command, params, errorType)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: %s", re.Type, clip(re.Message, 80)), nil
}

func sessionNotFound(command string, params any) func(context.Context, *runner) (string, error) {
	return func(ctx context.Context, r *runner) (string, error) {
		return errorCase(ctx, r, command, params, stuiproto.ErrSessionNotFound)
	}
}

// withSession runs a check in a session of its own, closed afterwards.
func withSession(f func(ctx context.Context, r *runner, session string) (string, error)) func(context.Context, *runner) (string, error) {
	return func(ctx context.Context, r *runner) (string, error) {
		s, err := r.newSession(ctx, 0)
		if err != nil {
			return "", err
		}
		defer r.closeSession(ctx, s)
		return f(ctx, r, s)
	}
}

// withFixture runs a check once the fixture class exists.
func withFixture(f func(ctx context.Context, r *runner) (string, error)) func(context.Context, *runner) (string, error) {
	return func(ctx context.Context, r *runner) (string, error) {
		if !r.fixture {
			return "", skip("needs the class %s, which define_class did not make", FixtureClass)
		}
		return f(ctx, r)
	}
}

// place checks an error's line and column (and position, when want > 0).
func place(re *stuiproto.RemoteError, line, column, position int) (string, error) {
	d := re.Details
	if d == nil || d.Line == 0 || d.Column == 0 {
		return "", fmt.Errorf("%s (%q) without details.line and details.column", re.Type, re.Message)
	}
	if d.Line != line || d.Column != column {
		return "", fmt.Errorf("%s at line %d, column %d; want line %d, column %d", re.Type, d.Line, d.Column, line, column)
	}
	if position > 0 && d.Position != position {
		return "", fmt.Errorf("%s at position %d; want %d", re.Type, d.Position, position)
	}
	return fmt.Sprintf("%s %q at line %d, column %d", re.Type, re.Message, d.Line, d.Column), nil
}

// errorClass checks a RuntimeError's class and stack trace.
func errorClass(re *stuiproto.RemoteError, class string) (string, error) {
	if re.Details == nil || re.Details.ErrorClass == "" {
		return "", fmt.Errorf("RuntimeError (%q) without details.error_class", re.Message)
	}
	if re.Details.ErrorClass != class {
		return "", fmt.Errorf("RuntimeError with error_class %s, want %s", re.Details.ErrorClass, class)
	}
	if len(re.StackTrace) == 0 {
		return "", fmt.Errorf("RuntimeError %s without a stack_trace", class)
	}
	if len(re.StackTrace) > 20 {
		return "", fmt.Errorf("RuntimeError %s with %d stack_trace frames, at most 20", class, len(re.StackTrace))
	}
	return fmt.Sprintf("RuntimeError %s, %d frames", class, len(re.StackTrace)), nil
}

func checkPing(ctx context.Context, r *runner) (string, error) {
	p, err := call(ctx, r, stuiproto.PingCommand, stuiproto.PingParams{})
	var wire *wireError
	r.answered = err == nil || !errors.As(err, &wire) && !isRemote(err, stuiproto.ErrPermissionDenied)
	if err != nil {
		if isRemote(err, stuiproto.ErrPermissionDenied) && r.cfg.Token == "" {
			return "", fmt.Errorf("%s: the image requires a token; give it with --token-file or STUI_TOKEN", describe(err))
		}
		return "", errors.New(describe(err))
	}
	r.report.Ping = p
	var problems []string
	if p.Status != "ready" {
		problems = append(problems, fmt.Sprintf("status %q, want \"ready\"", p.Status))
	}
	if stuiproto.CheckVersion(p.ProtocolVersion) != nil {
		problems = append(problems, fmt.Sprintf("protocol_version %q: this run checks protocol %d.x", p.ProtocolVersion, stuiproto.MajorVersion(stuiproto.Version)))
	}
	for _, f := range []struct{ name, v string }{{"server_name", p.ServerName}, {"server_version", p.ServerVersion},
		{"dialect", p.Dialect}, {"dialect_version", p.DialectVersion}, {"image_name", p.ImageName}} {
		if f.v == "" {
			problems = append(problems, f.name+" is empty")
		}
	}
	if p.Uptime < 0 {
		problems = append(problems, fmt.Sprintf("uptime %d is negative", p.Uptime))
	}
	if len(problems) > 0 {
		return "", errors.New(strings.Join(problems, "; "))
	}
	return fmt.Sprintf("protocol %s, %s %s, %s %s, %s", p.ProtocolVersion, p.ServerName, p.ServerVersion, p.Dialect, p.DialectVersion, p.ImageName), nil
}

func checkEvaluate(ctx context.Context, r *runner) (string, error) {
	res, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "3 + 4", EvaluationMode: stuiproto.ModeDisplay})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if err := want("result", res.Result, "7"); err != nil {
		return "", err
	}
	if err := want("result_type", res.ResultType, "SmallInteger"); err != nil {
		return "", err
	}
	if res.HasError || res.Truncated {
		return "", fmt.Errorf("has_error %v, truncated %v: want both false", res.HasError, res.Truncated)
	}
	if res.ObjectID != nil {
		return "", fmt.Errorf("object_id %q without a session: want null", *res.ObjectID)
	}
	if res.ExecutionTime < 0 {
		return "", fmt.Errorf("execution_time %v is negative", res.ExecutionTime)
	}
	s, err := r.newSession(ctx, 0)
	if err != nil {
		return "", err
	}
	defer r.closeSession(ctx, s)
	res, err = r.evaluate(ctx, stuiproto.EvaluateParams{Code: "3 + 4", SessionID: s})
	if err != nil {
		return "", fmt.Errorf("in a session: %s", describe(err))
	}
	if res.ObjectID == nil || *res.ObjectID == "" {
		return "", errors.New("in a session, object_id is null: want the result's id in the session's registry")
	}
	return "3 + 4 = 7 (SmallInteger); in a session the result gets an object_id", nil
}

func checkEvaluationModes(ctx context.Context, r *runner) (string, error) {
	for _, mode := range []string{"EXECUTE", "Display", "print", "inspect"} {
		res, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "6 * 7", EvaluationMode: mode})
		if err != nil {
			return "", fmt.Errorf("mode %s: %s", mode, describe(err))
		}
		if res.EvaluationMode != strings.ToLower(mode) || res.Result != "42" {
			return "", fmt.Errorf("mode %s answered evaluation_mode %q, result %q: want %q, \"42\"", mode, res.EvaluationMode, res.Result, strings.ToLower(mode))
		}
	}
	if _, err := expectError(ctx, r, stuiproto.CmdEvaluate, stuiproto.EvaluateParams{Code: "6 * 7", EvaluationMode: "stui-conformance"}, stuiproto.ErrInvalidRequest); err != nil {
		return "", fmt.Errorf("an unknown evaluation_mode: %v", err)
	}
	return "execute, display, print, inspect in any case, normalised; an unknown mode is InvalidRequest", nil
}

func checkEvaluateSyntaxError(ctx context.Context, r *runner) (string, error) {
	// The code of the protocol vector evaluate.SyntaxError: an unclosed
	// parenthesis on line 2.
	re, err := expectError(ctx, r, stuiproto.CmdEvaluate, stuiproto.EvaluateParams{Code: "x := 3.\ny := (4 + 5"}, stuiproto.ErrSyntax)
	if err != nil {
		return "", err
	}
	return place(re, 2, 12, 20)
}

func checkEvaluateRuntimeError(ctx context.Context, r *runner) (string, error) {
	re, err := expectError(ctx, r, stuiproto.CmdEvaluate, stuiproto.EvaluateParams{Code: "1 / 0"}, stuiproto.ErrRuntime)
	if err != nil {
		return "", err
	}
	return errorClass(re, "ZeroDivide")
}

func checkEvaluateTimeout(ctx context.Context, r *runner) (string, error) {
	start := time.Now()
	_, err := expectError(ctx, r, stuiproto.CmdEvaluate, stuiproto.EvaluateParams{Code: "(Delay forSeconds: 5) wait", TimeoutMS: 300}, stuiproto.ErrTimeout)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("a 5 s wait with timeout_ms 300 answered Timeout after %s", shortDuration(time.Since(start))), nil
}

func checkInspect(ctx context.Context, r *runner) (string, error) {
	s, err := r.newSession(ctx, 0)
	if err != nil {
		return "", err
	}
	defer r.closeSession(ctx, s)
	res, err := call(ctx, r, stuiproto.InspectCommand, stuiproto.InspectParams{Target: "(1 to: 3) asOrderedCollection", SessionID: s})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if err := want("object_info.class_name", res.ObjectInfo.ClassName, "OrderedCollection"); err != nil {
		return "", err
	}
	if res.ObjectID == "" || len(res.Slots) < 2 || res.TotalSlots < len(res.Slots) {
		return "", fmt.Errorf("object_id %q, %d slots, total_slots %d: want an id, two slots or more, and total_slots at least the slots", res.ObjectID, len(res.Slots), res.TotalSlots)
	}
	page, err := call(ctx, r, stuiproto.InspectCommand, stuiproto.InspectParams{ObjectID: res.ObjectID, SessionID: s, Offset: 1, Limit: 1})
	if err != nil {
		return "", fmt.Errorf("inspect by objectId %s: %s", res.ObjectID, describe(err))
	}
	if len(page.Slots) != 1 || page.Offset != 1 || page.Limit != 1 || page.TotalSlots != res.TotalSlots {
		return "", fmt.Errorf("offset 1, limit 1 answered %d slots, offset %d, limit %d, total_slots %d; want 1 slot, 1, 1, %d",
			len(page.Slots), page.Offset, page.Limit, page.TotalSlots, res.TotalSlots)
	}
	if page.Slots[0].Name != res.Slots[1].Name {
		return "", fmt.Errorf("the slot at offset 1 is %q, the second slot of the whole object %q", page.Slots[0].Name, res.Slots[1].Name)
	}
	return fmt.Sprintf("an OrderedCollection with %d slots, paged by objectId", res.TotalSlots), nil
}

func checkBrowseClass(ctx context.Context, r *runner) (string, error) {
	res, err := call(ctx, r, stuiproto.BrowseClassCommand, stuiproto.BrowseClassParams{ClassName: "Object"})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if err := want("class_info.name", res.ClassInfo.Name, "Object"); err != nil {
		return "", err
	}
	var yourself *stuiproto.Method
	for i, m := range res.InstanceMethods {
		if m.Name == "yourself" {
			yourself = &res.InstanceMethods[i]
		}
	}
	if yourself == nil {
		return "", fmt.Errorf("instance_methods of Object (%d) do not include yourself", len(res.InstanceMethods))
	}
	if yourself.Source != "" {
		return "", errors.New("methods come with their source without include_source: want none by default")
	}
	return fmt.Sprintf("Object: %d instance methods, %d class methods", len(res.InstanceMethods), len(res.ClassMethods)), nil
}

func checkGetMethod(ctx context.Context, r *runner) (string, error) {
	res, err := call(ctx, r, stuiproto.GetMethodCommand, stuiproto.GetMethodParams{ClassName: "Object", MethodName: "yourself"})
	if err != nil {
		return "", errors.New(describe(err))
	}
	m := res.Method
	if m.Name != "yourself" || m.ClassName != "Object" || m.IsClassMethod {
		return "", fmt.Errorf("answered %s>>%s (class side %v), want Object>>yourself", m.ClassName, m.Name, m.IsClassMethod)
	}
	if !strings.HasPrefix(m.Source, "yourself") {
		return "", fmt.Errorf("source %q does not begin with the pattern yourself", clip(m.Source, 40))
	}
	return "Object>>yourself with its source", nil
}

func checkListClasses(ctx context.Context, r *runner) (string, error) {
	res, err := call(ctx, r, stuiproto.ListClassesCommand, stuiproto.ListClassesParams{Pattern: "Obje*"})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if !slices.Contains(res.Classes, "Object") {
		return "", fmt.Errorf("pattern Obje* answered %v without Object", res.Classes)
	}
	if !sort.StringsAreSorted(res.Classes) {
		return "", errors.New("classes are not sorted")
	}
	for _, c := range res.Classes {
		if !strings.HasPrefix(c, "Obje") {
			return "", fmt.Errorf("pattern Obje* answered %s", c)
		}
	}
	if res.TotalCount < len(res.Classes) {
		return "", fmt.Errorf("total_count %d is less than the %d classes answered", res.TotalCount, len(res.Classes))
	}
	one, err := call(ctx, r, stuiproto.ListClassesCommand, stuiproto.ListClassesParams{Pattern: "*", Limit: 1})
	if err != nil {
		return "", fmt.Errorf("limit 1: %s", describe(err))
	}
	if len(one.Classes) != 1 || one.TotalCount < 2 {
		return "", fmt.Errorf("pattern * with limit 1 answered %d classes of total_count %d: want 1 of more", len(one.Classes), one.TotalCount)
	}
	return fmt.Sprintf("Obje*: %d classes; limit 1 of %d", len(res.Classes), one.TotalCount), nil
}

func checkSystemInfo(ctx context.Context, r *runner) (string, error) {
	basic, err := call(ctx, r, stuiproto.SystemInfoCommand, stuiproto.SystemInfoParams{})
	if err != nil {
		return "", errors.New(describe(err))
	}
	info := basic.Info
	r.report.System = &info
	if basic.Info.PharoVersion == "" || basic.Info.ImageName == "" {
		return "", fmt.Errorf("pharo_version %q, image_name %q: want both", basic.Info.PharoVersion, basic.Info.ImageName)
	}
	all, err := call(ctx, r, stuiproto.SystemInfoCommand, stuiproto.SystemInfoParams{InfoType: "ALL"})
	if err != nil {
		return "", fmt.Errorf("info_type ALL: %s", describe(err))
	}
	if len(all.Info.Packages) == 0 {
		return "", errors.New("info_type ALL answered no packages")
	}
	return fmt.Sprintf("%s on %s, %d packages", basic.Info.PharoVersion, basic.Info.Platform, len(all.Info.Packages)), nil
}

func checkImplementors(ctx context.Context, r *runner) (string, error) {
	res, err := call(ctx, r, stuiproto.ImplementorsCommand, stuiproto.SelectorParams{Selector: "yourself"})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.Selector != "yourself" || !hasRef(res.Implementors, "Object", "yourself") {
		return "", fmt.Errorf("implementors of yourself (selector %q, %d) do not include Object", res.Selector, len(res.Implementors))
	}
	if res.TotalCount < len(res.Implementors) {
		return "", fmt.Errorf("total_count %d is less than the %d implementors answered", res.TotalCount, len(res.Implementors))
	}
	if !r.fixture {
		return fmt.Sprintf("yourself: %d implementors", res.TotalCount), nil
	}
	res, err = call(ctx, r, stuiproto.ImplementorsCommand, stuiproto.SelectorParams{Selector: "conformanceAnswer"})
	if err != nil {
		return "", fmt.Errorf("conformanceAnswer: %s", describe(err))
	}
	if !hasRef(res.Implementors, FixtureClass, "conformanceAnswer") {
		return "", fmt.Errorf("implementors of conformanceAnswer do not include the method compile_method installed in %s", FixtureClass)
	}
	return "yourself includes Object; conformanceAnswer includes the compiled method", nil
}

func checkSenders(ctx context.Context, r *runner) (string, error) {
	if !r.fixture {
		return "", skip("needs the class %s, which define_class did not make", FixtureClass)
	}
	res, err := call(ctx, r, stuiproto.SendersCommand, stuiproto.SelectorParams{Selector: "conformanceAnswer"})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.Selector != "conformanceAnswer" || !hasRef(res.Senders, FixtureClass, "conformanceCaller") {
		return "", fmt.Errorf("senders of conformanceAnswer (%d) do not include %s>>conformanceCaller", len(res.Senders), FixtureClass)
	}
	if res.TotalCount < len(res.Senders) {
		return "", fmt.Errorf("total_count %d is less than the %d senders answered", res.TotalCount, len(res.Senders))
	}
	return "conformanceAnswer is sent by the compiled conformanceCaller", nil
}

func hasRef(refs []stuiproto.MethodRef, class, selector string) bool {
	for _, m := range refs {
		if m.ClassName == class && m.Selector == selector && !m.IsClassMethod {
			return true
		}
	}
	return false
}

func checkComplete(ctx context.Context, r *runner) (string, error) {
	res, err := call(ctx, r, stuiproto.CompleteCommand, stuiproto.CompleteParams{Prefix: "Obje", Limit: 500})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if !hasCompletion(res.Completions, "Object", stuiproto.CompletionClass) {
		return "", fmt.Errorf("prefix Obje: %d completions without the class Object", len(res.Completions))
	}
	for _, c := range res.Completions {
		if !strings.HasPrefix(c.Label, "Obje") {
			return "", fmt.Errorf("prefix Obje answered %q", c.Label)
		}
	}
	s, err := r.newSession(ctx, 0)
	if err != nil {
		return "", err
	}
	defer r.closeSession(ctx, s)
	if _, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "stuiConformanceCompleted := 3", SessionID: s}); err != nil {
		return "", fmt.Errorf("assigning a variable: %s", describe(err))
	}
	res, err = call(ctx, r, stuiproto.CompleteCommand, stuiproto.CompleteParams{Prefix: "stuiConformanceComp", SessionID: s})
	if err != nil {
		return "", fmt.Errorf("with a session: %s", describe(err))
	}
	if !hasCompletion(res.Completions, "stuiConformanceCompleted", stuiproto.CompletionVariable) {
		return "", fmt.Errorf("with a session, prefix stuiConformanceComp answered %v without the session's variable", labels(res.Completions))
	}
	return "the class Object; the session's variable", nil
}

func hasCompletion(cs []stuiproto.Completion, label, kind string) bool {
	for _, c := range cs {
		if c.Label == label && c.Kind == kind {
			return true
		}
	}
	return false
}

func labels(cs []stuiproto.Completion) []string {
	var ls []string
	for _, c := range cs {
		ls = append(ls, c.Kind+" "+c.Label)
	}
	return ls
}

func checkDefineClass(ctx context.Context, r *runner) (string, error) {
	super := "Object"
	p := stuiproto.DefineClassParams{Name: FixtureClass, Superclass: &super, InstanceVars: []string{"count"},
		Package: FixturePackage, Comment: "I exist while stui-lsp conformance runs; it removes me when it is done."}
	res, err := call(ctx, r, stuiproto.DefineClassCommand, p)
	if err != nil {
		return "", errors.New(describe(err))
	}
	r.fixture = true
	if res.ClassName != FixtureClass {
		return "", fmt.Errorf("class_name %q, want %s", res.ClassName, FixtureClass)
	}
	detail := "created " + FixtureClass
	if !res.Created {
		detail = FixtureClass + " was there already (left by an earlier run?): redefined"
	}
	again, err := call(ctx, r, stuiproto.DefineClassCommand, p)
	if err != nil {
		return "", fmt.Errorf("defining it again: %s", describe(err))
	}
	if again.Created || again.Changed {
		return "", fmt.Errorf("the same definition again answered created %v, changed %v: want both false", again.Created, again.Changed)
	}
	return detail + "; the same definition again changes nothing", nil
}

func checkCompileMethod(ctx context.Context, r *runner) (string, error) {
	if !r.fixture {
		return "", skip("needs the class %s, which define_class did not make", FixtureClass)
	}
	p := stuiproto.CompileMethodParams{ClassName: FixtureClass, Category: "stui-conformance", Source: r.answerSource()}
	res, err := call(ctx, r, stuiproto.CompileMethodCommand, p)
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.Selector != "conformanceAnswer" || res.ClassName != FixtureClass || res.IsClassMethod || res.Category != "stui-conformance" {
		return "", fmt.Errorf("answered %s>>%s (class side %v) in %q, want %s>>conformanceAnswer in \"stui-conformance\"",
			res.ClassName, res.Selector, res.IsClassMethod, res.Category, FixtureClass)
	}
	if !res.Changed {
		return "", errors.New("a new method answered changed false")
	}
	again, err := call(ctx, r, stuiproto.CompileMethodCommand, p)
	if err != nil {
		return "", fmt.Errorf("the same source again: %s", describe(err))
	}
	if again.Changed {
		return "", errors.New("the same source again answered changed true, want false")
	}
	if _, err := call(ctx, r, stuiproto.CompileMethodCommand,
		stuiproto.CompileMethodParams{ClassName: FixtureClass, Category: "stui-conformance", Source: callerSource}); err != nil {
		return "", fmt.Errorf("a second method: %s", describe(err))
	}
	return "compiled; the same source again answers changed false", nil
}

func checkFormatSource(ctx context.Context, r *runner) (string, error) {
	res, err := call(ctx, r, stuiproto.FormatSourceCommand, stuiproto.FormatSourceParams{Source: "conformanceAnswer ^42"})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if !strings.HasPrefix(res.Formatted, "conformanceAnswer") || !strings.Contains(res.Formatted, "42") {
		return "", fmt.Errorf("formatted %q: want the method, pattern first", clip(res.Formatted, 60))
	}
	return fmt.Sprintf("formatted %q", clip(res.Formatted, 40)), nil
}

func checkGetVariable(ctx context.Context, r *runner, s string) (string, error) {
	if _, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "stuiConformanceAnswer := 6 * 7", SessionID: s}); err != nil {
		return "", fmt.Errorf("assigning a variable: %s", describe(err))
	}
	res, err := call(ctx, r, stuiproto.GetVariableCommand, stuiproto.GetVariableParams{SessionID: s, Name: "stuiConformanceAnswer"})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.Name != "stuiConformanceAnswer" || res.PrintString != "42" || res.ClassName != "SmallInteger" || res.Truncated {
		return "", fmt.Errorf("answered %s = %q (%s, truncated %v), want stuiConformanceAnswer = \"42\" (SmallInteger)", res.Name, res.PrintString, res.ClassName, res.Truncated)
	}
	return "stuiConformanceAnswer = 42 (SmallInteger)", nil
}

func checkGetVariableTruncated(ctx context.Context, r *runner, s string) (string, error) {
	if _, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "stuiConformanceLong := '0123456789' , '0123456789'", SessionID: s}); err != nil {
		return "", fmt.Errorf("assigning a variable: %s", describe(err))
	}
	res, err := call(ctx, r, stuiproto.GetVariableCommand, stuiproto.GetVariableParams{SessionID: s, Name: "stuiConformanceLong", MaxResultChars: 5})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if !res.Truncated || res.PrintString != "'0123" {
		return "", fmt.Errorf("with max_result_chars 5, print_string %q, truncated %v: want \"'0123\", true", res.PrintString, res.Truncated)
	}
	return "cut to 5 characters, truncated true", nil
}

func checkReleaseObjects(ctx context.Context, r *runner, s string) (string, error) {
	res, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "3 + 4", SessionID: s})
	if err != nil {
		return "", fmt.Errorf("evaluating: %s", describe(err))
	}
	if res.ObjectID == nil {
		return "", errors.New("evaluate in a session answered no object_id to release")
	}
	rel, err := call(ctx, r, stuiproto.ReleaseObjectsCommand,
		stuiproto.ReleaseObjectsParams{SessionID: s, ObjectIDs: []string{*res.ObjectID, noSuchObject}})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if rel.Released != 1 {
		return "", fmt.Errorf("releasing one registered id and one unknown answered released %d, want 1", rel.Released)
	}
	if _, err := expectError(ctx, r, stuiproto.CmdInspect, stuiproto.InspectParams{ObjectID: *res.ObjectID, SessionID: s}, stuiproto.ErrObjectNotFound); err != nil {
		return "", fmt.Errorf("inspecting the released object: %v", err)
	}
	return "released 1; the id is gone from the registry", nil
}

func checkCreateSession(ctx context.Context, r *runner) (string, error) {
	client := r.clientID
	s, err := call(ctx, r, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: client})
	if err != nil {
		return "", errors.New(describe(err))
	}
	r.open[s.SessionID] = true
	defer r.closeSession(ctx, s.SessionID)
	if s.SessionID == "" || s.ClientID != client || !s.IsActive {
		return "", fmt.Errorf("session_id %q, client_id %q, is_active %v: want an id, %q, true", s.SessionID, s.ClientID, s.IsActive, client)
	}
	if s.Timeout != 3600 {
		return "", fmt.Errorf("timeout %d without one asked for, want the default 3600", s.Timeout)
	}
	if err := timestamps(s.CreatedAt, s.LastActivity); err != nil {
		return "", err
	}
	return s.SessionID, nil
}

func timestamps(ts ...string) error {
	for _, t := range ts {
		if _, err := time.Parse("2006-01-02T15:04:05.999999999Z07:00", t); err != nil {
			return fmt.Errorf("timestamp %q is not ISO-8601", t)
		}
	}
	return nil
}

func checkSessionLimit(ctx context.Context, r *runner) (string, error) {
	stats, err := call(ctx, r, stuiproto.GetSessionStatisticsCommand, stuiproto.NoParams{})
	if err != nil {
		return "", fmt.Errorf("reading the limit: %s", describe(err))
	}
	limit := stats.MaxSessionsPerClient
	if limit <= 0 || limit > 100 {
		return "", fmt.Errorf("max_sessions_per_client %d: cannot reach it to check the refusal", limit)
	}
	client := r.unique("limit")
	var ids []string
	defer func() {
		for _, id := range ids {
			r.closeSession(ctx, id)
		}
	}()
	for range limit {
		s, err := call(ctx, r, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: client})
		if err != nil {
			return "", fmt.Errorf("session %d of the %d allowed: %s", len(ids)+1, limit, describe(err))
		}
		r.open[s.SessionID] = true
		ids = append(ids, s.SessionID)
	}
	re, err := expectError(ctx, r, stuiproto.CmdCreateSession, stuiproto.CreateSessionParams{ClientID: client}, stuiproto.ErrSession)
	if err != nil {
		return "", fmt.Errorf("session %d, over max_sessions_per_client: %v", limit+1, err)
	}
	return fmt.Sprintf("session %d of one client: SessionError: %s", limit+1, clip(re.Message, 60)), nil
}

func checkRestoreSession(ctx context.Context, r *runner, s string) (string, error) {
	if _, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "stuiConformanceKept := 5", SessionID: s}); err != nil {
		return "", fmt.Errorf("assigning a variable: %s", describe(err))
	}
	if _, err := call(ctx, r, stuiproto.UpdateSessionStateCommand,
		stuiproto.UpdateSessionStateParams{SessionID: s, StateData: map[string]json.RawMessage{"stui_conformance": json.RawMessage(`"kept"`)}}); err != nil {
		return "", fmt.Errorf("storing state: %s", describe(err))
	}
	inspected, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "3 + 4", SessionID: s, EvaluationMode: stuiproto.ModeInspect})
	if err != nil {
		return "", fmt.Errorf("evaluating in inspect mode: %s", describe(err))
	}
	if inspected.ObjectID == nil {
		return "", errors.New("evaluating in inspect mode in a session answered no object_id")
	}
	res, err := call(ctx, r, stuiproto.RestoreSessionCommand, stuiproto.SessionIDParams{SessionID: s})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.SessionID != s || !res.LiveObjects {
		return "", fmt.Errorf("session_id %q, live_objects %v: want %q, true (the image did not restart)", res.SessionID, res.LiveObjects, s)
	}
	if !slices.Contains(res.WorkspaceContext.Variables, "stuiConformanceKept") {
		return "", fmt.Errorf("workspace_context.variables %v without stuiConformanceKept", res.WorkspaceContext.Variables)
	}
	if string(res.SessionState["stui_conformance"]) != `"kept"` {
		return "", fmt.Errorf("session_state.stui_conformance is %s, want \"kept\"", res.SessionState["stui_conformance"])
	}
	if sel := res.InspectorState.SelectedObject; sel == nil || *sel != *inspected.ObjectID {
		return "", fmt.Errorf("inspector_state.selected_object is %s after an inspect-mode evaluation answered %s: want that id", strOrNull(sel), *inspected.ObjectID)
	}
	if _, ok := res.ObjectRegistry[*inspected.ObjectID]; !ok {
		return "", fmt.Errorf("object_registry lacks %s, the inspected result", *inspected.ObjectID)
	}
	return "variables, state, the inspected object and live objects come back", nil
}

func checkUpdateSessionState(ctx context.Context, r *runner, s string) (string, error) {
	first, err := call(ctx, r, stuiproto.UpdateSessionStateCommand,
		stuiproto.UpdateSessionStateParams{SessionID: s, StateData: map[string]json.RawMessage{"a": json.RawMessage(`1`)}})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if !first.UpdateSuccessful || first.SessionID != s {
		return "", fmt.Errorf("update_successful %v, session_id %q", first.UpdateSuccessful, first.SessionID)
	}
	second, err := call(ctx, r, stuiproto.UpdateSessionStateCommand,
		stuiproto.UpdateSessionStateParams{SessionID: s, StateData: map[string]json.RawMessage{"b": json.RawMessage(`"two"`)}})
	if err != nil {
		return "", fmt.Errorf("a second update: %s", describe(err))
	}
	if string(second.SessionState["a"]) != "1" || string(second.SessionState["b"]) != `"two"` {
		return "", fmt.Errorf("after {a: 1} then {b: \"two\"}, session_state is a=%s b=%s: want both, merged key by key",
			second.SessionState["a"], second.SessionState["b"])
	}
	return "merged key by key", nil
}

func checkCloseSession(ctx context.Context, r *runner) (string, error) {
	s, err := r.newSession(ctx, 0)
	if err != nil {
		return "", err
	}
	res, err := call(ctx, r, stuiproto.CloseSessionCommand, stuiproto.SessionIDParams{SessionID: s})
	if err != nil {
		return "", errors.New(describe(err))
	}
	delete(r.open, s)
	if !res.Closed || res.SessionID != s {
		return "", fmt.Errorf("closed %v, session_id %q", res.Closed, res.SessionID)
	}
	if _, err := expectError(ctx, r, stuiproto.CmdGetSessionInfo, stuiproto.SessionIDParams{SessionID: s}, stuiproto.ErrSessionNotFound); err != nil {
		return "", fmt.Errorf("get_session_info after closing: %v", err)
	}
	return "closed; get_session_info then answers SessionNotFound", nil
}

func checkGetSessionInfo(ctx context.Context, r *runner, s string) (string, error) {
	res, err := call(ctx, r, stuiproto.GetSessionInfoCommand, stuiproto.SessionIDParams{SessionID: s})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.SessionID != s || res.IsExpired || res.TimeUntilExpiry <= 0 || res.TimeUntilExpiry > res.Timeout {
		return "", fmt.Errorf("session_id %q, is_expired %v, time_until_expiry %d of timeout %d", res.SessionID, res.IsExpired, res.TimeUntilExpiry, res.Timeout)
	}
	return fmt.Sprintf("expires in %d s", res.TimeUntilExpiry), nil
}

func checkListClientSessions(ctx context.Context, r *runner) (string, error) {
	client := r.unique("list")
	var ids []string
	defer func() {
		for _, id := range ids {
			r.closeSession(ctx, id)
		}
	}()
	for range 2 {
		s, err := call(ctx, r, stuiproto.CreateSessionCommand, stuiproto.CreateSessionParams{ClientID: client})
		if err != nil {
			return "", fmt.Errorf("opening a session: %s", describe(err))
		}
		r.open[s.SessionID] = true
		ids = append(ids, s.SessionID)
	}
	res, err := call(ctx, r, stuiproto.ListClientSessionsCommand, stuiproto.ClientIDParams{ClientID: client})
	if err != nil {
		return "", errors.New(describe(err))
	}
	var got []string
	for _, s := range res.Sessions {
		got = append(got, s.SessionID)
	}
	sort.Strings(got)
	sort.Strings(ids)
	if res.ClientID != client || res.SessionCount != 2 || !slices.Equal(got, ids) {
		return "", fmt.Errorf("client_id %q, session_count %d, sessions %v: want %q, 2, %v", res.ClientID, res.SessionCount, got, client, ids)
	}
	return "both sessions of a client", nil
}

func checkSessionStatistics(ctx context.Context, r *runner) (string, error) {
	res, err := call(ctx, r, stuiproto.GetSessionStatisticsCommand, stuiproto.NoParams{})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.MaxSessionsPerClient <= 0 || res.DefaultTimeout <= 0 || res.TotalSessions < 0 {
		return "", fmt.Errorf("max_sessions_per_client %d, default_timeout %d, total_sessions %d", res.MaxSessionsPerClient, res.DefaultTimeout, res.TotalSessions)
	}
	return fmt.Sprintf("%d sessions, at most %d per client, timeout %d s", res.TotalSessions, res.MaxSessionsPerClient, res.DefaultTimeout), nil
}

const contextName = "stui-conformance"

func checkSaveContext(ctx context.Context, r *runner, s string) (string, error) {
	if _, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "stuiConformanceSaved := 7", SessionID: s}); err != nil {
		return "", fmt.Errorf("assigning a variable: %s", describe(err))
	}
	res, err := call(ctx, r, stuiproto.SaveContextCommand, stuiproto.ContextParams{SessionID: s, Name: contextName})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.SessionID != s || res.Name != contextName || res.VariableCount < 1 || res.HistoryCount < 1 {
		return "", fmt.Errorf("session_id %q, name %q, variable_count %d, history_count %d: want %q, %q, at least 1 and 1",
			res.SessionID, res.Name, res.VariableCount, res.HistoryCount, s, contextName)
	}
	return fmt.Sprintf("%d variables, %d history entries", res.VariableCount, res.HistoryCount), nil
}

func checkLoadContext(ctx context.Context, r *runner, s string) (string, error) {
	if _, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "stuiConformanceSaved := 7", SessionID: s}); err != nil {
		return "", fmt.Errorf("assigning a variable: %s", describe(err))
	}
	if _, err := call(ctx, r, stuiproto.SaveContextCommand, stuiproto.ContextParams{SessionID: s, Name: contextName}); err != nil {
		return "", fmt.Errorf("saving: %s", describe(err))
	}
	if _, err := call(ctx, r, stuiproto.ClearContextCommand, stuiproto.ClearContextParams{SessionID: s}); err != nil {
		return "", fmt.Errorf("clearing: %s", describe(err))
	}
	res, err := call(ctx, r, stuiproto.LoadContextCommand, stuiproto.ContextParams{SessionID: s, Name: contextName})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if res.Name != contextName || !slices.Contains(res.Variables, "stuiConformanceSaved") {
		return "", fmt.Errorf("name %q, variables %v: want %q with stuiConformanceSaved", res.Name, res.Variables, contextName)
	}
	return "saved, cleared, loaded: the variable is back", nil
}

func checkContextSummary(ctx context.Context, r *runner, s string) (string, error) {
	if _, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "stuiConformanceSummed := 3 + 4", SessionID: s}); err != nil {
		return "", fmt.Errorf("assigning a variable: %s", describe(err))
	}
	res, err := call(ctx, r, stuiproto.GetContextSummaryCommand, stuiproto.SessionIDParams{SessionID: s})
	if err != nil {
		return "", errors.New(describe(err))
	}
	found := false
	for _, v := range res.Variables {
		found = found || (v.Name == "stuiConformanceSummed" && v.PrintString == "7")
	}
	if !found || res.HistoryCount < 1 || len(res.RecentHistory) < 1 {
		return "", fmt.Errorf("variables %v, history_count %d, %d recent: want stuiConformanceSummed = 7 and the evaluation in the history",
			res.Variables, res.HistoryCount, len(res.RecentHistory))
	}
	return "the variable and the history", nil
}

func checkClearContext(ctx context.Context, r *runner, s string) (string, error) {
	if _, err := r.evaluate(ctx, stuiproto.EvaluateParams{Code: "stuiConformanceCleared := 1", SessionID: s}); err != nil {
		return "", fmt.Errorf("assigning a variable: %s", describe(err))
	}
	res, err := call(ctx, r, stuiproto.ClearContextCommand, stuiproto.ClearContextParams{SessionID: s})
	if err != nil {
		return "", errors.New(describe(err))
	}
	if !res.Cleared || res.VariablesRemoved < 1 {
		return "", fmt.Errorf("cleared %v, variables_removed %d: want true, at least 1", res.Cleared, res.VariablesRemoved)
	}
	if _, err := expectError(ctx, r, stuiproto.CmdGetVariable, stuiproto.GetVariableParams{SessionID: s, Name: "stuiConformanceCleared"}, stuiproto.ErrVariableNotFound); err != nil {
		return "", fmt.Errorf("get_variable after clearing: %v", err)
	}
	return "the variable is gone", nil
}

// expiredSession answers the i-th of two sessions made to expire: both are
// opened with a timeout of one second on first use, and the first use waits
// until they have expired.
func (r *runner) expiredSession(ctx context.Context, i int) (string, error) {
	if r.expired == nil {
		for range 2 {
			s, err := r.newSession(ctx, 1)
			if err != nil {
				return "", err
			}
			r.expired = append(r.expired, s)
		}
		t := time.NewTimer(2200 * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	if i >= len(r.expired) {
		return "", errors.New("no expired session to check with")
	}
	return r.expired[i], nil
}

func strOrNull(s *string) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *s)
}

func want(field, got, want string) error {
	if got != want {
		return fmt.Errorf("%s %q, want %q", field, got, want)
	}
	return nil
}
