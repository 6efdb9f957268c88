package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// call sends one command of the protocol's table through the run's client
// and decodes the result into R, after checking that the result has every
// key R requires with the JSON type it requires (see checkShape). An error
// reply comes back as the *stuiproto.RemoteError; any other failure says what
// went wrong on the wire.
func call[P, R any](ctx context.Context, r *runner, cmd stuiproto.Command[P, R], params P) (*R, error) {
	return callWith(ctx, r, r.client, cmd, params)
}

func callWith[P, R any](ctx context.Context, r *runner, c *stuiclient.Client, cmd stuiproto.Command[P, R], params P) (*R, error) {
	raw, err := callRaw(ctx, r, c, cmd.Name, params, cmd.Wait(params))
	if err != nil {
		return nil, err
	}
	if err := checkShape(raw, reflect.TypeFor[R]()); err != nil {
		return nil, fmt.Errorf("%s: the result does not have the documented shape: %v", cmd.Name, err)
	}
	res := new(R)
	if err := json.Unmarshal(raw, res); err != nil {
		return nil, fmt.Errorf("%s: the result does not decode: %v", cmd.Name, err)
	}
	return res, nil
}

// callRaw sends any request, well-formed or not, and answers the raw result.
// It waits for the reply CallTimeout, or wait when that is longer (an
// evaluation's own timeout_ms and a margin).
func callRaw(ctx context.Context, r *runner, c *stuiclient.Client, command string, params any, wait time.Duration) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, max(r.cfg.CallTimeout, wait))
	defer cancel()
	before := c.Stats()
	var raw json.RawMessage
	err := c.Call(ctx, command, params, &raw)
	if err != nil {
		var re *stuiproto.RemoteError
		if errors.As(err, &re) {
			return nil, re
		}
		return nil, transportError(command, err, before, c.Stats())
	}
	return raw, nil
}

// transportError explains a call that got no usable reply, with what the
// client's counters saw meanwhile: a reply under an id nobody asked for is
// how a server that does not echo the request id shows itself.
func transportError(command string, err error, before, after stuiclient.Stats) error {
	var hints []string
	if after.DroppedStale > before.DroppedStale {
		hints = append(hints, "a reply came back under an id that matched no request: the server does not echo the request's id")
	}
	if after.BadReplies > before.BadReplies {
		hints = append(hints, "a reply was not a valid STUI reply")
	}
	msg := fmt.Sprintf("%s: %v", command, err)
	if len(hints) > 0 {
		msg += " (" + strings.Join(hints, "; ") + ")"
	}
	return &wireError{msg: msg, cause: err}
}

// wireError is a call that got no usable reply.
type wireError struct {
	msg   string
	cause error
}

func (e *wireError) Error() string { return e.msg }
func (e *wireError) Unwrap() error { return e.cause }

// expectError sends a request that the protocol says must fail with
// errorType and returns the error reply, or an error saying how the answer
// differed.
func expectError(ctx context.Context, r *runner, command string, params any, errorType string) (*stuiproto.RemoteError, error) {
	return expectErrorWith(ctx, r, r.client, command, params, errorType)
}

func expectErrorWith(ctx context.Context, r *runner, c *stuiclient.Client, command string, params any, errorType string) (*stuiproto.RemoteError, error) {
	_, err := callRaw(ctx, r, c, command, params, 0)
	var re *stuiproto.RemoteError
	switch {
	case err == nil:
		return nil, fmt.Errorf("answered success, want the error %s", errorType)
	case !errors.As(err, &re):
		return nil, err
	case re.Type != errorType:
		return nil, fmt.Errorf("answered %s (%q), want %s", re.Type, re.Message, errorType)
	case strings.TrimSpace(re.Message) == "":
		return nil, fmt.Errorf("answered %s without a message in \"error\"", re.Type)
	}
	return re, nil
}

// describe says how a reply went, for a check's detail.
func describe(err error) string {
	var re *stuiproto.RemoteError
	if errors.As(err, &re) {
		return fmt.Sprintf("answered %s: %s", re.Type, re.Message)
	}
	return err.Error()
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// checkShape checks a JSON value against the Go type the protocol's result
// decodes into (package stuiproto): every field without omitempty must be
// present; a field's value must have the JSON type of the Go field (a
// pointer also allows null; json.RawMessage allows anything). Keys the type
// does not know are allowed, as the protocol says. The types come from
// stuiproto, so the shapes checked here are the ones the client relies on.
func checkShape(data json.RawMessage, t reflect.Type) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	return shapeOf(v, t, "result")
}

func shapeOf(v any, t reflect.Type, path string) error {
	if t == rawMessageType {
		return nil
	}
	if t.Kind() == reflect.Pointer {
		if v == nil {
			return nil
		}
		return shapeOf(v, t.Elem(), path)
	}
	want := ""
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(string); !ok {
			want = "a string"
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			want = "a boolean"
		}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Float32, reflect.Uint, reflect.Uint64:
		f, ok := v.(float64)
		if !ok {
			want = "a number"
		} else if t.Kind() != reflect.Float64 && t.Kind() != reflect.Float32 && f != float64(int64(f)) {
			want = "an integer"
		}
	case reflect.Slice:
		items, ok := v.([]any)
		if !ok {
			want = "an array"
			break
		}
		for i, item := range items {
			if err := shapeOf(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			want = "an object"
			break
		}
		for k, item := range m {
			if err := shapeOf(item, t.Elem(), path+"."+k); err != nil {
				return err
			}
		}
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			want = "an object"
			break
		}
		return structShape(m, t, path)
	}
	if want != "" {
		return fmt.Errorf("%s: want %s, got %s", path, want, jsonType(v))
	}
	return nil
}

func structShape(m map[string]any, t reflect.Type, path string) error {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			if err := structShape(m, f.Type, path); err != nil {
				return err
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		v, present := m[name]
		if !present {
			if strings.Contains(opts, "omitempty") {
				continue
			}
			return fmt.Errorf("%s.%s: missing", path, name)
		}
		if err := shapeOf(v, f.Type, path+"."+name); err != nil {
			return err
		}
	}
	return nil
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", clip(v, 40))
	case bool:
		return fmt.Sprintf("the boolean %v", v)
	case float64:
		return fmt.Sprintf("the number %v", v)
	case []any:
		return "an array"
	}
	return "an object"
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}
