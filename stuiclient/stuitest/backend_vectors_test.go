package stuitest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

const vectorDir = "../../testdata/protocol"

// TestBackendConformsToVectors runs every vector against a fresh Backend the
// way the Pharo tests run them against the image: setup, bindings, then the
// request, checking the exact paths and the JSON types of everything else.
func TestBackendConformsToVectors(t *testing.T) {
	vs, err := stuiproto.LoadVectors(vectorDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			if v.Needs == stuiproto.NeedsFault {
				t.Skip("only a server bug produces this reply")
			}
			b := NewBackend()
			clock := time.Date(2026, 11, 26, 21, 30, 0, 0, time.UTC)
			b.SetClock(func() time.Time { return clock })
			srv := &Server{handler: b}
			ctx := context.Background()
			bind := map[string]string{}
			for i, step := range v.Setup {
				payload := fmt.Sprintf(`{"id":"setup-%d","command":%q,"parameters":%s}`, i, step.Command, substitute(string(step.Parameters), bind))
				rep := srv.serve(ctx, []byte(payload), "")
				if rep.Status != stuiproto.StatusSuccess {
					t.Fatalf("setup[%d] %s: %s: %s", i, step.Command, rep.ErrorType, rep.Error)
				}
				var got any
				data, _ := json.Marshal(rep)
				json.Unmarshal(data, &got)
				for lit, path := range step.Bind {
					val, ok := stuiproto.LookupPath(got, path)
					if !ok {
						t.Fatalf("setup[%d]: no %s in the reply", i, path)
					}
					bind[lit] = fmt.Sprint(val)
				}
			}
			token := ""
			switch v.Needs {
			case stuiproto.NeedsToken:
				token = "vectors-secret"
			case stuiproto.NeedsClock:
				clock = clock.Add(2 * time.Hour)
			}
			req := substitute(string(v.RawRequest), bind)
			var rep *stuiproto.Reply
			if v.Needs == stuiproto.NeedsConcurrency {
				rep = serveInterrupted(t, srv, b, req)
			} else {
				rep = srv.serve(ctx, []byte(req), token)
			}
			data, _ := json.Marshal(rep)
			var got, want any
			json.Unmarshal(data, &got)
			json.Unmarshal([]byte(substitute(string(v.RawReply), bind)), &want)
			for _, p := range v.Exact {
				w, _ := stuiproto.LookupPath(want, p)
				g, ok := stuiproto.LookupPath(got, p)
				wj, _ := json.Marshal(w)
				gj, _ := json.Marshal(g)
				if !ok || string(wj) != string(gj) {
					t.Errorf("exact %s: want %s, got %s\nreply: %s", p, wj, gj, data)
				}
			}
			for _, d := range sameShape("$", want, got) {
				t.Error(d)
			}
		})
	}
}

// serveInterrupted starts the request and interrupts its session once the
// evaluation is running.
func serveInterrupted(t *testing.T, srv *Server, b *Backend, req string) *stuiproto.Reply {
	var r stuiproto.Request
	json.Unmarshal([]byte(req), &r)
	var p stuiproto.EvaluateParams
	json.Unmarshal(r.Parameters, &p)
	done := make(chan *stuiproto.Reply, 1)
	go func() { done <- srv.serve(context.Background(), []byte(req), "") }()
	for {
		select {
		case rep := <-done:
			return rep
		default:
		}
		if n := b.interrupt(&stuiproto.InterruptParams{SessionID: p.SessionID}).(stuiproto.InterruptResult).Interrupted; n == 1 {
			return <-done
		}
		time.Sleep(time.Millisecond) // the evaluation has not registered yet: let it run
	}
}

func substitute(s string, bind map[string]string) string {
	for lit, val := range bind {
		s = strings.ReplaceAll(s, lit, val)
	}
	return s
}

// sameShape checks the vector rule: every key of want is in got with a value
// of the same JSON type; null in want matches anything.
func sameShape(path string, want, got any) []string {
	if want == nil {
		return nil
	}
	if fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
		return []string{fmt.Sprintf("%s: want a %T, got %T (%v)", path, want, got, got)}
	}
	var diffs []string
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			diffs = append(diffs, sameShape(path+"."+k, wv, gv)...)
		}
	case []any:
		g := got.([]any)
		if len(w) > 0 && len(g) > 0 {
			diffs = append(diffs, sameShape(path+"[0]", w[0], g[0])...)
		}
	}
	return diffs
}
