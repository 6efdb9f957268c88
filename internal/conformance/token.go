package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// notApplicable is the reason the token checks give when the run has no
// token: an image configured without one accepts every request, as it
// should, and there is nothing to refuse.
const notApplicable = "not applicable: no token given (--token-file or STUI_TOKEN), so the image is taken to need none"

// tokenChecks check that an image which requires a token refuses requests
// without it or with another one. They use clients of their own, with the
// run's transport options but a missing or altered token.
func tokenChecks() []check {
	return []check{
		{"token.missing", func(ctx context.Context, r *runner) (string, error) {
			return refused(ctx, r, "", stuiproto.CmdPing, stuiproto.PingParams{})
		}},
		{"token.wrong", func(ctx context.Context, r *runner) (string, error) {
			return refused(ctx, r, wrongToken(r.cfg.Token), stuiproto.CmdPing, stuiproto.PingParams{})
		}},
		{"token.image-proof", since12(checkImageProof)},
		// As the vector create_session.PermissionDenied: a command that
		// changes the image, with another token.
		{"create_session.PermissionDenied", func(ctx context.Context, r *runner) (string, error) {
			return refused(ctx, r, wrongToken(r.cfg.Token), stuiproto.CmdCreateSession,
				stuiproto.CreateSessionParams{ClientID: r.unique("refused")})
		}},
	}
}

// wrongToken is a token of the same length that differs in its last
// character, so that a server comparing only lengths or prefixes is caught.
func wrongToken(tok string) string {
	if tok == "" {
		return ""
	}
	last := tok[len(tok)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return tok[:len(tok)-1] + string(repl)
}

// checkImageProof connects as stui-lsp does, asking the image to prove it
// holds the token before sending it (protocol 1.2): without the proof,
// stui-lsp sends such an image nothing.
func checkImageProof(ctx context.Context, r *runner) (string, error) {
	if r.cfg.Token == "" {
		return "", skip(notApplicable)
	}
	c, err := stuiclient.New(r.cfg.Endpoint, append(append([]stuiclient.Option{}, r.cfg.Options...), stuiclient.WithToken(r.cfg.Token))...)
	if err != nil {
		return "", fmt.Errorf("making a client: %v", err)
	}
	defer c.Close()
	if _, err := callWith(ctx, r, c, stuiproto.PingCommand, stuiproto.PingParams{}); err != nil {
		if errors.Is(err, stuiclient.ErrImageNotAuthenticated) {
			return "", fmt.Errorf("%s: stui-lsp will not send this image its token", describe(err))
		}
		return "", errors.New(describe(err))
	}
	return "the image proved it holds the token before it was sent", nil
}

func refused(ctx context.Context, r *runner, token, command string, params any) (string, error) {
	if r.cfg.Token == "" {
		return "", skip(notApplicable)
	}
	opts := append([]stuiclient.Option{stuiclient.WithoutImageProof()}, r.cfg.Options...)
	if token != "" {
		opts = append(opts, stuiclient.WithToken(token))
	}
	c, err := stuiclient.New(r.cfg.Endpoint, opts...)
	if err != nil {
		return "", fmt.Errorf("making a client: %v", err)
	}
	defer c.Close()
	raw, err := callRaw(ctx, r, c, command, params, 0)
	if err == nil {
		var res struct {
			SessionID string `json:"session_id"`
		}
		if command == stuiproto.CmdCreateSession && json.Unmarshal(raw, &res) == nil && res.SessionID != "" {
			r.open[res.SessionID] = true // the run's own client closes it
		}
		what := "without a token"
		if token != "" {
			what = "with a wrong token"
		}
		return "", fmt.Errorf("%s %s was answered with success, want PermissionDenied "+
			"(if this image really needs no token, run without --token-file and STUI_TOKEN)", command, what)
	}
	if !isRemote(err, stuiproto.ErrPermissionDenied) {
		return "", fmt.Errorf("answered %s, want PermissionDenied", describe(err))
	}
	return "PermissionDenied", nil
}
