package stuiclient_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	zmq "github.com/pebbe/zmq4"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

var pingReply = []byte(`{"id":"42","status":"success","result":{"message":"pong","status":"ready","uptime":12,"protocol_version":"1.1.0","server_name":"STUI","server_version":"0.1.0","dialect":"Pharo","dialect_version":"12.0.0","image_name":"Pharo.image"},"timestamp":"2026-11-26T21:30:00.000+00:00"}`)

// BenchmarkCodec: encoding a request envelope and decoding a reply envelope
// with its result, as one call does.
func BenchmarkCodec(b *testing.B) {
	params := stuiproto.EvaluateParams{Code: "3 + 4", SessionID: "session_1_1764190000_123"}
	for b.Loop() {
		p, _ := json.Marshal(params)
		if _, err := json.Marshal(stuiproto.Request{ID: "42", Command: stuiproto.CmdEvaluate, Parameters: p}); err != nil {
			b.Fatal(err)
		}
		rep, err := stuiproto.DecodeReply(pingReply)
		if err != nil {
			b.Fatal(err)
		}
		var r stuiproto.PingResult
		if err := json.Unmarshal(rep.Result, &r); err != nil {
			b.Fatal(err)
		}
	}
}

// echo answers every request with a fixed ping result, so the benchmarks
// measure the transport and the client, not a handler.
var echo = stuitest.HandlerFunc(func(_ context.Context, req *stuiproto.Request) *stuiproto.Reply {
	return &stuiproto.Reply{ID: req.ID, Status: stuiproto.StatusSuccess, Timestamp: "2026-11-26T21:30:00.000+00:00",
		Result: json.RawMessage(`{"message":"pong","status":"ready","protocol_version":"1.1.0"}`)}
})

// BenchmarkClientRoundTrip: ping round trips through the client against
// stuitest, with 1 and 8 requests in flight. p50 and p99 are per call.
func BenchmarkClientRoundTrip(b *testing.B) {
	for _, inflight := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("inflight-%d", inflight), func(b *testing.B) {
			srv := stuitest.NewServer(echo)
			defer srv.Close()
			c, err := stuiclient.New(srv.Endpoint)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			if _, err := c.Ping(ctx); err != nil {
				b.Fatal(err)
			}
			lat := make([][]time.Duration, inflight)
			var mu sync.Mutex
			next := 0
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := range inflight {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						mu.Lock()
						if next >= b.N {
							mu.Unlock()
							return
						}
						next++
						mu.Unlock()
						start := time.Now()
						if _, err := c.Ping(ctx); err != nil {
							b.Error(err)
							return
						}
						lat[w] = append(lat[w], time.Since(start))
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			reportLatency(b, lat)
		})
	}
}

// BenchmarkRawStuitest: the baseline for BenchmarkClientRoundTrip against
// the same stuitest server: bare zmq4 sockets, a REQ for one in flight and a
// DEALER keeping 8 or 64 outstanding.
func BenchmarkRawStuitest(b *testing.B) {
	for _, inflight := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("inflight-%d", inflight), func(b *testing.B) {
			srv := stuitest.NewServer(echo)
			defer srv.Close()
			typ := zmq.DEALER
			if inflight == 1 {
				typ = zmq.REQ
			}
			s, _ := zmq.NewSocket(typ)
			defer s.Close()
			s.SetLinger(0)
			if err := s.Connect(srv.Endpoint); err != nil {
				b.Fatal(err)
			}
			payload, _ := json.Marshal(stuiproto.Request{ID: "42", Command: stuiproto.CmdPing, Parameters: json.RawMessage(`{}`)})
			send := func() {
				if typ == zmq.DEALER {
					s.SendMessage("", payload)
				} else {
					s.SendBytes(payload, 0)
				}
			}
			sent := make([]time.Time, 0, b.N)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range min(inflight, b.N) {
				sent = append(sent, time.Now())
				send()
			}
			// The server answers each connection in order here (one handler
			// per request, but the echo handler takes no time), so the
			// replies' order is taken as the requests'.
			for len(lat) < b.N {
				if _, err := s.RecvMessageBytes(0); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(sent[len(lat)]))
				if len(sent) < b.N {
					sent = append(sent, time.Now())
					send()
				}
			}
			b.StopTimer()
			reportLatency(b, [][]time.Duration{lat})
		})
	}
}

// BenchmarkRawREQREP: the same exchange with bare zmq4 REQ and REP sockets in
// this process, as the baseline.
func BenchmarkRawREQREP(b *testing.B) {
	rep, _ := zmq.NewSocket(zmq.REP)
	rep.SetLinger(0)
	if err := rep.Bind("tcp://127.0.0.1:*"); err != nil {
		b.Fatal(err)
	}
	ep, _ := rep.GetLastEndpoint()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer rep.Close()
		for {
			msg, err := rep.RecvBytes(0)
			if err != nil || len(msg) == 0 {
				return
			}
			rep.SendBytes(pingReply, 0)
		}
	}()
	req, _ := zmq.NewSocket(zmq.REQ)
	req.SetLinger(0)
	req.Connect(ep)
	payload, _ := json.Marshal(stuiproto.Request{ID: "42", Command: stuiproto.CmdPing, Parameters: json.RawMessage(`{}`)})
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		req.SendBytes(payload, 0)
		if _, err := req.RecvBytes(0); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	req.SendBytes(nil, 0) // an empty message stops the server
	<-done
	req.Close()
	reportLatency(b, [][]time.Duration{lat})
}

func reportLatency(b *testing.B, per [][]time.Duration) {
	var all []time.Duration
	for _, l := range per {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
}
