package stuiproto

import "context"

type sentHookKey struct{}

// WithSentHook returns a context whose calls run sent once their request
// has been handed to the transport (sent, or queued until the connection
// is up), on the calling goroutine, before they wait for the reply. The
// language server uses it to let its read loop go on as soon as the image
// has been asked, and not before. nil removes a hook set earlier.
func WithSentHook(ctx context.Context, sent func()) context.Context {
	return context.WithValue(ctx, sentHookKey{}, sent)
}

// SentHook returns the function set by WithSentHook, or nil.
func SentHook(ctx context.Context) func() {
	sent, _ := ctx.Value(sentHookKey{}).(func())
	return sent
}
