package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"
)

var progressCounter atomic.Uint64

// progress reports long work with $/progress when the client supports it.
type progress struct {
	s     *server
	token protocol.ProgressToken
}

func (s *server) startProgress(ctx context.Context, title string, total int) *progress {
	if !s.caps.workDoneProgress || total <= 3 {
		return nil
	}
	tok := protocol.String(fmt.Sprintf("stui-%d", progressCounter.Add(1)))
	if err := s.client.WorkDoneProgressCreate(ctx, &protocol.WorkDoneProgressCreateParams{Token: tok}); err != nil {
		s.log.Debug("workDoneProgress/create failed", zap.Error(err))
		return nil
	}
	p := &progress{s: s, token: tok}
	zero := uint32(0)
	p.send(ctx, protocol.WorkDoneProgressBegin{Kind: "begin", Title: title, Percentage: &zero})
	return p
}

func (p *progress) send(ctx context.Context, v any) {
	if p == nil {
		return
	}
	data, _ := json.Marshal(v)
	p.s.notify(ctx, protocol.MethodProgress, &protocol.ProgressParams{Token: p.token, Value: data})
}

func (p *progress) report(ctx context.Context, done, total int, msg string) {
	pct := uint32(done * 100 / max(total, 1))
	p.send(ctx, protocol.WorkDoneProgressReport{Kind: "report", Message: &msg, Percentage: &pct})
}

func (p *progress) end(ctx context.Context, msg string) {
	p.send(ctx, protocol.WorkDoneProgressEnd{Kind: "end", Message: &msg})
}
