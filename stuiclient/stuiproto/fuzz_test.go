package stuiproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// fuzzSeedReplies adds every reply of testdata/protocol, and a few broken
// ones, to the corpus.
func fuzzSeedReplies(f *testing.F) []Vector {
	f.Helper()
	vectors, err := LoadVectors(vectorDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range vectors {
		f.Add([]byte(v.RawReply))
	}
	for _, s := range []string{
		``, `null`, `[]`, `"x"`, `{}`, `{"status":"success"}`, `{"status":"error"}`,
		`{"id":"1","status":"success","result":null}`,
		`{"id":"1","status":"error","error_type":"","details":{"line":-1}}`,
		`{"id":1,"status":"success"}`, `{"id":"1","status":"success","result":{"a":` + "\xff" + `}}`,
		`{"id":"1","status":"success","stack_trace":[1,2]}`, `{"id":"1","id":"2","status":"error"}`,
	} {
		f.Add([]byte(s))
	}
	return vectors
}

// FuzzDecodeReply: DecodeReply never panics; what it accepts is a success or
// an error reply, Err agrees with the status, and encoding the decoded reply
// and decoding it again gives the same reply.
func FuzzDecodeReply(f *testing.F) {
	fuzzSeedReplies(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeReply(data)
		if err != nil {
			if r != nil {
				t.Fatalf("error %v with a reply", err)
			}
			return
		}
		err = r.Err("evaluate")
		switch r.Status {
		case StatusSuccess:
			if err != nil {
				t.Fatalf("success reply gives error %v", err)
			}
		case StatusError:
			var remote *RemoteError
			if !errors.As(err, &remote) || remote.Type == "" {
				t.Fatalf("error reply gives %v", err)
			}
			if !errors.Is(err, &RemoteError{Type: r.ErrorType}) {
				t.Fatalf("errors.Is by type %q fails", r.ErrorType)
			}
			_ = err.Error()
		default:
			t.Fatalf("accepted status %q", r.Status)
		}
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("re-encoding an accepted reply: %v", err)
		}
		r2, err := DecodeReply(again)
		if err != nil {
			t.Fatalf("decoding a re-encoded reply: %v\n%s", err, again)
		}
		third, _ := json.Marshal(r2)
		if !bytes.Equal(again, third) {
			t.Fatalf("not stable:\n%s\n%s", again, third)
		}
	})
}

// FuzzDecodeResult decodes arbitrary JSON as the result of each command, with
// the lenient decoder the client uses and the strict one the vector tests
// use: neither may panic, and what decodes must encode again.
func FuzzDecodeResult(f *testing.F) {
	vectors := fuzzSeedReplies(f)
	for _, v := range vectors {
		if len(v.Reply.Result) > 0 {
			f.Add([]byte(v.Reply.Result))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, cmd := range Commands {
			for _, strict := range []bool{false, true} {
				v := NewResult(cmd)
				if v == nil {
					t.Fatalf("no result type for %s", cmd)
				}
				var err error
				if strict {
					err = DecodeStrict(data, v)
				} else {
					err = json.Unmarshal(data, v)
				}
				if err != nil {
					continue
				}
				if _, err := json.Marshal(v); err != nil {
					t.Fatalf("%s: decoded %q but cannot encode it: %v", cmd, data, err)
				}
			}
		}
		// The parameters come from the editor's side: decoding them is
		// what the image does, and stuitest does with these types.
		for _, cmd := range Commands {
			if p := NewParams(cmd); p != nil {
				_ = json.Unmarshal(data, p)
			}
		}
	})
}
