package stuiproto

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

const (
	vectorDir = "../../testdata/protocol"
	docPath   = "../../docs/protocol.md"
)

// Error types any command may answer, beyond those its section documents.
var genericErrors = []string{ErrInvalidRequest, ErrUnsupportedOperation, ErrPermissionDenied, ErrInternal}

func loadVectors(t *testing.T) []Vector {
	t.Helper()
	vs, err := LoadVectors(vectorDir)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// roundTrip decodes data strictly into v, re-encodes it and requires the
// result to be the same JSON value: a key the struct lacks fails the decode,
// a field the struct adds (or an omitempty that drops a written value) fails
// the comparison.
func roundTrip(t *testing.T, what string, data []byte, v any) {
	t.Helper()
	if err := DecodeStrict(data, v); err != nil {
		t.Errorf("%s: strict decode into %T: %v", what, v, err)
		return
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Errorf("%s: re-encode %T: %v", what, v, err)
		return
	}
	for _, d := range diffJSON(t, data, out) {
		t.Errorf("%s (%T): %s", what, v, d)
	}
}

func diffJSON(t *testing.T, want, got []byte) []string {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	var diffs []string
	walkDiff("$", w, g, &diffs)
	return diffs
}

func walkDiff(path string, want, got any, diffs *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*diffs = append(*diffs, fmt.Sprintf("%s: want object, got %T", path, got))
			return
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				*diffs = append(*diffs, fmt.Sprintf("%s.%s: lost in re-encoding", path, k))
				continue
			}
			walkDiff(path+"."+k, wv, gv, diffs)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				*diffs = append(*diffs, fmt.Sprintf("%s.%s: added by re-encoding", path, k))
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			*diffs = append(*diffs, fmt.Sprintf("%s: want %v, got %v", path, want, got))
			return
		}
		for i := range w {
			walkDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], diffs)
		}
	default:
		if !reflect.DeepEqual(want, got) {
			*diffs = append(*diffs, fmt.Sprintf("%s: want %v, got %v", path, want, got))
		}
	}
}

func TestVectorsRoundTrip(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			cmd := v.Request.Command
			errType := v.ErrorType()
			known := slices.Contains(Commands, cmd)
			if !known && errType != ErrUnsupportedOperation {
				t.Fatalf("unknown command %q in a vector that does not expect UnsupportedOperation", cmd)
			}

			roundTrip(t, "request envelope", v.RawRequest, new(Request))
			if known && errType != ErrInvalidRequest {
				roundTrip(t, "request.parameters", v.Request.Parameters, NewParams(cmd))
			}

			roundTrip(t, "reply envelope", v.RawReply, new(Reply))
			rep, err := DecodeReply(v.RawReply)
			if err != nil {
				t.Fatal(err)
			}
			if errType == "" {
				if rep.Status != StatusSuccess || rep.Err(cmd) != nil {
					t.Fatalf("success vector has status %q", rep.Status)
				}
				roundTrip(t, "reply.result", rep.Result, NewResult(cmd))
			} else {
				var re *RemoteError
				if rerr := rep.Err(cmd); rerr == nil || !errorsAs(rerr, &re) || re.Type != errType {
					t.Fatalf("vector named for %s has reply error %v", errType, rerr)
				}
				if rep.Error == "" {
					t.Error("error reply without a message")
				}
				if rep.Result != nil {
					t.Error("error reply with a result")
				}
			}

			for i, s := range v.Setup {
				if !slices.Contains(Commands, s.Command) {
					t.Errorf("setup[%d]: unknown command %q", i, s.Command)
					continue
				}
				roundTrip(t, fmt.Sprintf("setup[%d].parameters", i), s.Parameters, NewParams(s.Command))
			}
		})
	}
}

func errorsAs(err error, target **RemoteError) bool {
	re, ok := err.(*RemoteError)
	if ok {
		*target = re
	}
	return ok
}

// TestVectorsWellFormed checks what a live harness relies on: ids echoed,
// exact paths that exist, bind literals that are used, names that match.
func TestVectorsWellFormed(t *testing.T) {
	needs := []string{"", NeedsToken, NeedsClock, NeedsConcurrency, NeedsFault, NeedsDebugger}
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			cmd, errType, _ := strings.Cut(v.Name, ".")
			if v.Request.Command != cmd {
				t.Errorf("file named for %q holds a %q request", cmd, v.Request.Command)
			}
			if v.Reply.ErrorType != errType {
				t.Errorf("file named for error %q holds reply error_type %q", errType, v.Reply.ErrorType)
			}
			if v.Request.ID == "" || v.Request.ID != v.Reply.ID {
				t.Errorf("request id %q, reply id %q", v.Request.ID, v.Reply.ID)
			}
			if v.Description == "" {
				t.Error("no description")
			}
			if !slices.Contains(needs, v.Needs) {
				t.Errorf("needs %q is not one of %q", v.Needs, needs)
			}
			if v.Reply.Timestamp == "" {
				t.Error("reply without timestamp")
			}
			if !slices.Contains(v.Exact, "status") {
				t.Error(`exact lacks "status"`)
			}
			if errType != "" && !slices.Contains(v.Exact, "error_type") {
				t.Error(`exact lacks "error_type"`)
			}
			var reply any
			if err := json.Unmarshal(v.RawReply, &reply); err != nil {
				t.Fatal(err)
			}
			for _, p := range v.Exact {
				if _, ok := LookupPath(reply, p); !ok {
					t.Errorf("exact path %q is not in the reply", p)
				}
			}
			for i, s := range v.Setup {
				for lit, path := range s.Bind {
					if !strings.HasPrefix(path, "result.") {
						t.Errorf("setup[%d]: bind path %q does not start with result.", i, path)
					}
					usedLater := slices.ContainsFunc(v.Setup[i+1:], func(l SetupStep) bool { return strings.Contains(string(l.Parameters), lit) })
					if !strings.Contains(string(v.RawRequest), lit) && !strings.Contains(string(v.RawReply), lit) && !usedLater {
						t.Errorf("setup[%d]: bound literal %q is used neither in a later setup step, the request nor the reply", i, lit)
					}
				}
			}
		})
	}
}

type docContract struct {
	errorTypes []string            // the error types table
	errors     map[string][]string // command -> documented errors
}

// parseDoc reads the error types table and each command's "Errors:" line
// from docs/protocol.md.
func parseDoc(t *testing.T) docContract {
	t.Helper()
	data, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	c := docContract{errors: map[string][]string{}}
	for _, m := range regexp.MustCompile("(?m)^\\| `(\\w+)` \\|").FindAllStringSubmatch(doc, -1) {
		c.errorTypes = append(c.errorTypes, m[1])
	}
	sections := regexp.MustCompile(`(?m)^### (\w+)`).FindAllStringSubmatchIndex(doc, -1)
	errLine := regexp.MustCompile(`(?s)\nErrors: (.*?)\.\n`)
	ident := regexp.MustCompile("`([A-Z]\\w+)`")
	for i, s := range sections {
		name := doc[s[2]:s[3]]
		end := len(doc)
		if i+1 < len(sections) {
			end = sections[i+1][0]
		}
		c.errors[name] = nil
		if m := errLine.FindStringSubmatch(doc[s[1]:end]); m != nil {
			for _, id := range ident.FindAllStringSubmatch(m[1], -1) {
				if slices.Contains(c.errorTypes, id[1]) && !slices.Contains(c.errors[name], id[1]) {
					c.errors[name] = append(c.errors[name], id[1])
				}
			}
		}
	}
	return c
}

func TestVectorsCoverTheContract(t *testing.T) {
	doc := parseDoc(t)
	if len(doc.errorTypes) < 16 {
		t.Fatalf("parsed only %d error types from %s: %v", len(doc.errorTypes), docPath, doc.errorTypes)
	}
	names := map[string]bool{}
	seenErr := map[string]bool{}
	for _, v := range loadVectors(t) {
		names[v.Name] = true
		if e := v.ErrorType(); e != "" {
			seenErr[e] = true
		}
	}

	documented := make([]string, 0, len(doc.errors))
	for cmd := range doc.errors {
		documented = append(documented, cmd)
	}
	sort.Strings(documented)
	if !slices.Equal(documented, sortedCopy(Commands)) {
		t.Errorf("commands documented in %s:\n %v\nstuiproto.Commands:\n %v", docPath, documented, sortedCopy(Commands))
	}

	for _, cmd := range Commands {
		if NewParams(cmd) == nil || NewResult(cmd) == nil {
			t.Errorf("%s: no typed params or result in the registry", cmd)
		}
		if !names[cmd] {
			t.Errorf("%s: no vector %s.json", cmd, cmd)
		}
		for _, e := range doc.errors[cmd] {
			if !names[cmd+"."+e] {
				t.Errorf("%s: documented error %s has no vector %s.%s.json", cmd, e, cmd, e)
			}
		}
	}
	for _, e := range doc.errorTypes {
		if !seenErr[e] {
			t.Errorf("documented error type %s has no vector", e)
		}
	}
	for name := range names {
		cmd, e, ok := strings.Cut(name, ".")
		if ok && slices.Contains(Commands, cmd) && !slices.Contains(doc.errors[cmd], e) && !slices.Contains(genericErrors, e) {
			t.Errorf("vector %s: %s does not document error %s", name, cmd, e)
		}
	}
}

// TestErrorConstants keeps the Go error type constants and the doc's table
// in step.
func TestErrorConstants(t *testing.T) {
	consts := []string{ErrInvalidRequest, ErrUnsupportedOperation, ErrPermissionDenied, ErrSession,
		ErrSessionNotFound, ErrSessionExpired, ErrSyntax, ErrCompile, ErrRuntime, ErrTimeout,
		ErrInterrupted, ErrObjectNotFound, ErrClassNotFound, ErrMethodNotFound, ErrVariableNotFound, ErrInternal}
	if got := parseDoc(t).errorTypes; !slices.Equal(sortedCopy(got), sortedCopy(consts)) {
		t.Errorf("doc error types %v, constants %v", got, consts)
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}
