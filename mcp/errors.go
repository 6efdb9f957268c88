package mcp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// ToolError is the detail of a failed tool call, in its _meta: what the agent
// needs to correct its code or its request.
type ToolError struct {
	// ErrorType is the image's error_type (SyntaxError, RuntimeError,
	// ClassNotFound, ...), or ImageUnavailable, Refused, Cancelled and
	// InvalidArguments for what stui-lsp itself reports.
	ErrorType string `json:"error_type"`
	Message   string `json:"message"`
	// Line and Column (1-based, in characters of the submitted code or
	// source) for SyntaxError and CompileError.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// ErrorClass and Stack (innermost frame first) for RuntimeError.
	ErrorClass string   `json:"error_class,omitempty"`
	Stack      []string `json:"stack,omitempty"`
}

// The error types stui-lsp reports beside the image's own.
const (
	errImageUnavailable = "ImageUnavailable"
	errRefused          = "Refused"
	errCancelled        = "Cancelled"
	errInvalidArguments = "InvalidArguments"
)

// errorMetaKey names the ToolError in a failed result's _meta.
const errorMetaKey = "stui-lsp/error"

// shortStack is how many frames of a runtime error the agent sees.
const shortStack = 10

// invalidArgs is an error in the agent's arguments found before the image
// is asked.
type invalidArgs struct{ msg string }

func (e *invalidArgs) Error() string { return e.msg }

func badArgs(format string, args ...any) error { return &invalidArgs{fmt.Sprintf(format, args...)} }

// toolError turns a failed call into a tool result the agent can read:
// errors in the image, an unreachable image, a refusal and bad arguments
// are all answers to the call, not protocol failures. source is the code
// the agent sent, to point at a syntax error's line.
func (s *Server) toolError(ctx context.Context, tool string, err error, source string) *sdk.CallToolResult {
	te := s.describe(ctx, err)
	var b strings.Builder
	fmt.Fprintf(&b, "%s failed: %s: %s", tool, te.ErrorType, te.Message)
	if te.Line > 0 {
		fmt.Fprintf(&b, " (line %d, column %d)", te.Line, te.Column)
		if marked := markColumn(source, te.Line, te.Column); marked != "" {
			b.WriteString("\n" + marked)
		}
	}
	if te.ErrorClass != "" {
		fmt.Fprintf(&b, "\nerror class: %s", te.ErrorClass)
	}
	if len(te.Stack) > 0 {
		b.WriteString("\nstack (innermost first):")
		for _, f := range te.Stack {
			b.WriteString("\n  " + f)
		}
	}
	// Not structuredContent: clients check that against the tool's output
	// schema, which describes success. Programs find the fields in _meta.
	res := &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: capText(b.String(), s.textLimit())}}}
	res.Meta = sdk.Meta{errorMetaKey: te}
	res.IsError = true
	return res
}

func (s *Server) describe(ctx context.Context, err error) ToolError {
	var remote *stuiproto.RemoteError
	var bad *invalidArgs
	switch {
	case errors.As(err, &remote):
		te := ToolError{ErrorType: remote.Type, Message: remote.Message}
		if d := remote.Details; d != nil {
			te.Line, te.Column, te.ErrorClass = d.Line, d.Column, d.ErrorClass
		}
		if len(remote.StackTrace) > 0 {
			te.Stack = remote.StackTrace[:min(len(remote.StackTrace), shortStack)]
		}
		return te
	case errors.As(err, &bad):
		return ToolError{ErrorType: errInvalidArguments, Message: bad.msg}
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
		return ToolError{ErrorType: errCancelled, Message: "the call was cancelled; a running evaluation was interrupted in the image"}
	case errors.Is(err, stuiproto.ErrUnavailable):
		return ToolError{ErrorType: errImageUnavailable, Message: fmt.Sprintf(
			"no image answers at %s (%v). Start the image's STUI server, or pass the right --endpoint; nothing was run", s.opts.Endpoint, err)}
	case errors.Is(err, stuiproto.ErrDeadline), errors.Is(err, context.DeadlineExceeded):
		return ToolError{ErrorType: stuiproto.ErrTimeout, Message: fmt.Sprintf(
			"the image did not answer in time (%v); an evaluation is stopped by the image at its own deadline", err)}
	}
	return ToolError{ErrorType: stuiproto.ErrInternal, Message: err.Error()}
}

// markColumn shows line of source with a caret under column, or "" when the
// position is not in source.
func markColumn(source string, line, column int) string {
	lines := strings.Split(source, "\n")
	if line < 1 || line > len(lines) || column < 1 {
		return ""
	}
	text := []rune(lines[line-1])
	if column > len(text)+1 {
		return ""
	}
	pad := make([]rune, column-1)
	for i := range pad {
		pad[i] = ' '
		if text[i] == '\t' {
			pad[i] = '\t'
		}
	}
	return "  " + string(text) + "\n  " + string(pad) + "^"
}

// capText cuts text to limit characters and says so.
func capText(text string, limit int) string {
	r := []rune(text)
	if len(r) <= limit {
		return text
	}
	return string(r[:limit]) + fmt.Sprintf("\n… (cut: %d more characters)", len(r)-limit)
}
