package lsp

import (
	"context"
	"sync"
)

// methodStuiStatus is the notification the server sends when the link to
// the image changes (connected, lost, not configured, or the image's name
// learnt from its handshake). Its params are what the stui.status command
// answers, so a status bar shows a change at once instead of at its next
// poll.
const methodStuiStatus = "stui/status"

// linkNotices remembers the last report sent, so that each change is sent
// once, in order, however many places notice it.
type linkNotices struct {
	mu   sync.Mutex
	last statusReport
	sent bool
}

// notifyLinkState sends stui/status if the report changed since the last one.
func (s *server) notifyLinkState(ctx context.Context) {
	n := &s.image.notices
	n.mu.Lock()
	defer n.mu.Unlock()
	r := s.statusReport()
	if n.sent && *r == n.last {
		return
	}
	n.last, n.sent = *r, true
	s.notify(ctx, methodStuiStatus, r)
}
