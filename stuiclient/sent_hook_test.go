package stuiclient_test

import (
	"context"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

func TestTheSentHookRunsOnceTheRequestIsOnItsWayBeforeTheReply(t *testing.T) {
	noLeaks(t)
	sent := make(chan struct{})
	// The image answers only once the hook has run: a hook that ran after
	// the reply would leave the call to its deadline.
	srv := newServer(t, stuitest.HandlerFunc(func(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
		select {
		case <-sent:
		case <-ctx.Done():
		}
		return stuitest.Success(req.ID, stuiproto.PingResult{Status: "ready"})
	}))
	c := newClient(t, srv.Endpoint)
	calls := 0
	ctx := stuiproto.WithSentHook(ctxTimeout(t, 5*time.Second), func() {
		calls++
		if calls == 1 {
			close(sent)
		}
	})
	if err := c.Call(ctx, stuiproto.CmdPing, nil, nil); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("the hook ran %d times, want once", calls)
	}
	// WithSentHook(ctx, nil) removes it.
	if stuiproto.SentHook(stuiproto.WithSentHook(ctx, nil)) != nil {
		t.Error("a nil hook still returns the earlier one")
	}
}
