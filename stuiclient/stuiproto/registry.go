package stuiproto

// NewParams returns a pointer to a new zero value of the command's parameter
// type, or nil when the command is unknown.
func NewParams(command string) any {
	switch command {
	case CmdPing, CmdGetSessionStatistics:
		return &PingParams{}
	case CmdEvaluate:
		return &EvaluateParams{}
	case CmdInspect:
		return &InspectParams{}
	case CmdBrowseClass:
		return &BrowseClassParams{}
	case CmdGetMethod:
		return &GetMethodParams{}
	case CmdListClasses:
		return &ListClassesParams{}
	case CmdSystemInfo:
		return &SystemInfoParams{}
	case CmdImplementors, CmdSenders:
		return &SelectorParams{}
	case CmdComplete:
		return &CompleteParams{}
	case CmdCompileMethod:
		return &CompileMethodParams{}
	case CmdDefineClass:
		return &DefineClassParams{}
	case CmdFormatSource:
		return &FormatSourceParams{}
	case CmdGetVariable:
		return &GetVariableParams{}
	case CmdReleaseObjects:
		return &ReleaseObjectsParams{}
	case CmdInterrupt:
		return &InterruptParams{}
	case CmdCreateSession:
		return &CreateSessionParams{}
	case CmdRestoreSession, CmdCloseSession, CmdGetSessionInfo, CmdGetContextSummary:
		return &SessionIDParams{}
	case CmdUpdateSessionState:
		return &UpdateSessionStateParams{}
	case CmdListClientSessions:
		return &ClientIDParams{}
	case CmdSaveContext, CmdLoadContext:
		return &ContextParams{}
	case CmdClearContext:
		return &ClearContextParams{}
	}
	return nil
}

// NewResult returns a pointer to a new zero value of the command's result
// type, or nil when the command is unknown.
func NewResult(command string) any {
	switch command {
	case CmdPing:
		return &PingResult{}
	case CmdEvaluate:
		return &EvaluateResult{}
	case CmdInspect:
		return &InspectResult{}
	case CmdBrowseClass:
		return &BrowseClassResult{}
	case CmdGetMethod:
		return &GetMethodResult{}
	case CmdListClasses:
		return &ListClassesResult{}
	case CmdSystemInfo:
		return &SystemInfoResult{}
	case CmdImplementors:
		return &ImplementorsResult{}
	case CmdSenders:
		return &SendersResult{}
	case CmdComplete:
		return &CompleteResult{}
	case CmdCompileMethod:
		return &CompileMethodResult{}
	case CmdDefineClass:
		return &DefineClassResult{}
	case CmdFormatSource:
		return &FormatSourceResult{}
	case CmdGetVariable:
		return &GetVariableResult{}
	case CmdReleaseObjects:
		return &ReleaseObjectsResult{}
	case CmdInterrupt:
		return &InterruptResult{}
	case CmdCreateSession:
		return &Session{}
	case CmdRestoreSession:
		return &RestoreSessionResult{}
	case CmdUpdateSessionState:
		return &UpdateSessionStateResult{}
	case CmdCloseSession:
		return &CloseSessionResult{}
	case CmdGetSessionInfo:
		return &SessionInfoResult{}
	case CmdListClientSessions:
		return &ListClientSessionsResult{}
	case CmdGetSessionStatistics:
		return &SessionStatisticsResult{}
	case CmdSaveContext:
		return &SaveContextResult{}
	case CmdLoadContext:
		return &LoadContextResult{}
	case CmdGetContextSummary:
		return &ContextSummaryResult{}
	case CmdClearContext:
		return &ClearContextResult{}
	}
	return nil
}
