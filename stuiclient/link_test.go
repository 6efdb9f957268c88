package stuiclient_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// A reply over the client's limit is refused and answers its call; the
// link stays up. It used to exceed libzmq's limit too, which dropped the
// link for good.
func TestOversizedReplyKeepsTheLink(t *testing.T) {
	noLeaks(t)
	srv := newServer(t, stuitest.NewBackend())
	srv.OversizeBytes = 4 << 20
	c := newClient(t, srv.Endpoint, stuiclient.WithMaxReplySize(64<<10))
	mustPing(t, c)
	before := c.Stats()
	srv.SetFault(stuitest.Oversized)
	_, err := c.Ping(ctxTimeout(t, 5*time.Second))
	srv.SetFault(stuitest.NoFault)
	if !errors.Is(err, stuiclient.ErrReplyTooLarge) {
		t.Fatalf("oversized reply: %v, want ErrReplyTooLarge", err)
	}
	mustPing(t, c)
	if after := c.Stats(); after.Reconnects != before.Reconnects || after.Connects != before.Connects {
		t.Errorf("the link was lost: connects %d -> %d, sockets recreated %d -> %d", before.Connects, after.Connects, before.Reconnects, after.Reconnects)
	}
}

// A reply over libzmq's own limit is a protocol error: libzmq drops that
// connection and does not reconnect. The client recreates its socket.
func TestLinkRebuiltAfterAMessageOverLibzmqsLimit(t *testing.T) {
	noLeaks(t)
	srv := newServer(t, stuitest.NewBackend())
	srv.OversizeBytes = 65 << 20
	c := newClient(t, srv.Endpoint, stuiclient.WithMaxReplySize(64<<10))
	mustPing(t, c)
	srv.SetFault(stuitest.Oversized)
	if _, err := c.Ping(ctxTimeout(t, 5*time.Second)); err == nil {
		t.Fatalf("a reply over libzmq's limit was delivered")
	}
	srv.SetFault(stuitest.NoFault)
	pingWithin(t, c, 10*time.Second)
}

// A process that is not a ZeroMQ peer holds the port for a moment (here it
// answers every connection with an HTTP error); once the image has the port
// again, calls work.
func TestLinkRebuiltAfterAPeerThatDoesNotSpeakZMTP(t *testing.T) {
	noLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan struct{}, 64)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
			conn.Close()
			select {
			case accepted <- struct{}{}:
			default:
			}
		}
	}()
	endpoint := "tcp://" + ln.Addr().String()
	c := newClient(t, endpoint)
	_, err = c.Ping(ctxTimeout(t, 500*time.Millisecond))
	if err == nil {
		t.Fatalf("a ping answered by a web server")
	}
	// Without CURVE configured, the error does not blame CURVE keys.
	if strings.Contains(err.Error(), "CURVE keys?") || strings.Contains(err.Error(), "wrong CURVE") {
		t.Errorf("error mentions CURVE keys nobody configured: %v", err)
	}
	select {
	case <-accepted:
	case <-time.After(5 * time.Second):
		t.Fatal("the client never connected to the impostor")
	}
	ln.Close()
	srv := stuitest.NewUnstartedServer(stuitest.NewBackend())
	srv.Endpoint = endpoint
	srv.Start()
	t.Cleanup(srv.Close)
	pingWithin(t, c, 15*time.Second)
}

// pingWithin pings until one answers, for at most d: the client reconnects
// in the background.
func pingWithin(t *testing.T, c *stuiclient.Client, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	var err error
	for time.Now().Before(deadline) {
		if _, err = c.Ping(ctxTimeout(t, time.Second)); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no ping answered within %v: %v", d, err)
}

// A reply of several frames, or with "id": null, is reported malformed to
// the call waiting for it instead of leaving it to time out.
func TestMalformedEnvelopesAreReported(t *testing.T) {
	noLeaks(t)
	for name, fault := range map[string]stuitest.Fault{"several frames": stuitest.ExtraFrame, "id null": stuitest.NullID} {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, stuitest.NewBackend())
			c := newClient(t, srv.Endpoint)
			mustPing(t, c)
			srv.SetFault(fault)
			start := time.Now()
			_, err := c.Ping(ctxTimeout(t, 5*time.Second))
			srv.SetFault(stuitest.NoFault)
			if !errors.Is(err, stuiclient.ErrBadReply) || time.Since(start) > 3*time.Second {
				t.Errorf("%v after %v, want ErrBadReply at once", err, time.Since(start))
			}
			mustPing(t, c)
		})
	}
}
