package stuiclient

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// The hand-written request envelope is byte for byte what json.Marshal makes
// of stuiproto.Request, whatever the id, command and token hold.
func TestEncodeRequestIsWhatJSONMarshalGives(t *testing.T) {
	strs := []string{"", "42", "lsp-1a2b3c4d-17", `quote"back\slash`, "tab\tnewline\n", "<html>&", "héllo", "\u2028", "\x7f", "bad\xffutf8"}
	params := []json.RawMessage{json.RawMessage("{}"), json.RawMessage(`{"code":"3 \u003c 4","session_id":"s"}`), nil}
	for _, id := range strs {
		for _, tok := range strs {
			for _, p := range params {
				want, err := json.Marshal(&stuiproto.Request{ID: id, Command: stuiproto.CmdEvaluate, Parameters: p, Token: tok})
				if err != nil {
					t.Fatal(err)
				}
				if got := encodeRequest(id, stuiproto.CmdEvaluate, tok, p); string(got) != string(want) {
					t.Errorf("id %q token %q params %s:\n got %s\nwant %s", id, tok, p, got, want)
				}
			}
		}
	}
}

// The one-pass reply decoder gives what encoding/json gives (the slow path),
// for the replies the STUI servers send and for odd ones.
func TestDecodeReplyMatchesTheSlowPath(t *testing.T) {
	replies := []string{
		`{"id":"1","status":"success","result":{"result":"7","result_type":"SmallInteger","execution_time":0.012,"has_error":false,"object_id":null,"truncated":false,"evaluation_mode":"display"},"timestamp":"2026-11-26T21:30:00.000+00:00"}`,
		`{"id":"1","status":"success","result":{"result":"7","object_id":"obj-3","Result_Type":"SmallInteger"}}`,
		`{"id":"1","status":"success","result":{"result":"7","resulttype":"X","RESULT-TYPE":"Y","Object_ID":"o"}}`,
		`{"id":"1","status":"success","result":{"result":"a","result":"b"}}`,
		"{\"id\":\"1\",\"status\":\"success\",\"result\":{\"result\":\"caf\xe9\"}}",
		`{"status":"success","id":"1","extra":[1,{"x":null}],"result":{"truncated":true,"unknown":{"deep":[1,2,3]}}}`,
		`{"id":"1","status":"success","result":null}`,
		`{"id":"1","status":"success"}`,
		`{"id":"1","status":"error","error":"boom","error_type":"RuntimeError","details":{"error_class":"ZeroDivide","line":1,"column":3},"stack_trace":["a","b"]}`,
		`{"id":"1","status":"error","error":"no type"}`,
		`{"id":"1","status":"pending","result":{}}`,
		`{"id":"1","status":"success","result":{"result":7}}`,
		`{"id":"1","status":"success","result":{"execution_time":"fast"}}`,
		`{"id":"1","status":"success","result":{"result":"7"}} trailing`,
		`{"id":"1","status":"success","result":{"result":"7"`,
		`[]`,
	}
	for _, data := range replies {
		var fast, slow stuiproto.EvaluateResult
		fastErr := decodeReply(stuiproto.CmdEvaluate, "1", []byte(data), &fast)
		slowErr := decodeReplySlowly(stuiproto.CmdEvaluate, "1", []byte(data), &slow)
		if (fastErr == nil) != (slowErr == nil) {
			t.Errorf("%s:\n one-pass error %v\n encoding/json error %v", data, fastErr, slowErr)
			continue
		}
		if fastErr == nil && !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s:\n one-pass %+v\n encoding/json %+v", data, fast, slow)
		}
		var fastRemote, slowRemote *stuiproto.RemoteError
		if errors.As(fastErr, &fastRemote) != errors.As(slowErr, &slowRemote) || (fastRemote != nil && !reflect.DeepEqual(fastRemote, slowRemote)) {
			t.Errorf("%s:\n one-pass error %#v\n encoding/json error %#v", data, fastErr, slowErr)
		}
		if ignored := decodeReply(stuiproto.CmdEvaluate, "1", []byte(data), nil); (ignored == nil) != (decodeReplySlowly(stuiproto.CmdEvaluate, "1", []byte(data), nil) == nil) {
			t.Errorf("%s without a result value: one-pass error %v", data, ignored)
		}
	}
}

// FuzzDecodeReply: whatever the bytes, the one-pass decoder fails when
// encoding/json fails and gives the same result when it does not.
func FuzzDecodeReply(f *testing.F) {
	for _, seed := range []string{
		`{"id":"1","status":"success","result":{"result":"7","result_type":"SmallInteger","execution_time":0.5,"object_id":null,"truncated":false}}`,
		`{"id":"1","status":"error","error":"boom","error_type":"RuntimeError","details":{"line":1},"stack_trace":["a"]}`,
		`{"id":"1","status":"success","result":{"result":"a","Result":"b","object_id":"x"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast, slow stuiproto.EvaluateResult
		fastErr := decodeReply(stuiproto.CmdEvaluate, "1", data, &fast)
		slowErr := decodeReplySlowly(stuiproto.CmdEvaluate, "1", data, &slow)
		if (fastErr == nil) != (slowErr == nil) {
			t.Fatalf("%q: one-pass error %v, encoding/json error %v", data, fastErr, slowErr)
		}
		if fastErr == nil && !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: one-pass %+v, encoding/json %+v", data, fast, slow)
		}
	})
}
