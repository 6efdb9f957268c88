package lsp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// evalTarget is what to evaluate and where it came from.
type evalTarget struct {
	doc  *document // nil for code given directly
	span span
	code string
}

// target resolves the arguments to code: explicit code, a selection, or the
// statement at the cursor (see resolveSelection).
func (s *server) target(args commandArgs) (evalTarget, error) {
	if args.URI == "" {
		if strings.TrimSpace(args.Code) == "" {
			return evalTarget{}, errInvalidParams(`give {"code": "..."} or {"uri": ..., "range": ...}`)
		}
		return evalTarget{code: args.Code}, nil
	}
	doc, ok := s.docs.get(args.URI)
	if !ok {
		return evalTarget{}, errInvalidParams("document %s is not open", args.URI)
	}
	if args.Range == nil {
		return evalTarget{}, errInvalidParams("missing range for %s", args.URI)
	}
	start, end := doc.lines().span(*args.Range, s.encoding)
	sp, kind := resolveSelection(doc, start, end).preferred()
	if kind == selectionNone && doc.file().Kind.IsTonel() {
		return evalTarget{}, errInvalidParams("nothing to evaluate at line %d, character %d: in a Tonel file only the statements of a method body are code", args.Range.Start.Line+1, args.Range.Start.Character+1)
	}
	if kind == selectionNone {
		return evalTarget{}, errInvalidParams("no statement at line %d, character %d", args.Range.Start.Line+1, args.Range.Start.Character+1)
	}
	start, end = sp.start, sp.end
	code := doc.text[start:end]
	if strings.TrimSpace(code) == "" {
		return evalTarget{}, errInvalidParams("nothing to evaluate in the selection")
	}
	return evalTarget{doc: doc, span: span{start, end}, code: code}, nil
}

// evaluateResult is what stui.evaluate returns to the editor.
type evaluateResult struct {
	Result        string  `json:"result"`
	ResultType    string  `json:"result_type"`
	ObjectID      *string `json:"object_id"`
	Truncated     bool    `json:"truncated"`
	ExecutionTime float64 `json:"execution_time"`
}

var requestCounter atomic.Uint64

// requestPrefix makes this process's request ids its own: the image matches
// an interrupt by request id across every client, so two editors counting
// from 1 would stop each other's evaluations.
var requestPrefix = func() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}()

// newRequestID names one evaluation or test run of this process.
func newRequestID(kind string) string {
	return kind + requestPrefix + "-" + strconv.FormatUint(requestCounter.Add(1), 10)
}

// interruptWait bounds the interrupt of a cancelled evaluation: the image
// answers it at once unless it is hung, and the editor may be waiting for
// this process to end.
const interruptWait = 500 * time.Millisecond

// interruptIfCancelled stops the image's work on requestID (an evaluation
// or a test run) once ctx is cancelled: the editor gave up on the request,
// or went away. Its result, deferred by the caller, makes sure the interrupt
// has gone out before the reply, after which the editor may end this
// process; and sends it when the work ended on the cancellation before the
// watch could start, which stopping the watch would otherwise skip.
func (s *server) interruptIfCancelled(ctx context.Context, requestID, what string) (settle func()) {
	interrupt := func() {
		ictx, icancel := context.WithTimeout(context.Background(), interruptWait)
		defer icancel()
		var res stuiproto.InterruptResult
		err := stuiproto.Call(ictx, s.image, stuiproto.InterruptCommand, stuiproto.InterruptParams{RequestID: requestID}, &res)
		s.log.Debug("interrupted cancelled "+what, zap.String("request", requestID), zap.Int("stopped", res.Interrupted), zap.Error(err))
	}
	interrupted := make(chan struct{})
	stopWatch := context.AfterFunc(ctx, func() {
		defer close(interrupted)
		interrupt()
	})
	return func() {
		if stopWatch() {
			if ctx.Err() != nil {
				interrupt()
			}
			return
		}
		<-interrupted
	}
}

// evaluate runs code in the workspace session. A cancelled request interrupts
// the evaluation in the image.
func (s *server) evaluate(ctx context.Context, t evalTarget, mode string) (*stuiproto.EvaluateResult, error) {
	if !s.image.available() {
		// The background reconnection pauses up to 5 s between tries: a
		// command the user runs asks the image itself first, and goes on if
		// it answered (whatever a retry that failed just before says).
		if _, err := s.image.handshake(ctx); err != nil {
			if _, _, lastErr := s.image.status(); lastErr != nil {
				return nil, notConnected(lastErr)
			}
			return nil, errNotConnected
		}
	}
	st := s.currentSettings()
	ws := s.sessions.forFolder(s.workspace.folderOf(t.doc))
	requestID := newRequestID("lsp-")
	callCtx, cancel := context.WithTimeout(stuiproto.WithRequestID(ctx, requestID), stuiproto.EvaluationWait(st.EvaluateTimeoutMS))
	defer cancel()

	defer s.interruptIfCancelled(ctx, requestID, "evaluation")()

	var res stuiproto.EvaluateResult
	err := ws.do(callCtx, func(id string) error {
		return stuiproto.Call(callCtx, s.image, stuiproto.EvaluateCommand, stuiproto.EvaluateParams{
			Code:           t.code,
			SessionID:      id,
			EvaluationMode: mode,
			MaxResultChars: st.MaxResultChars,
			TimeoutMS:      st.EvaluateTimeoutMS,
		}, &res)
	})
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if t.doc != nil {
		s.recordOutcome(ctx, t, mode, &res, err)
	}
	if err != nil {
		return nil, err
	}
	ws.markUsed()
	return &res, nil
}

// recordOutcome shows an evaluation in its document: the result of Evaluate
// as an inlay hint (Print it's result is in the text, Inspect it's in the
// inspector: a hint would show it twice), or the error as a diagnostic where
// it happened.
func (s *server) recordOutcome(ctx context.Context, t evalTarget, mode string, res *stuiproto.EvaluateResult, err error) {
	u := t.doc.uri
	// The "Debug it" lens follows the failures: the editor asks for lenses
	// again only when told to.
	hadFailure := len(s.failedEvaluations(t.doc, t.span.start, t.span.end)) > 0
	defer func() {
		if s.caps.codeLensRefresh && (hadFailure || len(s.failedEvaluations(t.doc, t.span.start, t.span.end)) > 0) {
			s.goBackground(ctx, "refresh code lenses", func(ctx context.Context) { _ = s.client.CodeLensRefresh(ctx) })
		}
	}()
	s.diags.clearLive(u, sourceEvaluate, t.span.start, t.span.end)
	if err == nil && mode != stuiproto.ModeDisplay {
		s.republish(ctx, u)
		return
	}
	if err == nil {
		s.results.put(u, t.span, res, s.currentSettings().InlineResultChars)
		if s.caps.inlayHintRefresh {
			s.goBackground(ctx, "refresh inlay hints", s.refreshInlayHints)
		}
		s.republish(ctx, u)
		return
	}
	var remote *stuiproto.RemoteError
	if !errors.As(err, &remote) {
		return
	}
	d := spanDiagnostic{
		anchored: anchored{t.span.start, t.span.end},
		severity: protocol.DiagnosticSeverityError,
		source:   sourceEvaluate,
		code:     remote.Type,
		message:  remote.Message,
	}
	switch remote.Type {
	case stuiproto.ErrSyntax, stuiproto.ErrCompile:
		if det := remote.Details; det != nil && det.Line > 0 {
			at := t.span.start + offsetAtLineColumn(t.code, det.Line, det.Column)
			d.anchored = anchored{at, tokenEnd(t.doc.text, at, t.span.end)}
		}
	case stuiproto.ErrRuntime:
		if det := remote.Details; det != nil && det.ErrorClass != "" {
			d.message = det.ErrorClass + ": " + remote.Message
		}
		if len(remote.StackTrace) > 0 {
			frames := remote.StackTrace
			if len(frames) > 6 {
				frames = frames[:6]
			}
			d.message += "\n" + strings.Join(frames, "\n")
		}
	case stuiproto.ErrTimeout, stuiproto.ErrInterrupted:
		d.severity = protocol.DiagnosticSeverityWarning
	}
	s.diags.addLive(u, d)
	s.republish(ctx, u)
}

// tokenEnd finds the end of the word or symbol starting at off, so a syntax
// error underlines something visible.
func tokenEnd(text string, off, limit int) int {
	if off >= limit || off >= len(text) {
		return min(off+1, len(text))
	}
	end := off
	for end < limit && end < len(text) && !strings.ContainsRune(" \t\r\n.", rune(text[end])) {
		end++
	}
	if end == off {
		end = off + 1
	}
	return end
}

func (s *server) runEvaluate(ctx context.Context, args commandArgs, mode string) (*evaluateResult, error) {
	t, err := s.target(args)
	if err != nil {
		return nil, err
	}
	res, err := s.evaluate(ctx, t, mode)
	if err != nil {
		return nil, s.imageError(err)
	}
	if t.doc != nil && !s.caps.inlayHintRefresh {
		// The inlay hint would show only at the editor's next request for
		// hints (Helix, eglot): say the result now as well.
		s.tellUser(ctx, protocol.MessageTypeInfo, "stui: "+flattenSpace(oneLine(t.code, 60))+" → "+flattenSpace(oneLine(res.Result, 200)))
	}
	return &evaluateResult{Result: res.Result, ResultType: res.ResultType, ObjectID: res.ObjectID, Truncated: res.Truncated, ExecutionTime: res.ExecutionTime}, nil
}

// printItResult adds the edit print-it made, if any.
type printItResult struct {
	evaluateResult
	Inserted bool `json:"inserted"`
}

// runPrintIt evaluates and, as Pharo's print-it does, inserts the printString
// after the code as a comment, through the editor so its undo covers it.
func (s *server) runPrintIt(ctx context.Context, args commandArgs) (*printItResult, error) {
	t, err := s.target(args)
	if err != nil {
		return nil, err
	}
	res, err := s.evaluate(ctx, t, stuiproto.ModePrint)
	if err != nil {
		return nil, s.imageError(err)
	}
	out := &printItResult{evaluateResult: evaluateResult{Result: res.Result, ResultType: res.ResultType, ObjectID: res.ObjectID, Truncated: res.Truncated, ExecutionTime: res.ExecutionTime}}
	if t.doc == nil || !s.caps.applyEdit {
		return out, nil
	}
	if now, ok := s.docs.get(t.doc.uri); !ok || now.version != t.doc.version {
		// The text changed while the image evaluated: the offset is stale.
		s.tellUser(ctx, protocol.MessageTypeWarning, "stui: the document changed during Print it; the result "+res.Result+" was not inserted")
		return out, nil
	}
	label := "print it"
	applied, err := s.client.ApplyEdit(ctx, &protocol.ApplyWorkspaceEditParams{
		Label: &label,
		Edit:  s.insertionEdit(t.doc, t.span.end, " "+smalltalkComment(res.Result)),
	})
	if err != nil {
		s.log.Warn("print-it edit failed", zap.Error(err))
		return out, nil
	}
	out.Inserted = applied != nil && applied.Applied
	return out, nil
}

// smalltalkComment quotes text as a Smalltalk comment.
func smalltalkComment(text string) string {
	return `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
}
