package stuiclient

import (
	"context"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Every command is sent with stuiproto.Call(ctx, client, stuiproto.XCommand,
// params, &result); the two below add what a plain call does not.

// Ping asks the image who it is. When the image's protocol major version
// differs from stuiproto.Version, Ping returns the result together with a
// *VersionMismatchError, or, with WithVersionWarning, calls the warning
// function once and returns no error.
func (c *Client) Ping(ctx context.Context) (*stuiproto.PingResult, error) {
	var r stuiproto.PingResult
	if err := stuiproto.Call(ctx, c, stuiproto.PingCommand, stuiproto.PingParams{}, &r); err != nil {
		return nil, err
	}
	if vm := stuiproto.CheckVersion(r.ProtocolVersion); vm != nil {
		if c.o.versionWarning == nil {
			return &r, vm
		}
		if !c.warned.Swap(true) {
			c.o.versionWarning(vm)
		}
	}
	return &r, nil
}

// Evaluate runs code in the image. Without a deadline in ctx, the call waits
// for the server's own evaluation timeout (p.TimeoutMS) plus
// stuiproto.EvaluateMargin, so the image's Timeout reply arrives before the
// client gives up.
func (c *Client) Evaluate(ctx context.Context, p stuiproto.EvaluateParams) (*stuiproto.EvaluateResult, error) {
	var r stuiproto.EvaluateResult
	if err := stuiproto.Call(ctx, c, stuiproto.EvaluateCommand, p, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
