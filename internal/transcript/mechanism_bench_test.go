package transcript

// Two ways for an image to push its Transcript to stui-lsp, measured over
// real ZeroMQ on loopback, both ends in this process: a PUB socket beside
// the request socket, and a long-polled request on the request socket
// itself (the client keeps one `transcript` request waiting; the server
// answers it when a line is written). Each benchmark reports the latency
// from the write to the client's receipt; docs/transcript.md has the numbers
// and what decided between them.

import (
	"encoding/binary"
	"sort"
	"testing"
	"time"

	zmq "github.com/pebbe/zmq4"
)

func reportLatencies(b *testing.B, lat []time.Duration) {
	b.Helper()
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op")
}

func stamp() []byte {
	buf := make([]byte, 8, 64)
	binary.LittleEndian.PutUint64(buf, uint64(time.Now().UnixNano()))
	return append(buf, "Transcript show: a line of about forty bytes"...)
}

func since(msg []byte) time.Duration {
	return time.Duration(time.Now().UnixNano() - int64(binary.LittleEndian.Uint64(msg[:8])))
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPubSub: the image publishes each line on a PUB socket; stui-lsp
// subscribes.
func BenchmarkPubSub(b *testing.B) {
	pub, err := zmq.NewSocket(zmq.PUB)
	must(b, err)
	defer pub.Close()
	must(b, pub.Bind("tcp://127.0.0.1:*"))
	ep, _ := pub.GetLastEndpoint()
	sub, err := zmq.NewSocket(zmq.SUB)
	must(b, err)
	defer sub.Close()
	must(b, sub.SetSubscribe(""))
	must(b, sub.Connect(ep))
	// The slow joiner: what is published before the subscription reaches
	// the publisher is lost, so wait until a probe gets through.
	must(b, sub.SetRcvtimeo(10*time.Millisecond))
	for {
		_, _ = pub.SendBytes([]byte("probe"), 0)
		if _, err := sub.RecvBytes(0); err == nil {
			break
		}
	}
	must(b, sub.SetRcvtimeo(-1))
	for {
		// Drain the probes still in flight.
		if _, err := sub.RecvBytes(zmq.DONTWAIT); err != nil {
			break
		}
	}
	got := make(chan time.Duration, 1)
	go func() {
		for {
			msg, err := sub.RecvBytes(0)
			if err != nil || len(msg) < 8 {
				close(got)
				return
			}
			got <- since(msg)
		}
	}()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := pub.SendBytes(stamp(), 0)
		must(b, err)
		lat = append(lat, <-got)
	}
	b.StopTimer()
	_, _ = pub.SendBytes([]byte("x"), 0) // ends the reader
	for range got {
	}
	reportLatencies(b, lat)
}

// BenchmarkLongPoll: stui-lsp keeps one request waiting on the DEALER it
// already has; the image answers it from its ROUTER when a line is
// written, and the client sends the next request at once.
func BenchmarkLongPoll(b *testing.B) {
	router, err := zmq.NewSocket(zmq.ROUTER)
	must(b, err)
	defer router.Close()
	must(b, router.Bind("tcp://127.0.0.1:*"))
	ep, _ := router.GetLastEndpoint()
	// The writer wakes the server's socket owner through an inproc pair,
	// as the image's writer process hands a line to its poll process.
	wakeRx, err := zmq.NewSocket(zmq.PAIR)
	must(b, err)
	defer wakeRx.Close()
	must(b, wakeRx.Bind("inproc://transcript-wake"))
	wakeTx, err := zmq.NewSocket(zmq.PAIR)
	must(b, err)
	defer wakeTx.Close()
	must(b, wakeTx.Connect("inproc://transcript-wake"))

	dealer, err := zmq.NewSocket(zmq.DEALER)
	must(b, err)
	defer dealer.Close()
	must(b, dealer.Connect(ep))

	stop := make(chan struct{})
	serverDone := make(chan struct{})
	go func() {
		defer close(serverDone)
		poller := zmq.NewPoller()
		poller.Add(router, zmq.POLLIN)
		poller.Add(wakeRx, zmq.POLLIN)
		var parked [][]byte // the routing envelope of the waiting request
		var pending [][]byte
		for {
			polled, err := poller.Poll(100 * time.Millisecond)
			select {
			case <-stop:
				return
			default:
			}
			if err != nil {
				continue
			}
			for _, p := range polled {
				switch p.Socket {
				case router:
					msg, err := router.RecvMessageBytes(0)
					if err == nil && len(msg) >= 3 {
						parked = msg[:2]
					}
				case wakeRx:
					line, err := wakeRx.RecvBytes(0)
					if err == nil {
						pending = append(pending, line)
					}
				}
			}
			if parked != nil && len(pending) > 0 {
				frames := append(append([][]byte{}, parked...), pending[0])
				_, _ = router.SendMessage(frames)
				pending, parked = pending[1:], nil
			}
		}
	}()

	request := []byte(`{"id":"t","command":"transcript","parameters":{"after":0,"wait_ms":5000}}`)
	_, err = dealer.SendMessage("", request)
	must(b, err)
	got := make(chan time.Duration, 1)
	must(b, dealer.SetRcvtimeo(100*time.Millisecond))
	clientDone := make(chan struct{})
	go func() {
		defer close(clientDone)
		for {
			msg, err := dealer.RecvMessageBytes(0)
			select {
			case <-stop:
				return
			default:
			}
			if err != nil || len(msg) < 2 || len(msg[1]) < 8 {
				continue
			}
			// The next request leaves before the line is handed on.
			_, _ = dealer.SendMessage("", request)
			got <- since(msg[1])
		}
	}()
	// Wait for the first request to be parked.
	time.Sleep(50 * time.Millisecond)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := wakeTx.SendBytes(stamp(), 0)
		must(b, err)
		lat = append(lat, <-got)
	}
	b.StopTimer()
	close(stop)
	<-serverDone
	<-clientDone
	reportLatencies(b, lat)
}

// BenchmarkPubSubFlood: a flood of b.N lines into a subscriber that keeps
// up as an editor would, a line at a time. Past the high-water marks the
// publisher drops lines, and neither end learns how many: "lost-lines" is
// what the subscriber never saw, which no message told it of.
func BenchmarkPubSubFlood(b *testing.B) {
	pub, err := zmq.NewSocket(zmq.PUB)
	must(b, err)
	defer pub.Close()
	must(b, pub.Bind("tcp://127.0.0.1:*"))
	ep, _ := pub.GetLastEndpoint()
	sub, err := zmq.NewSocket(zmq.SUB)
	must(b, err)
	defer sub.Close()
	must(b, sub.SetSubscribe(""))
	must(b, sub.Connect(ep))
	must(b, sub.SetRcvtimeo(10*time.Millisecond))
	for {
		_, _ = pub.SendBytes([]byte("probe"), 0)
		if _, err := sub.RecvBytes(0); err == nil {
			break
		}
	}
	for {
		if _, err := sub.RecvBytes(zmq.DONTWAIT); err != nil {
			break
		}
	}
	must(b, sub.SetRcvtimeo(200*time.Millisecond))
	received := make(chan int)
	go func() {
		n := 0
		for {
			msg, err := sub.RecvBytes(0)
			if err != nil || len(msg) < 8 {
				received <- n
				return
			}
			n++
			time.Sleep(5 * time.Microsecond) // the editor's share of each line
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := pub.SendBytes(stamp(), zmq.DONTWAIT)
		must(b, err)
	}
	b.StopTimer()
	_, _ = pub.SendBytes([]byte("x"), 0)
	n := <-received
	b.ReportMetric(float64(b.N-n), "lost-lines")
	b.ReportMetric(0, "ns/op")
}
