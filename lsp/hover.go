package lsp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func (s *server) Hover(ctx context.Context, params *protocol.HoverParams) (*protocol.Hover, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	lines := doc.lines()
	off := lines.offset(params.Position, s.encoding)
	f := doc.file()
	id := f.identifierAt(off)
	if id.kind == identNone {
		return nil, nil
	}

	var b strings.Builder
	live := false
	var liveErr error
	if s.image.available() {
		hctx, cancel := context.WithTimeout(ctx, time.Duration(s.currentSettings().HoverTimeoutMS)*time.Millisecond)
		live, liveErr = s.hoverLive(hctx, &b, doc, id)
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if !live {
		s.hoverOffline(&b, doc, id)
		if note := s.hoverNote(liveErr); note != "" {
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(s.emphasis(note))
		}
	}
	if b.Len() == 0 {
		return nil, nil
	}
	r := lines.rangeOf(id.span.start, id.span.end, s.encoding)
	return &protocol.Hover{Contents: s.markup(b.String()), Range: &r}, nil
}

// hoverNote says why a hover shows only what the files know, or nothing when
// the image simply had nothing to add.
func (s *server) hoverNote(liveErr error) string {
	_, endpoint, _ := s.image.status()
	notConnected := "image not connected"
	if endpoint != "" {
		notConnected += " (" + endpoint + ")"
	}
	switch {
	case !s.image.available(), errors.Is(liveErr, errNotConnected), errors.Is(liveErr, stuiproto.ErrUnavailable):
		return notConnected
	case errors.Is(liveErr, stuiproto.ErrDeadline), errors.Is(liveErr, context.DeadlineExceeded):
		return "the image did not answer in time"
	case liveErr != nil:
		return "image error: " + reason(liveErr)
	}
	return ""
}

func (s *server) emphasis(text string) string {
	if s.caps.markdown {
		return "_" + text + "_"
	}
	return text
}

func (s *server) markup(md string) *protocol.MarkupContent {
	if s.caps.markdown {
		return &protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: md}
	}
	return &protocol.MarkupContent{Kind: protocol.MarkupKindPlainText, Value: strings.NewReplacer("```smalltalk\n", "", "```", "", "**", "").Replace(md)}
}

// hoverLive asks the image. It reports whether it wrote anything; a "not
// found" answer is not an error, the offline hover covers it.
func (s *server) hoverLive(ctx context.Context, b *strings.Builder, doc *document, id ident) (bool, error) {
	switch id.kind {
	case identClass:
		var res stuiproto.BrowseClassResult
		no := false
		err := stuiproto.Call(ctx, s.image, stuiproto.BrowseClassCommand, stuiproto.BrowseClassParams{ClassName: id.name, IncludeMethods: &no}, &res)
		if err != nil {
			return false, ignoreNotFound(err)
		}
		if res.ClassInfo.Name == "" {
			return false, fmt.Errorf("%w: browse_class answered without a class", stuiproto.ErrBadReply)
		}
		writeClassHover(b, &res.ClassInfo, res.InstanceVars, res.ClassVars)
		return true, nil
	case identSelector:
		var res stuiproto.ImplementorsResult
		if err := stuiproto.Call(ctx, s.image, stuiproto.ImplementorsCommand, stuiproto.SelectorParams{Selector: id.name, Limit: 20}, &res); err != nil {
			return false, ignoreNotFound(err)
		}
		if len(res.Implementors) == 0 {
			return false, nil
		}
		fmt.Fprintf(b, "**#%s**: %s\n", id.name, plural(res.TotalCount, "implementor"))
		if len(res.Implementors) == 1 {
			impl := res.Implementors[0]
			var m stuiproto.GetMethodResult
			if err := stuiproto.Call(ctx, s.image, stuiproto.GetMethodCommand, stuiproto.GetMethodParams{ClassName: impl.ClassName, MethodName: impl.Selector, IsClassMethod: impl.IsClassMethod}, &m); err == nil {
				fmt.Fprintf(b, "\n%s (%s)\n\n```smalltalk\n%s\n```", methodLabel(impl), impl.Package, m.Method.Source)
				return true, nil
			}
		}
		for _, impl := range res.Implementors {
			fmt.Fprintf(b, "\n- %s", methodLabel(impl))
			if impl.Package != "" {
				fmt.Fprintf(b, " (%s)", impl.Package)
			}
		}
		if res.TotalCount > len(res.Implementors) {
			fmt.Fprintf(b, "\n- … and %d more", res.TotalCount-len(res.Implementors))
		}
		return true, nil
	case identVariable:
		if id.method != nil && isMethodLocal(id.method, id.name) {
			return false, nil
		}
		ws := s.sessions.forFolder(s.workspace.folderOf(doc))
		var res stuiproto.GetVariableResult
		err := ws.do(ctx, func(sid string) error {
			return stuiproto.Call(ctx, s.image, stuiproto.GetVariableCommand, stuiproto.GetVariableParams{SessionID: sid, Name: id.name, MaxResultChars: 500}, &res)
		})
		if err != nil {
			return false, ignoreNotFound(err)
		}
		fmt.Fprintf(b, "**%s**: a %s\n\n```smalltalk\n%s\n```", res.Name, res.ClassName, res.PrintString)
		if res.Truncated {
			b.WriteString("\n(cut: Inspect it for all)")
		}
		return true, nil
	}
	return false, nil
}

// ignoreNotFound treats the image's "there is no such thing" as no error.
func ignoreNotFound(err error) error {
	var remote *stuiproto.RemoteError
	if errors.As(err, &remote) {
		return nil
	}
	return err
}

func writeClassHover(b *strings.Builder, c *stuiproto.ClassInfo, instVars, classVars []string) {
	fmt.Fprintf(b, "**%s**", c.Name)
	if c.Superclass != nil {
		fmt.Fprintf(b, " < %s", *c.Superclass)
	}
	if c.Package != "" {
		fmt.Fprintf(b, "\n\npackage: %s", c.Package)
		if c.Tag != "" {
			fmt.Fprintf(b, " (%s)", c.Tag)
		}
	}
	if len(instVars) > 0 {
		fmt.Fprintf(b, "\n\ninstance variables: %s", strings.Join(instVars, " "))
	}
	if len(classVars) > 0 {
		fmt.Fprintf(b, "\n\nclass variables: %s", strings.Join(classVars, " "))
	}
	if c.Comment != "" {
		fmt.Fprintf(b, "\n\n%s", c.Comment)
	}
}

// hoverOffline writes what the files say.
func (s *server) hoverOffline(b *strings.Builder, doc *document, id ident) {
	switch id.kind {
	case identClass:
		if c := s.classDefinition(doc, id.name); c != nil {
			info := stuiproto.ClassInfo{Name: c.Name, Comment: c.Comment, Package: c.Package, Tag: c.Tag}
			if info.Package == "" {
				info.Package = c.Category
			}
			if c.Superclass != "" {
				super := c.Superclass
				info.Superclass = &super
			}
			writeClassHover(b, &info, c.InstVars, c.ClassVars)
		}
	case identSelector:
		impls := s.offlineImplementors(doc, id.name)
		if len(impls) > 0 {
			fmt.Fprintf(b, "**#%s**: %s in the workspace", id.name, plural(len(impls), "implementor"))
			for _, m := range impls {
				fmt.Fprintf(b, "\n- %s", methodLabel(stuiproto.MethodRef{ClassName: m.ClassName, Selector: m.Selector, IsClassMethod: m.ClassSide}))
			}
		}
	case identVariable:
		if id.method != nil {
			switch {
			case slices.ContainsFunc(id.method.Args, func(v *smalltalk.Variable) bool { return v.Name == id.name }):
				fmt.Fprintf(b, "**%s**: argument of %s", id.name, id.method.Selector)
			case isMethodLocal(id.method, id.name):
				fmt.Fprintf(b, "**%s**: temporary", id.name)
			default:
				if c := s.classDefinition(doc, id.method.ClassName); c != nil && slices.Contains(c.InstVars, id.name) {
					fmt.Fprintf(b, "**%s**: instance variable of %s", id.name, c.Name)
				}
			}
		}
	}
}

// isMethodLocal reports whether name is an argument or temporary of m or of
// one of its blocks.
func isMethodLocal(m *smalltalk.Method, name string) bool {
	local := false
	smalltalk.Inspect(m, func(n smalltalk.Node) bool {
		switch n := n.(type) {
		case *smalltalk.Sequence:
			local = local || slices.ContainsFunc(n.Temps, func(v *smalltalk.Variable) bool { return v.Name == name })
		case *smalltalk.Block:
			local = local || slices.ContainsFunc(n.Args, func(v *smalltalk.Variable) bool { return v.Name == name })
		}
		return !local
	})
	return local || slices.ContainsFunc(m.Args, func(v *smalltalk.Variable) bool { return v.Name == name })
}

func methodLabel(m stuiproto.MethodRef) string {
	if m.IsClassMethod {
		return m.ClassName + " class>>" + m.Selector
	}
	return m.ClassName + ">>" + m.Selector
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
