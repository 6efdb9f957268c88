package mcp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

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

// Request ids name an evaluation for interrupt, which the image matches
// across all its clients: the prefix keeps two MCP servers (two agents on
// one image) from stopping each other's work.
var (
	requestPrefix = func() string {
		var b [4]byte
		_, _ = rand.Read(b[:])
		return "mcp-" + hex.EncodeToString(b[:]) + "-"
	}()
	callCounter atomic.Uint64
)

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
	requestID := s.newRequestID()
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
	s.interruptIfCancelled(ctx, requestID)
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

func (s *Server) newRequestID() string {
	return requestPrefix + strconv.FormatUint(callCounter.Add(1), 10)
}

// interruptIfCancelled stops the work sent under requestID when the client
// gave up on the call (notifications/cancelled); the image answers that
// work's own request with Interrupted. A call returns as soon as its
// context ends, so this runs right after the cancellation.
func (s *Server) interruptIfCancelled(ctx context.Context, requestID string) {
	if !errors.Is(ctx.Err(), context.Canceled) {
		return // done, or our own deadline: the image stops the work itself
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var res stuiproto.InterruptResult
	err := recovering(func() error {
		return stuiproto.Call(ctx, s.opts.Image, stuiproto.InterruptCommand, stuiproto.InterruptParams{RequestID: requestID}, &res)
	})
	s.log.Info("interrupted cancelled work", zap.String("request", requestID), zap.Int("stopped", res.Interrupted), zap.Error(err))
}
