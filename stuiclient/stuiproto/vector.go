package stuiproto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Vector is one request/reply example from testdata/protocol, in the format
// described at the end of docs/protocol.md.
type Vector struct {
	// Name is the file name without ".json", e.g. "evaluate.SyntaxError".
	Name        string      `json:"-"`
	Description string      `json:"description"`
	Needs       string      `json:"needs,omitempty"`
	Setup       []SetupStep `json:"setup,omitempty"`
	Request     Request     `json:"request"`
	Reply       Reply       `json:"reply"`
	Exact       []string    `json:"exact"`

	// RawRequest and RawReply are the request and reply exactly as written
	// in the file, for tests that check nothing is lost in decoding.
	RawRequest json.RawMessage `json:"-"`
	RawReply   json.RawMessage `json:"-"`
}

// SetupStep is a request a live server must run before the vector's request.
// Bind maps a literal used in the vector to a dotted path into this step's
// reply, such as "result.session_id".
type SetupStep struct {
	Command    string            `json:"command"`
	Parameters json.RawMessage   `json:"parameters,omitempty"`
	Bind       map[string]string `json:"bind,omitempty"`
}

// Conditions a live server must meet to reproduce a vector (Vector.Needs).
const (
	NeedsToken       = "token"       // the server is configured with the token "vectors-secret"
	NeedsClock       = "clock"       // session expiry: time must pass, or the server's clock be injectable
	NeedsConcurrency = "concurrency" // another request (interrupt) must arrive while this one runs
	NeedsFault       = "fault"       // only a server bug produces the reply
	// NeedsDebugger: the server has the debugger's commands (1.2, see
	// docs/debugging.md); the Pharo image side does not have them yet.
	NeedsDebugger = "debugger"
)

// ErrorType returns the error type named by the vector's file name, or "" for
// a success vector.
func (v *Vector) ErrorType() string {
	_, t, _ := strings.Cut(v.Name, ".")
	return t
}

// LoadVectors reads every *.json file of dir as a Vector, sorted by name.
// Unknown keys in a vector file are an error.
func LoadVectors(dir string) ([]Vector, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no vectors in %s", dir)
	}
	sort.Strings(paths)
	vs := make([]Vector, 0, len(paths))
	for _, p := range paths {
		v, err := ReadVector(p)
		if err != nil {
			return nil, err
		}
		vs = append(vs, *v)
	}
	return vs, nil
}

// ReadVector reads one vector file.
func ReadVector(path string) (*Vector, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Description string          `json:"description"`
		Needs       string          `json:"needs"`
		Setup       []SetupStep     `json:"setup"`
		Request     json.RawMessage `json:"request"`
		Reply       json.RawMessage `json:"reply"`
		Exact       []string        `json:"exact"`
	}
	if err := DecodeStrict(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	v := &Vector{
		Name:        strings.TrimSuffix(filepath.Base(path), ".json"),
		Description: raw.Description,
		Needs:       raw.Needs,
		Setup:       raw.Setup,
		Exact:       raw.Exact,
		RawRequest:  raw.Request,
		RawReply:    raw.Reply,
	}
	if err := json.Unmarshal(raw.Request, &v.Request); err != nil {
		return nil, fmt.Errorf("%s: request: %w", path, err)
	}
	if err := json.Unmarshal(raw.Reply, &v.Reply); err != nil {
		return nil, fmt.Errorf("%s: reply: %w", path, err)
	}
	return v, nil
}

// DecodeStrict decodes one JSON value into v, refusing keys v has no field
// for and trailing data.
func DecodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// LookupPath follows a vector's dotted path (a SetupStep.Bind value or an
// Exact entry, such as "result.session_id") into a reply decoded as JSON
// into any. A number steps into a list: "result.results.0.status".
func LookupPath(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		if list, ok := v.([]any); ok {
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(list) {
				return nil, false
			}
			v = list[i]
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}
