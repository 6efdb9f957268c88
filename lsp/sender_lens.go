package lsp

import (
	"context"
	"encoding/json"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// The commands the sender and implementor lenses run. Each answers the
// locations, for the editor to show as it shows references: a client
// command wraps them (VS Code's editor.action.showReferences, Neovim's
// quickfix list); see the README.
const (
	cmdSenders      = "stui.senders"
	cmdImplementors = "stui.implementors"
)

// lensKind says which count a method lens shows.
type lensKind string

const (
	lensSenders      lensKind = "senders"
	lensImplementors lensKind = "implementors"
)

// methodLensData is what a method lens carries until it is resolved.
type methodLensData struct {
	Lens   lensKind       `json:"stuiLens"`
	URI    uri.URI        `json:"uri"`
	Range  protocol.Range `json:"range"`
	Method methodKey      `json:"method"`
}

// methodLenses puts two unresolved lenses over each method of a Tonel
// document, "N senders" and "M implementors": counting needs the image,
// so it waits for codeLens/resolve and only the lenses on screen pay.
func (s *server) methodLenses(doc *document) []protocol.CodeLens {
	f := doc.file()
	if !f.Kind.IsTonel() || !s.currentSettings().senderLenses() {
		return nil
	}
	lines := doc.lines()
	var out []protocol.CodeLens
	for _, m := range f.Methods {
		if m.Selector == "" || m.SelectorRange.Len() == 0 {
			continue
		}
		r := lines.rangeOf(m.SelectorRange.Start, m.SelectorRange.End, s.encoding)
		// A lens sits on one line: the method's header, not its metadata.
		at := protocol.Range{Start: r.Start, End: r.Start}
		for _, kind := range []lensKind{lensSenders, lensImplementors} {
			data, _ := json.Marshal(methodLensData{Lens: kind, URI: doc.uri, Range: r, Method: keyOf(m)})
			out = append(out, protocol.CodeLens{Range: at, Data: data})
		}
	}
	return out
}

// CodeLensResolve counts a method lens's senders or implementors. The
// evaluation lenses come resolved and are answered as they are.
func (s *server) CodeLensResolve(ctx context.Context, lens *protocol.CodeLens) (*protocol.CodeLens, error) {
	var data methodLensData
	if len(lens.Data) == 0 || json.Unmarshal(lens.Data, &data) != nil || data.Lens == "" {
		return lens, nil
	}
	selector := data.Method.Selector
	if selector == "" {
		return nil, errInvalidParams("a method lens without a selector")
	}
	args, _ := json.Marshal(commandArgs{URI: data.URI, Range: &data.Range, Method: &data.Method})
	out := *lens
	switch data.Lens {
	case lensSenders:
		n := s.senderCount(ctx, selector)
		out.Command = protocol.Command{Title: plural(n, "sender"), Command: cmdSenders, Arguments: []protocol.LSPAny{args}}
	case lensImplementors:
		n := s.implementorCount(ctx, selector)
		out.Command = protocol.Command{Title: plural(n, "implementor"), Command: cmdImplementors, Arguments: []protocol.LSPAny{args}}
	default:
		return nil, errInvalidParams("unknown method lens %q", data.Lens)
	}
	return &out, nil
}

// senderCount counts the methods sending selector: the workspace's, and the
// image's that are not in the workspace. Beyond the image's reply limit its
// total is trusted as it is.
func (s *server) senderCount(ctx context.Context, selector string) int {
	seen := map[methodKey]bool{}
	for _, sl := range s.workspace.index.Senders(selector) {
		if sl.Class == "" {
			continue // a playground is not a method
		}
		f := s.indexedFile(sl.URI)
		if f == nil {
			continue
		}
		if m := f.MethodAt(sl.Range.Start); m != nil {
			seen[keyOf(m)] = true
		}
	}
	return len(seen) + s.imageOnlyCount(ctx, stuiproto.CmdSenders, selector, seen)
}

func (s *server) implementorCount(ctx context.Context, selector string) int {
	seen := map[methodKey]bool{}
	for _, l := range s.workspace.index.Implementors(selector) {
		seen[locKey(l)] = true
	}
	return len(seen) + s.imageOnlyCount(ctx, stuiproto.CmdImplementors, selector, seen)
}

// imageOnlyCount asks the image for the senders or implementors of
// selector and counts those not in seen.
func (s *server) imageOnlyCount(ctx context.Context, command, selector string, seen map[methodKey]bool) int {
	ctx, cancel, live := s.liveContext(ctx)
	defer cancel()
	if !live {
		return 0
	}
	var refs []stuiproto.MethodRef
	total := 0
	switch command {
	case stuiproto.CmdSenders:
		var res stuiproto.SendersResult
		if err := stuiproto.Call(ctx, s.image, stuiproto.SendersCommand, stuiproto.SelectorParams{Selector: selector, Limit: 200}, &res); err != nil {
			s.log.Debug("senders for a lens", zap.String("selector", selector), zap.Error(err))
			return 0
		}
		refs, total = res.Senders, res.TotalCount
	default:
		var res stuiproto.ImplementorsResult
		if err := stuiproto.Call(ctx, s.image, stuiproto.ImplementorsCommand, stuiproto.SelectorParams{Selector: selector, Limit: 200}, &res); err != nil {
			s.log.Debug("implementors for a lens", zap.String("selector", selector), zap.Error(err))
			return 0
		}
		refs, total = res.Implementors, res.TotalCount
	}
	n := 0
	for _, r := range refs {
		if k := refKey(r); !seen[k] {
			seen[k] = true
			n++
		}
	}
	if total > len(refs) {
		n += total - len(refs)
	}
	return n
}

// runSenders answers the locations of the senders of a lens's method (or
// of the selector under args' range).
func (s *server) runSenders(ctx context.Context, args commandArgs) ([]protocol.Location, error) {
	selector, err := s.commandSelector(args)
	if err != nil {
		return nil, err
	}
	return dedupeLocations(s.senderLocations(ctx, selector)), nil
}

func (s *server) runImplementors(ctx context.Context, args commandArgs) ([]protocol.Location, error) {
	selector, err := s.commandSelector(args)
	if err != nil {
		return nil, err
	}
	out := s.implementorLocations(ctx, selector)
	if out == nil {
		out = []protocol.Location{}
	}
	return out, nil
}

func (s *server) commandSelector(args commandArgs) (string, error) {
	if args.Method != nil && args.Method.Selector != "" {
		return args.Method.Selector, nil
	}
	if args.Range != nil {
		if doc, ok := s.docs.get(args.URI); ok {
			id := doc.file().IdentifierAt(doc.lines().offset(args.Range.Start, s.encoding))
			if (id.Kind == smalltalk.IdentSelector || id.Kind == smalltalk.IdentSymbol) && id.Name != "" {
				return id.Name, nil
			}
		}
	}
	return "", errInvalidParams(`give {"method": {"selector": ...}} or the "uri" and "range" of a selector`)
}
