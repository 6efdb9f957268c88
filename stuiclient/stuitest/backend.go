package stuitest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Backend is a Handler that plays a Pharo image for tests. Sessions and the
// context commands follow docs/protocol.md; evaluate, inspect and
// get_variable use the small evaluator described in eval.go's comment; the
// code-browsing commands answer from the classes added with AddClass and
// AddMethod, and compile_method and define_class change them.
//
// Configure the exported fields before serving; use the methods at any time.
type Backend struct {
	// Ping is the ping result; Uptime is filled in.
	Ping stuiproto.PingResult
	// Info is the system_info result; Packages is filled in from the classes
	// for the packages and all info types.
	Info stuiproto.SystemInfo
	// MaxSessionsPerClient defaults to 5, DefaultTimeout to 3600 seconds.
	MaxSessionsPerClient int
	DefaultTimeout       int
	// PersistSessions keeps session metadata (ids, state, variable names,
	// saved contexts) across Restart, as the real server does with its STON
	// files; live values are lost and restore_session says live_objects
	// false. When false, a restart forgets every session.
	PersistSessions bool

	mu       sync.Mutex
	now      func() time.Time
	started  time.Time
	seq      int
	sessions map[string]*session
	classes  map[string]*ClassFixture
	running  map[*runningEval]struct{}
	// transcript is what evaluations wrote to Transcript (transcript.go).
	transcript *transcriptLog
	// debug is the debugger's state (debug.go).
	debug *debugState
}

type session struct {
	info     stuiproto.Session
	created  time.Time
	last     time.Time
	live     bool
	state    map[string]json.RawMessage
	vars     map[string]value
	history  []stuiproto.HistoryEntry
	objects  map[string]value
	objSeq   int
	selected *string
	contexts map[string]savedContext
}

type savedContext struct {
	vars     map[string]value
	history  []stuiproto.HistoryEntry
	objects  int
	selected *string
}

type runningEval struct {
	requestID, sessionID string
	cancel               context.CancelCauseFunc
}

var (
	errInterrupted = errors.New("interrupted")
	errTimedOut    = errors.New("timed out")
)

// NewBackend returns a Backend with a root class Object, protocol version
// stuiproto.Version and the real clock.
func NewBackend() *Backend {
	b := &Backend{
		Ping: stuiproto.PingResult{Message: "pong", Status: "ready", ProtocolVersion: stuiproto.Version,
			ServerName: "STUI", ServerVersion: "0.1.0-test", Dialect: "Pharo", DialectVersion: "12.0.0", ImageName: "stuitest.image"},
		Info: stuiproto.SystemInfo{PharoVersion: "Pharo-12.0.0+test", VMVersion: "stuitest", ImageFormat: "68021",
			Platform: "unix", ImageName: "stuitest.image", MemoryUsed: 64 << 20, MemoryFree: 32 << 20},
		MaxSessionsPerClient: 5,
		DefaultTimeout:       3600,
		now:                  time.Now,
		sessions:             map[string]*session{},
		classes:              map[string]*ClassFixture{},
		running:              map[*runningEval]struct{}{},
	}
	b.started = b.now()
	b.AddClass(ClassFixture{Name: "Object", Package: "Kernel-Objects", IsSystem: true,
		Comment: "I am the root of most classes."})
	b.AddMethod("Object", MethodFixture{Selector: "printString", Category: "printing",
		Source: "printString\n\t\"Answer a String whose characters are a description of the receiver.\"\n\t^ self printStringLimitedTo: 50000"})
	b.AddMethod("Object", MethodFixture{Selector: "yourself", Category: "accessing", Source: "yourself\n\t^ self"})
	b.AddClass(ClassFixture{Name: testCaseClass, Superclass: "TestAsserter", Package: "SUnit-Core", Tag: "Kernel", IsSystem: true,
		Comment: "A TestCase is a Command representing the future running of a test case."})
	b.AddClass(ClassFixture{Name: "TestAsserter", Superclass: "Object", Package: "SUnit-Core", Tag: "Kernel", IsSystem: true,
		Comment: "I contain the assertions of SUnit."})
	return b
}

// SetClock replaces the clock, e.g. to make sessions expire in a test.
func (b *Backend) SetClock(now func() time.Time) {
	b.mu.Lock()
	b.now = now
	b.mu.Unlock()
}

// Restart forgets what an image restart loses (see PersistSessions).
func (b *Backend) Restart() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.started = b.now()
	b.endAllDebugLocked()
	if !b.PersistSessions {
		b.sessions = map[string]*session{}
		return
	}
	for _, s := range b.sessions {
		s.live = false
		for name := range s.vars {
			s.vars[name] = value{}
		}
		s.objects = map[string]value{}
		s.selected = nil
	}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000+00:00") }

// ServeSTUI answers one request.
func (b *Backend) ServeSTUI(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
	params := req.Parameters
	if len(params) == 0 || string(params) == "null" {
		params = json.RawMessage("{}")
	}
	serve, ok := handlers[req.Command]
	spec, known := stuiproto.Lookup(req.Command)
	if !ok || !known {
		return ErrorReply(req.ID, stuiproto.ErrUnsupportedOperation, "Unknown command: "+req.Command)
	}
	p := spec.NewParams()
	if err := json.Unmarshal(params, p); err != nil {
		return ErrorReply(req.ID, stuiproto.ErrInvalidRequest, "Ill-typed parameters: "+err.Error())
	}
	return serve(b, ctx, req.ID, p)
}

// protoError is an error reply the Backend makes.
type protoError struct {
	typ, msg string
	details  *stuiproto.ErrorDetails
	stack    []string
}

func (e *protoError) Error() string { return e.typ + ": " + e.msg }

func perr(typ, format string, args ...any) *protoError {
	return &protoError{typ: typ, msg: fmt.Sprintf(format, args...)}
}

func errReply(id string, err error) *stuiproto.Reply {
	var pe *protoError
	if !errors.As(err, &pe) {
		return ErrorReply(id, stuiproto.ErrInternal, err.Error())
	}
	r := ErrorReply(id, pe.typ, pe.msg)
	r.Details, r.StackTrace = pe.details, pe.stack
	return r
}

func codeError(code string, err error) error {
	var se *syntaxError
	var re *runtimeError
	switch {
	case errors.As(err, &se):
		line, col := lineColumn(code, se.pos)
		return &protoError{typ: stuiproto.ErrSyntax, msg: se.msg, details: &stuiproto.ErrorDetails{Line: line, Column: col, Position: se.pos}}
	case errors.As(err, &re):
		return &protoError{typ: stuiproto.ErrRuntime, msg: re.msg, details: &stuiproto.ErrorDetails{ErrorClass: re.class}, stack: re.stack}
	}
	return err
}

// ping says who the backend is.
func (b *Backend) ping(now time.Time, _ *stuiproto.PingParams) (stuiproto.PingResult, error) {
	r := b.Ping
	r.Uptime = int64(now.Sub(b.started).Seconds())
	return r, nil
}

// sessionStatistics reports the session manager's counters.
func (b *Backend) sessionStatistics(now time.Time, _ *stuiproto.NoParams) (stuiproto.SessionStatisticsResult, error) {
	return b.statistics(now), nil
}

// closeSession ends a session.
func (b *Backend) closeSession(now time.Time, p *stuiproto.SessionIDParams) (stuiproto.CloseSessionResult, error) {
	if _, ok := b.sessions[p.SessionID]; !ok {
		return stuiproto.CloseSessionResult{}, notFound(p.SessionID)
	}
	delete(b.sessions, p.SessionID)
	b.closeDebugLocked(p.SessionID)
	return stuiproto.CloseSessionResult{SessionID: p.SessionID, Closed: true}, nil
}

// sessionInfoOf reports a session's bookkeeping and expiry.
func (b *Backend) sessionInfoOf(now time.Time, p *stuiproto.SessionIDParams) (stuiproto.SessionInfoResult, error) {
	s, ok := b.sessions[p.SessionID]
	if !ok {
		return stuiproto.SessionInfoResult{}, notFound(p.SessionID)
	}
	left := s.info.Timeout - int(now.Sub(s.last).Seconds())
	if left < 0 {
		left = 0
	}
	info := b.sessionInfo(s, now)
	return stuiproto.SessionInfoResult{Session: info, TimeUntilExpiry: left, IsExpired: b.expired(s, now)}, nil
}

// contextSummary summarises a session's variables, history and registry.
func (b *Backend) contextSummary(now time.Time, p *stuiproto.SessionIDParams) (stuiproto.ContextSummaryResult, error) {
	s, err := b.session(now, p.SessionID, false)
	if err != nil {
		return stuiproto.ContextSummaryResult{}, err
	}
	return s.summary(), nil
}

// contextName is the saved context a save_context or load_context names.
func contextName(p *stuiproto.ContextParams) string {
	if p.Name == "" {
		return "default"
	}
	return p.Name
}

// saveContext keeps a copy of a session's variables and history under a name.
func (b *Backend) saveContext(now time.Time, p *stuiproto.ContextParams) (stuiproto.SaveContextResult, error) {
	s, err := b.session(now, p.SessionID, false)
	if err != nil {
		return stuiproto.SaveContextResult{}, err
	}
	name := contextName(p)
	s.contexts[name] = savedContext{vars: copyVars(s.vars), history: append([]stuiproto.HistoryEntry(nil), s.history...),
		objects: len(s.objects), selected: s.selected}
	return stuiproto.SaveContextResult{SessionID: s.info.SessionID, Name: name, SavedAt: stamp(now),
		VariableCount: len(s.vars), HistoryCount: len(s.history), ObjectCount: len(s.objects)}, nil
}

// loadContext puts a saved context's variables and history back.
func (b *Backend) loadContext(now time.Time, p *stuiproto.ContextParams) (stuiproto.LoadContextResult, error) {
	s, err := b.session(now, p.SessionID, false)
	if err != nil {
		return stuiproto.LoadContextResult{}, err
	}
	name := contextName(p)
	c, ok := s.contexts[name]
	if !ok {
		return stuiproto.LoadContextResult{}, perr(stuiproto.ErrSession, "No saved context named %s", name)
	}
	s.vars = copyVars(c.vars)
	s.history = append([]stuiproto.HistoryEntry(nil), c.history...)
	return stuiproto.LoadContextResult{SessionID: s.info.SessionID, Name: name, LoadedAt: stamp(now),
		Variables: sortedKeys(s.vars), HistoryCount: len(s.history)}, nil
}

// update_session_state merges state into a session.
func (b *Backend) updateSessionState(now time.Time, p *stuiproto.UpdateSessionStateParams) (stuiproto.UpdateSessionStateResult, error) {
	s, err := b.session(now, p.SessionID, false)
	if err != nil {
		return stuiproto.UpdateSessionStateResult{}, err
	}
	for k, v := range p.StateData {
		s.state[k] = v
	}
	return stuiproto.UpdateSessionStateResult{SessionID: s.info.SessionID, LastModified: stamp(now),
		SessionState: s.state, UpdateSuccessful: true}, nil
}

// list_client_sessions lists the live sessions of a client id.
func (b *Backend) listClientSessions(now time.Time, p *stuiproto.ClientIDParams) (stuiproto.ListClientSessionsResult, error) {
	if p.ClientID == "" {
		return stuiproto.ListClientSessionsResult{}, perr(stuiproto.ErrInvalidRequest, "Missing parameter: client_id")
	}
	r := stuiproto.ListClientSessionsResult{ClientID: p.ClientID, Sessions: []stuiproto.Session{}}
	for _, s := range b.sorted() {
		if s.info.ClientID == p.ClientID && !b.expired(s, now) {
			r.Sessions = append(r.Sessions, b.sessionInfo(s, now))
		}
	}
	r.SessionCount = len(r.Sessions)
	return r, nil
}

// clear_context forgets a session's history and registry, and its variables unless asked to keep them.
func (b *Backend) clearContext(now time.Time, p *stuiproto.ClearContextParams) (stuiproto.ClearContextResult, error) {
	s, err := b.session(now, p.SessionID, false)
	if err != nil {
		return stuiproto.ClearContextResult{}, err
	}
	r := stuiproto.ClearContextResult{SessionID: s.info.SessionID, Cleared: true,
		HistoryRemoved: len(s.history), ObjectsRemoved: len(s.objects)}
	if !p.KeepVariables {
		r.VariablesRemoved = len(s.vars)
		s.vars = map[string]value{}
	}
	s.history, s.objects, s.selected = nil, map[string]value{}, nil
	return r, nil
}

// get_variable reads a workspace variable and registers its value.
func (b *Backend) getVariable(now time.Time, p *stuiproto.GetVariableParams) (stuiproto.GetVariableResult, error) {
	s, err := b.session(now, p.SessionID, false)
	if err != nil {
		return stuiproto.GetVariableResult{}, err
	}
	v, ok := s.vars[p.Name]
	if !ok {
		return stuiproto.GetVariableResult{}, perr(stuiproto.ErrVariableNotFound, "Variable not found: %s", p.Name)
	}
	ps, cut := truncate(v.printString(), p.MaxResultChars)
	id := s.register(v)
	return stuiproto.GetVariableResult{Name: p.Name, PrintString: ps, ClassName: v.className(), ObjectID: &id, Truncated: cut}, nil
}

// release_objects removes ids from a session's registry.
func (b *Backend) releaseObjects(now time.Time, p *stuiproto.ReleaseObjectsParams) (stuiproto.ReleaseObjectsResult, error) {
	s, err := b.session(now, p.SessionID, false)
	if err != nil {
		return stuiproto.ReleaseObjectsResult{}, err
	}
	n := 0
	for _, id := range p.ObjectIDs {
		if _, ok := s.objects[id]; ok {
			delete(s.objects, id)
			n++
		}
	}
	return stuiproto.ReleaseObjectsResult{Released: n}, nil
}

func notFound(id string) error {
	return perr(stuiproto.ErrSessionNotFound, "Session not found: %s", id)
}

// session finds a live session and marks it used. Expired sessions are
// SessionExpired where the protocol documents it (evaluate, inspect,
// restore_session), SessionNotFound elsewhere.
func (b *Backend) session(now time.Time, id string, expiredIsError bool) (*session, error) {
	if id == "" {
		return nil, perr(stuiproto.ErrInvalidRequest, "Missing parameter: session_id")
	}
	s, ok := b.sessions[id]
	if !ok {
		return nil, notFound(id)
	}
	if b.expired(s, now) {
		if expiredIsError {
			return nil, perr(stuiproto.ErrSessionExpired, "Session expired: %s", id)
		}
		return nil, perr(stuiproto.ErrSessionNotFound, "Session expired: %s", id)
	}
	s.last = now
	return s, nil
}

func (b *Backend) expired(s *session, now time.Time) bool {
	return now.Sub(s.last) > time.Duration(s.info.Timeout)*time.Second
}

func (b *Backend) sessionInfo(s *session, now time.Time) stuiproto.Session {
	i := s.info
	i.CreatedAt, i.LastActivity = stamp(s.created), stamp(s.last)
	i.IsActive = !b.expired(s, now)
	return i
}

func (b *Backend) sorted() []*session {
	ss := make([]*session, 0, len(b.sessions))
	for _, s := range b.sessions {
		ss = append(ss, s)
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].info.SessionID < ss[j].info.SessionID })
	return ss
}

func (b *Backend) createSession(now time.Time, p *stuiproto.CreateSessionParams) (stuiproto.Session, error) {
	if p.ClientID == "" {
		return stuiproto.Session{}, perr(stuiproto.ErrInvalidRequest, "Missing parameter: client_id")
	}
	n := 0
	for _, s := range b.sessions {
		if s.info.ClientID == p.ClientID && !b.expired(s, now) {
			n++
		}
	}
	if n >= b.MaxSessionsPerClient {
		return stuiproto.Session{}, perr(stuiproto.ErrSession, "Session limit reached for client %s (%d)", p.ClientID, b.MaxSessionsPerClient)
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = b.DefaultTimeout
	}
	b.seq++
	id := fmt.Sprintf("session_%d_%d_%03d", b.seq, now.Unix(), rand.IntN(1000))
	s := &session{
		info:    stuiproto.Session{SessionID: id, ClientID: p.ClientID, Timeout: timeout, IsActive: true},
		created: now, last: now, live: true,
		state: map[string]json.RawMessage{}, vars: map[string]value{}, objects: map[string]value{},
		contexts: map[string]savedContext{},
	}
	b.sessions[id] = s
	return b.sessionInfo(s, now), nil
}

func (b *Backend) restoreSession(now time.Time, p *stuiproto.SessionIDParams) (stuiproto.RestoreSessionResult, error) {
	s, err := b.session(now, p.SessionID, true)
	if err != nil {
		return stuiproto.RestoreSessionResult{}, err
	}
	r := stuiproto.RestoreSessionResult{
		Session:          b.sessionInfo(s, now),
		SessionState:     s.state,
		WorkspaceContext: stuiproto.WorkspaceContext{Variables: sortedKeys(s.vars)},
		InspectorState:   stuiproto.InspectorState{SelectedObject: s.selected},
		ObjectRegistry:   map[string]string{},
		LiveObjects:      s.live,
	}
	for id, v := range s.objects {
		r.ObjectRegistry[id] = v.printString() + " (" + v.className() + ")"
	}
	return r, nil
}

func (b *Backend) statistics(now time.Time) stuiproto.SessionStatisticsResult {
	clients := map[string]bool{}
	n := 0
	for _, s := range b.sessions {
		if !b.expired(s, now) {
			n++
			clients[s.info.ClientID] = true
		}
	}
	return stuiproto.SessionStatisticsResult{TotalSessions: n, ActiveClients: len(clients),
		MaxSessionsPerClient: b.MaxSessionsPerClient, DefaultTimeout: b.DefaultTimeout, CleanupInterval: 300}
}

func (s *session) register(v value) string {
	s.objSeq++
	id := fmt.Sprintf("obj_%d", s.objSeq)
	s.objects[id] = v
	return id
}

func (s *session) summary() stuiproto.ContextSummaryResult {
	r := stuiproto.ContextSummaryResult{SessionID: s.info.SessionID, Variables: []stuiproto.VariableSummary{},
		HistoryCount: len(s.history), ObjectCount: len(s.objects), SelectedObject: s.selected}
	for _, name := range sortedKeys(s.vars) {
		v := s.vars[name]
		r.Variables = append(r.Variables, stuiproto.VariableSummary{Name: name, ClassName: v.className(), PrintString: v.printString()})
	}
	from := max(0, len(s.history)-10)
	r.RecentHistory = append([]stuiproto.HistoryEntry{}, s.history[from:]...)
	return r
}

func copyVars(m map[string]value) map[string]value {
	c := make(map[string]value, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func truncate(s string, limit int) (string, bool) {
	if limit <= 0 {
		limit = 10000
	}
	rs := []rune(s)
	if len(rs) <= limit {
		return s, false
	}
	return string(rs[:limit]), true
}

// evaluate runs code outside b.mu, so evaluations run concurrently and an
// interrupt can reach a running one.
func (b *Backend) evaluate(ctx context.Context, id string, p *stuiproto.EvaluateParams) *stuiproto.Reply {
	if p.Code == "" {
		return ErrorReply(id, stuiproto.ErrInvalidRequest, "Missing parameter: code")
	}
	mode := strings.ToLower(p.EvaluationMode)
	if mode == "" {
		mode = stuiproto.ModeDisplay
	}
	switch mode {
	case stuiproto.ModeExecute, stuiproto.ModeDisplay, stuiproto.ModePrint, stuiproto.ModeInspect:
	default:
		return ErrorReply(id, stuiproto.ErrInvalidRequest, "Unknown evaluation_mode: "+p.EvaluationMode)
	}
	v, ms, objID, err := b.run(ctx, id, p.SessionID, p.Code, p.TimeoutMS, mode == stuiproto.ModeInspect)
	if err != nil {
		return errReply(id, err)
	}
	res, cut := truncate(v.printString(), p.MaxResultChars)
	return Success(id, stuiproto.EvaluateResult{Result: res, ResultType: v.className(), ExecutionTime: ms,
		ObjectID: objID, Truncated: cut, EvaluationMode: mode})
}

// run evaluates code in a session (or a scratch scope), records history and
// registers the result.
func (b *Backend) run(ctx context.Context, reqID, sessionID, code string, timeoutMS int, selectIt bool) (value, float64, *string, error) {
	vars := map[string]value{}
	b.mu.Lock()
	if sessionID != "" {
		s, err := b.session(b.now(), sessionID, true)
		if err != nil {
			b.mu.Unlock()
			return value{}, 0, nil, err
		}
		vars = copyVars(s.vars)
	}
	if timeoutMS <= 0 {
		timeoutMS = 30000
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ctx, cancelT := context.WithTimeoutCause(ctx, time.Duration(timeoutMS)*time.Millisecond, errTimedOut)
	defer cancelT()
	re := &runningEval{requestID: reqID, sessionID: sessionID, cancel: cancel}
	b.running[re] = struct{}{}
	b.mu.Unlock()

	start := time.Now()
	v, err := evaluateIn(withTranscript(ctx, b), code, vars, b, nil)
	ms := float64(time.Since(start).Microseconds()) / 1000

	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.running, re)
	var st *stopped
	if errors.As(err, &st) {
		switch {
		case errors.Is(st.cause, errInterrupted):
			return value{}, 0, nil, perr(stuiproto.ErrInterrupted, "Evaluation interrupted")
		case errors.Is(st.cause, errTimedOut):
			return value{}, 0, nil, perr(stuiproto.ErrTimeout, "Evaluation exceeded %d ms and was stopped", timeoutMS)
		}
		return value{}, 0, nil, perr(stuiproto.ErrInterrupted, "Evaluation stopped: the image is shutting down")
	}
	if err != nil {
		return value{}, 0, nil, codeError(code, err)
	}
	if sessionID == "" {
		return v, ms, nil, nil
	}
	s, ok := b.sessions[sessionID]
	if !ok {
		return value{}, 0, nil, notFound(sessionID)
	}
	for k, val := range vars {
		s.vars[k] = val
	}
	s.history = append(s.history, stuiproto.HistoryEntry{Code: code, Result: v.printString(), Timestamp: stamp(b.now())})
	id := s.register(v)
	if selectIt {
		s.selected = &id
	}
	return v, ms, &id, nil
}

// interrupt stops the evaluations p names and says how many it stopped.
func (b *Backend) interrupt(p *stuiproto.InterruptParams) any {
	r, _ := b.stopEvaluations(context.Background(), p)
	return r
}

// stopEvaluations answers interrupt.
func (b *Backend) stopEvaluations(_ context.Context, p *stuiproto.InterruptParams) (stuiproto.InterruptResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for re := range b.running {
		if (p.RequestID != "" && re.requestID == p.RequestID) || (p.SessionID != "" && re.sessionID == p.SessionID) {
			re.cancel(errInterrupted)
			delete(b.running, re)
			n++
		}
	}
	return stuiproto.InterruptResult{Interrupted: n}, nil
}

func (b *Backend) inspect(ctx context.Context, p *stuiproto.InspectParams) (stuiproto.InspectResult, error) {
	var v value
	var id string
	switch {
	case p.ObjectID != "":
		b.mu.Lock()
		s, err := b.session(b.now(), p.SessionID, true)
		if err != nil {
			b.mu.Unlock()
			return stuiproto.InspectResult{}, err
		}
		var ok bool
		if v, ok = s.objects[p.ObjectID]; !ok {
			b.mu.Unlock()
			return stuiproto.InspectResult{}, perr(stuiproto.ErrObjectNotFound, "Object not found: %s", p.ObjectID)
		}
		id = p.ObjectID
		b.mu.Unlock()
	case p.Target != "":
		var err error
		var oid *string
		if v, _, oid, err = b.run(ctx, "", p.SessionID, p.Target, 0, false); err != nil {
			return stuiproto.InspectResult{}, err
		}
		if oid != nil {
			id = *oid
		} else {
			id = "obj_0"
		}
	default:
		return stuiproto.InspectResult{}, perr(stuiproto.ErrInvalidRequest, "inspect needs objectId or target")
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	r := stuiproto.InspectResult{ObjectID: id, InstanceVars: map[string]string{}, Slots: []stuiproto.Slot{},
		Offset: p.Offset, Limit: limit,
		ObjectInfo: stuiproto.ObjectInfo{ClassName: v.className(), StringRepresentation: v.printString(), Hash: int64(len(v.printString())*7919 + int(v.i))}}
	var slots []stuiproto.Slot
	switch v.kind {
	case kString:
		for i, ch := range []rune(v.s) {
			slots = append(slots, stuiproto.Slot{Name: fmt.Sprint(i + 1), PrintString: "$" + string(ch), ClassName: "Character"})
		}
		r.ObjectInfo.Size = len(slots)
	case kOrderedCollection:
		arr := "an Array(" + joinInts(v.list) + ")"
		last := fmt.Sprint(len(v.list))
		r.InstanceVars = map[string]string{"array": arr, "firstIndex": "1", "lastIndex": last}
		arrID := ""
		b.mu.Lock()
		if s, ok := b.sessions[p.SessionID]; ok {
			arrID = s.register(value{kind: kOrderedCollection, list: v.list})
		}
		b.mu.Unlock()
		slots = append(slots,
			stuiproto.Slot{Name: "array", PrintString: arr, ClassName: "Array", ObjectID: strPtr(arrID), HasSlots: true},
			stuiproto.Slot{Name: "firstIndex", PrintString: "1", ClassName: "SmallInteger"},
			stuiproto.Slot{Name: "lastIndex", PrintString: last, ClassName: "SmallInteger"})
		for i, x := range v.list {
			slots = append(slots, stuiproto.Slot{Name: fmt.Sprint(i + 1), PrintString: fmt.Sprint(x), ClassName: "SmallInteger"})
		}
		r.ObjectInfo.Size = len(v.list)
	case kFraction:
		for _, iv := range []struct {
			n string
			x int64
		}{{"numerator", v.i}, {"denominator", v.den}} {
			r.InstanceVars[iv.n] = fmt.Sprint(iv.x)
			slots = append(slots, stuiproto.Slot{Name: iv.n, PrintString: fmt.Sprint(iv.x), ClassName: "SmallInteger"})
		}
	}
	r.TotalSlots = len(slots)
	if p.Offset < len(slots) {
		r.Slots = slots[p.Offset:min(len(slots), p.Offset+limit)]
	}
	return r, nil
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
