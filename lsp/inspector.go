package lsp

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// inspectResult is what stui.inspect returns: the image's inspection plus the
// generated document it opened, for plugins that draw their own inspector.
type inspectResult struct {
	stuiproto.InspectResult
	SessionID string `json:"session_id"`
	Document  string `json:"document,omitempty"`
}

// runInspect inspects the result of the code at the target, or drills into an
// object id given by an earlier inspection.
func (s *server) runInspect(ctx context.Context, args commandArgs) (*inspectResult, error) {
	ws := s.sessionOfArgs(args)
	objectID := args.ObjectID
	if objectID == "" {
		t, err := s.target(args)
		if err != nil {
			return nil, err
		}
		res, err := s.evaluate(ctx, t, stuiproto.ModeInspect)
		if err != nil {
			return nil, s.imageError(err)
		}
		if res.ObjectID == nil || *res.ObjectID == "" {
			return nil, s.imageError(fmt.Errorf("the image registered no object for %q", t.code))
		}
		objectID = *res.ObjectID
	}
	out := &inspectResult{}
	err := ws.do(ctx, func(id string) error {
		out.SessionID = id
		return stuiproto.Call(ctx, s.image, stuiproto.InspectCommand, stuiproto.InspectParams{ObjectID: objectID, SessionID: id, Offset: args.Offset, Limit: args.Limit}, &out.InspectResult)
	})
	if err != nil {
		return nil, s.imageError(err)
	}
	if out.ObjectID == "" {
		out.ObjectID = objectID
	}
	if args.Open == nil || *args.Open {
		out.Document = s.showInspector(ctx, ws, out)
	}
	return out, nil
}

// showInspector writes the inspection as a read-only text document and asks
// the editor to show it. It returns the document's URI, or "" if the editor
// cannot show documents.
func (s *server) showInspector(ctx context.Context, ws *workspaceSession, in *inspectResult) string {
	path := filepath.Join(s.opts.CacheDir, "inspector", ws.clientID, safeFileName(in.ObjectID)+inspectorDocumentExt)
	if err := s.writeGenerated(path, renderInspection(in)); err != nil {
		s.log.Warn("cannot write inspector document", zap.Error(err))
		return ""
	}
	u := uri.File(path)
	if s.caps.showDocument {
		s.goBackground(ctx, "show the inspector document", func(ctx context.Context) {
			if _, err := s.client.ShowDocument(ctx, &protocol.ShowDocumentParams{URI: u}); err != nil {
				s.log.Debug("showDocument failed", zap.Error(err))
			}
		})
	}
	return string(u)
}

// renderInspection lays an inspection out as text a terminal editor shows well.
func renderInspection(in *inspectResult) string {
	var b strings.Builder
	info := in.ObjectInfo
	fmt.Fprintf(&b, "%s\n", info.StringRepresentation)
	fmt.Fprintf(&b, "  class: %s   size: %d   object id: %s\n", info.ClassName, info.Size, in.ObjectID)
	b.WriteString(strings.Repeat("-", 72) + "\n")
	width := 4
	for _, sl := range in.Slots {
		width = max(width, len(sl.Name))
	}
	for _, sl := range in.Slots {
		id := ""
		if sl.ObjectID != nil && sl.HasSlots {
			id = "  [" + *sl.ObjectID + "]"
		}
		fmt.Fprintf(&b, "%-*s  %s  (%s)%s\n", width, sl.Name, flattenSpace(sl.PrintString), sl.ClassName, id)
	}
	if in.TotalSlots > in.Offset+len(in.Slots) {
		fmt.Fprintf(&b, "... %d more slots: inspect with offset %d\n", in.TotalSlots-in.Offset-len(in.Slots), in.Offset+len(in.Slots))
	}
	b.WriteString(strings.Repeat("-", 72) + "\n")
	b.WriteString("Drill into a slot: the code action \"Inspect <slot>\" on its line, or stui.inspect with {\"objectId\": \"<id in brackets>\"}.\n")
	return b.String()
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, s)
}
