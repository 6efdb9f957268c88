package stuiproto

import (
	"encoding/json"
	"errors"
)

// Command names.
const (
	CmdPing                 = "ping"
	CmdEvaluate             = "evaluate"
	CmdInspect              = "inspect"
	CmdBrowseClass          = "browse_class"
	CmdGetMethod            = "get_method"
	CmdListClasses          = "list_classes"
	CmdSystemInfo           = "system_info"
	CmdImplementors         = "implementors"
	CmdSenders              = "senders"
	CmdComplete             = "complete"
	CmdCompileMethod        = "compile_method"
	CmdDefineClass          = "define_class"
	CmdFormatSource         = "format_source"
	CmdGetVariable          = "get_variable"
	CmdReleaseObjects       = "release_objects"
	CmdInterrupt            = "interrupt"
	CmdCreateSession        = "create_session"
	CmdRestoreSession       = "restore_session"
	CmdUpdateSessionState   = "update_session_state"
	CmdCloseSession         = "close_session"
	CmdGetSessionInfo       = "get_session_info"
	CmdListClientSessions   = "list_client_sessions"
	CmdGetSessionStatistics = "get_session_statistics"
	CmdSaveContext          = "save_context"
	CmdLoadContext          = "load_context"
	CmdGetContextSummary    = "get_context_summary"
	CmdClearContext         = "clear_context"
	CmdRunTests             = "run_tests"
)

// Commands lists every command's name, in the table's order (that of
// docs/protocol.md).
var Commands = func() []string {
	names := make([]string, len(Table))
	for i, s := range Table {
		names[i] = s.Name
	}
	return names
}()

// Evaluation modes.
const (
	ModeExecute = "execute"
	ModeDisplay = "display"
	ModePrint   = "print"
	ModeInspect = "inspect"
)

// NoParams is the parameters of a command that takes none.
type NoParams struct{}

// PingParams are empty, but for the challenge a client sends on a new
// connection (1.2, see ImageChallenge).
type PingParams struct {
	Challenge *ImageChallenge `json:"challenge,omitempty"`
}

type PingResult struct {
	Message         string `json:"message"`
	Status          string `json:"status"`
	Uptime          int64  `json:"uptime"`
	ProtocolVersion string `json:"protocol_version"`
	ServerName      string `json:"server_name"`
	ServerVersion   string `json:"server_version"`
	Dialect         string `json:"dialect"`
	DialectVersion  string `json:"dialect_version"`
	ImageName       string `json:"image_name"`
	// Proof answers the ping's challenge (1.2, see ImageProof).
	Proof string `json:"proof,omitempty"`
}

type EvaluateParams struct {
	Code           string `json:"code"`
	SessionID      string `json:"session_id,omitempty"`
	EvaluationMode string `json:"evaluation_mode,omitempty"`
	MaxResultChars int    `json:"max_result_chars,omitempty"`
	TimeoutMS      int    `json:"timeout_ms,omitempty"`
}

type EvaluateResult struct {
	Result         string  `json:"result"`
	ResultType     string  `json:"result_type"`
	ExecutionTime  float64 `json:"execution_time"`
	HasError       bool    `json:"has_error"`
	ObjectID       *string `json:"object_id"`
	Truncated      bool    `json:"truncated"`
	EvaluationMode string  `json:"evaluation_mode"`
}

type InspectParams struct {
	ObjectID  string `json:"objectId,omitempty"`
	Target    string `json:"target,omitempty"`
	SessionID string `json:"session_id,omitempty"`
	Offset    int    `json:"offset,omitempty"`
	Limit     int    `json:"limit,omitempty"`
}

type ObjectInfo struct {
	ClassName            string `json:"class_name"`
	StringRepresentation string `json:"string_representation"`
	Hash                 int64  `json:"hash"`
	Size                 int    `json:"size"`
}

type Slot struct {
	Name        string  `json:"name"`
	PrintString string  `json:"print_string"`
	ClassName   string  `json:"class_name"`
	ObjectID    *string `json:"object_id"`
	HasSlots    bool    `json:"has_slots"`
}

type InspectResult struct {
	ObjectID     string            `json:"object_id"`
	ObjectInfo   ObjectInfo        `json:"object_info"`
	InstanceVars map[string]string `json:"instance_vars"`
	Slots        []Slot            `json:"slots"`
	TotalSlots   int               `json:"total_slots"`
	Offset       int               `json:"offset"`
	Limit        int               `json:"limit"`
}

type BrowseClassParams struct {
	ClassName           string `json:"class_name"`
	IncludeMethods      *bool  `json:"include_methods,omitempty"`
	IncludeInstanceVars *bool  `json:"include_instance_vars,omitempty"`
	IncludeClassVars    *bool  `json:"include_class_vars,omitempty"`
	IncludeSource       bool   `json:"include_source,omitempty"`
}

type ClassInfo struct {
	Name       string  `json:"name"`
	Superclass *string `json:"superclass"`
	Comment    string  `json:"comment"`
	Package    string  `json:"package"`
	Tag        string  `json:"tag"`
	IsSystem   bool    `json:"is_system"`
	Definition string  `json:"definition"`
	// Subclasses (1.2) names the direct subclasses, sorted; absent from
	// older servers.
	Subclasses []string `json:"subclasses,omitempty"`
}

type Method struct {
	ClassName     string   `json:"class_name"`
	Name          string   `json:"name"`
	IsClassMethod bool     `json:"is_class_method"`
	Category      string   `json:"category"`
	Package       string   `json:"package"`
	Arguments     []string `json:"arguments"`
	Comment       string   `json:"comment"`
	Source        string   `json:"source,omitempty"`
}

type BrowseClassResult struct {
	ClassInfo       ClassInfo `json:"class_info"`
	InstanceMethods []Method  `json:"instance_methods"`
	ClassMethods    []Method  `json:"class_methods"`
	InstanceVars    []string  `json:"instance_vars"`
	ClassVars       []string  `json:"class_vars"`
}

type GetMethodParams struct {
	ClassName     string `json:"class_name"`
	MethodName    string `json:"method_name"`
	IsClassMethod bool   `json:"is_class_method,omitempty"`
}

type GetMethodResult struct {
	Method Method `json:"method"`
}

type ListClassesParams struct {
	Pattern       string `json:"pattern,omitempty"`
	IncludeSystem *bool  `json:"include_system,omitempty"`
	Limit         int    `json:"limit,omitempty"`
}

type ListClassesResult struct {
	Classes    []string `json:"classes"`
	TotalCount int      `json:"total_count"`
}

type SystemInfoParams struct {
	InfoType string `json:"info_type,omitempty"`
}

type SystemInfo struct {
	PharoVersion string   `json:"pharo_version"`
	VMVersion    string   `json:"vm_version"`
	ImageFormat  string   `json:"image_format"`
	Platform     string   `json:"platform"`
	ImageName    string   `json:"image_name"`
	MemoryUsed   int64    `json:"memory_used"`
	MemoryFree   int64    `json:"memory_free"`
	Packages     []string `json:"packages,omitempty"`
}

type SystemInfoResult struct {
	Info SystemInfo `json:"info"`
}

type SelectorParams struct {
	Selector string `json:"selector"`
	Limit    int    `json:"limit,omitempty"`
}

type SourceLocation struct {
	Path string `json:"path"`
	Line int    `json:"line"`
}

type MethodRef struct {
	ClassName      string          `json:"class_name"`
	Selector       string          `json:"selector"`
	IsClassMethod  bool            `json:"is_class_method"`
	Category       string          `json:"category"`
	Package        string          `json:"package"`
	SourceLocation *SourceLocation `json:"source_location"`
}

type ImplementorsResult struct {
	Selector     string      `json:"selector"`
	Implementors []MethodRef `json:"implementors"`
	TotalCount   int         `json:"total_count"`
}

type SendersResult struct {
	Selector   string      `json:"selector"`
	Senders    []MethodRef `json:"senders"`
	TotalCount int         `json:"total_count"`
}

type CompleteParams struct {
	Prefix        string `json:"prefix"`
	SessionID     string `json:"session_id,omitempty"`
	ReceiverClass string `json:"receiver_class,omitempty"`
	ClassName     string `json:"class_name,omitempty"`
	Limit         int    `json:"limit,omitempty"`
}

// Completion kinds.
const (
	CompletionSelector         = "selector"
	CompletionClass            = "class"
	CompletionVariable         = "variable"
	CompletionInstanceVariable = "instance_variable"
)

type Completion struct {
	Label         string   `json:"label"`
	Kind          string   `json:"kind"`
	Detail        string   `json:"detail"`
	SelectorParts []string `json:"selector_parts,omitempty"`
}

type CompleteResult struct {
	Completions []Completion `json:"completions"`
	Incomplete  bool         `json:"incomplete"`
}

type CompileMethodParams struct {
	ClassName     string `json:"class_name"`
	IsClassMethod bool   `json:"is_class_method,omitempty"`
	Category      string `json:"category,omitempty"`
	Source        string `json:"source"`
	Package       string `json:"package,omitempty"`
}

type CompileMethodResult struct {
	ClassName     string `json:"class_name"`
	Selector      string `json:"selector"`
	IsClassMethod bool   `json:"is_class_method"`
	Category      string `json:"category"`
	Changed       bool   `json:"changed"`
}

type DefineClassParams struct {
	Name              string   `json:"name"`
	Superclass        *string  `json:"superclass"`
	Kind              string   `json:"kind,omitempty"`
	InstanceVars      []string `json:"instance_vars,omitempty"`
	ClassVars         []string `json:"class_vars,omitempty"`
	ClassInstanceVars []string `json:"class_instance_vars,omitempty"`
	Package           string   `json:"package"`
	Tag               string   `json:"tag,omitempty"`
	Comment           string   `json:"comment,omitempty"`
}

type DefineClassResult struct {
	ClassName string `json:"class_name"`
	Created   bool   `json:"created"`
	Changed   bool   `json:"changed"`
}

type FormatSourceParams struct {
	Source    string `json:"source"`
	IsMethod  *bool  `json:"is_method,omitempty"`
	ClassName string `json:"class_name,omitempty"`
}

type FormatSourceResult struct {
	Formatted string `json:"formatted"`
}

type GetVariableParams struct {
	SessionID      string `json:"session_id"`
	Name           string `json:"name"`
	MaxResultChars int    `json:"max_result_chars,omitempty"`
}

type GetVariableResult struct {
	Name        string  `json:"name"`
	PrintString string  `json:"print_string"`
	ClassName   string  `json:"class_name"`
	ObjectID    *string `json:"object_id"`
	Truncated   bool    `json:"truncated"`
}

type ReleaseObjectsParams struct {
	SessionID string   `json:"session_id"`
	ObjectIDs []string `json:"object_ids"`
}

type ReleaseObjectsResult struct {
	Released int `json:"released"`
}

type InterruptParams struct {
	RequestID string `json:"request_id,omitempty"`
	SessionID string `json:"session_id,omitempty"`
}

type InterruptResult struct {
	Interrupted int `json:"interrupted"`
}

// Session is the bookkeeping every session command reports.
type Session struct {
	SessionID    string `json:"session_id"`
	ClientID     string `json:"client_id"`
	CreatedAt    string `json:"created_at"`
	LastActivity string `json:"last_activity"`
	Timeout      int    `json:"timeout"`
	IsActive     bool   `json:"is_active"`
}

type CreateSessionParams struct {
	ClientID string `json:"client_id"`
	Timeout  int    `json:"timeout,omitempty"`
}

type SessionIDParams struct {
	SessionID string `json:"session_id"`
}

type ClientIDParams struct {
	ClientID string `json:"client_id"`
}

type WorkspaceContext struct {
	Variables []string `json:"variables"`
}

type InspectorState struct {
	SelectedObject *string `json:"selected_object"`
}

type RestoreSessionResult struct {
	Session
	SessionState     map[string]json.RawMessage `json:"session_state"`
	WorkspaceContext WorkspaceContext           `json:"workspace_context"`
	InspectorState   InspectorState             `json:"inspector_state"`
	ObjectRegistry   map[string]string          `json:"object_registry"`
	LiveObjects      bool                       `json:"live_objects"`
}

type UpdateSessionStateParams struct {
	SessionID string                     `json:"session_id"`
	StateData map[string]json.RawMessage `json:"state_data"`
}

type UpdateSessionStateResult struct {
	SessionID        string                     `json:"session_id"`
	LastModified     string                     `json:"last_modified"`
	SessionState     map[string]json.RawMessage `json:"session_state"`
	UpdateSuccessful bool                       `json:"update_successful"`
}

type CloseSessionResult struct {
	SessionID string `json:"session_id"`
	Closed    bool   `json:"closed"`
}

type SessionInfoResult struct {
	Session
	TimeUntilExpiry int  `json:"time_until_expiry"`
	IsExpired       bool `json:"is_expired"`
}

type ListClientSessionsResult struct {
	ClientID     string    `json:"client_id"`
	SessionCount int       `json:"session_count"`
	Sessions     []Session `json:"sessions"`
}

type SessionStatisticsResult struct {
	TotalSessions        int `json:"total_sessions"`
	ActiveClients        int `json:"active_clients"`
	MaxSessionsPerClient int `json:"max_sessions_per_client"`
	DefaultTimeout       int `json:"default_timeout"`
	CleanupInterval      int `json:"cleanup_interval"`
}

type ContextParams struct {
	SessionID string `json:"session_id"`
	Name      string `json:"name,omitempty"`
}

type SaveContextResult struct {
	SessionID     string `json:"session_id"`
	Name          string `json:"name"`
	SavedAt       string `json:"saved_at"`
	VariableCount int    `json:"variable_count"`
	HistoryCount  int    `json:"history_count"`
	ObjectCount   int    `json:"object_count"`
}

type LoadContextResult struct {
	SessionID    string   `json:"session_id"`
	Name         string   `json:"name"`
	LoadedAt     string   `json:"loaded_at"`
	Variables    []string `json:"variables"`
	HistoryCount int      `json:"history_count"`
}

type VariableSummary struct {
	Name        string `json:"name"`
	ClassName   string `json:"class_name"`
	PrintString string `json:"print_string"`
}

type HistoryEntry struct {
	Code      string `json:"code"`
	Result    string `json:"result"`
	Timestamp string `json:"timestamp"`
}

type ContextSummaryResult struct {
	SessionID      string            `json:"session_id"`
	Variables      []VariableSummary `json:"variables"`
	HistoryCount   int               `json:"history_count"`
	RecentHistory  []HistoryEntry    `json:"recent_history"`
	ObjectCount    int               `json:"object_count"`
	SelectedObject *string           `json:"selected_object"`
}

type ClearContextParams struct {
	SessionID     string `json:"session_id"`
	KeepVariables bool   `json:"keep_variables,omitempty"`
}

type ClearContextResult struct {
	SessionID        string `json:"session_id"`
	Cleared          bool   `json:"cleared"`
	VariablesRemoved int    `json:"variables_removed"`
	HistoryRemoved   int    `json:"history_removed"`
	ObjectsRemoved   int    `json:"objects_removed"`
}

// RunTestsParams (1.2) names the tests to run: a class (with its test
// selectors, or only those listed) or every test class of a package. At
// least one of ClassName and Package is given; ClassName wins when both are.
type RunTestsParams struct {
	SessionID string   `json:"session_id,omitempty"`
	ClassName string   `json:"class_name,omitempty"`
	Selectors []string `json:"selectors,omitempty"`
	Package   string   `json:"package,omitempty"`
	// TimeoutMS bounds the whole run (default RunTestsDefaultTimeoutMS);
	// each test also has SUnit's own time limit.
	TimeoutMS int `json:"timeout_ms,omitempty"`
}

// RunTestsDefaultTimeoutMS is how long a run may take when timeout_ms is
// absent or 0.
const RunTestsDefaultTimeoutMS = 60000

// Test statuses.
const (
	TestPass  = "pass"
	TestFail  = "fail"
	TestError = "error"
	TestSkip  = "skip"
)

// TestFrame is one frame of a failing test's stack, innermost first. Line is
// 1-based within the method's source (line 1 is the selector pattern); 0
// when the image could not say.
type TestFrame struct {
	ClassName string `json:"class_name"`
	Selector  string `json:"selector"`
	Line      int    `json:"line,omitempty"`
}

// TestOutcome is the result of one test method.
type TestOutcome struct {
	ClassName  string      `json:"class_name"`
	Selector   string      `json:"selector"`
	Status     string      `json:"status"`
	Message    string      `json:"message,omitempty"`
	Stack      []TestFrame `json:"stack,omitempty"`
	DurationMS int         `json:"duration_ms"`
}

type RunTestsResult struct {
	Passed     int           `json:"passed"`
	Failed     int           `json:"failed"`
	Errors     int           `json:"errors"`
	Skipped    int           `json:"skipped"`
	DurationMS int           `json:"duration_ms"`
	Results    []TestOutcome `json:"results"`
}

// TimedOutRun is the details of a run_tests stopped at its timeout_ms
// (1.3): the result of the tests that finished, as a run of only those would
// answer it, the test that was running, and how many never started. An
// image older than 1.3 sends no details, and then nothing is known.
type TimedOutRun struct {
	RunTestsResult
	// Running is nil when the deadline passed between two tests.
	Running *TestRef `json:"running,omitempty"`
	NotRun  int      `json:"not_run"`
}

// TestRef names one test method.
type TestRef struct {
	ClassName string `json:"class_name"`
	Selector  string `json:"selector"`
}

// TimedOutRunOf is the finished part of a run that err reports stopped at
// its deadline; nil when err is no run_tests Timeout or the image did not
// say (before 1.3).
func TimedOutRunOf(err error) *TimedOutRun {
	var remote *RemoteError
	if !errors.As(err, &remote) || remote.Type != ErrTimeout || remote.Details == nil || remote.Details.TimedOutRun == nil {
		return nil
	}
	run := *remote.Details.TimedOutRun
	if run.Results == nil {
		run.Results = []TestOutcome{}
	}
	return &run
}
