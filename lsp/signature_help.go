package lsp

import (
	"context"
	"strings"
	"time"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// maxSignatures caps the implementors one signature help shows; the image
// is asked for the arguments of at most maxImageSignatures of them.
const (
	maxSignatures      = 8
	maxImageSignatures = 4
)

// SignatureHelp shows, inside a keyword message, its selector's keywords
// with the argument names each implementor gives them and the first line of
// its comment; the active parameter is the keyword the cursor is after.
// Implementors come from the workspace first, then from the image.
func (s *server) SignatureHelp(ctx context.Context, params *protocol.SignatureHelpParams) (*protocol.SignatureHelp, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	off := doc.lines().offset(params.Position, s.encoding)
	f := doc.file()
	msg := keywordMessageAt(f, off)
	if msg == nil {
		return nil, nil
	}
	active := uint32(0)
	for i, p := range msg.Parts {
		if p.Start <= off {
			active = uint32(i)
		}
	}
	sigs := s.signatures(ctx, msg.Selector)
	if len(sigs) == 0 {
		return nil, nil
	}
	first := uint32(0)
	return &protocol.SignatureHelp{Signatures: sigs, ActiveSignature: &first, ActiveParameter: protocol.NewNullable(active)}, nil
}

// keywordMessageAt finds the innermost keyword message whose keywords hold
// the cursor: from its first keyword to its end, or to the blanks after
// it, where the next argument is about to be typed.
func keywordMessageAt(f *parsedFile, off int) *smalltalk.Message {
	var root smalltalk.Node
	if m := f.methodAt(off); m != nil {
		if off < m.BodyRange.Start {
			return nil // in the pattern: this is the definition
		}
		root = m
	} else if f.Body != nil {
		root = f.Body
	}
	if root == nil {
		return nil
	}
	var best *smalltalk.Message
	smalltalk.Walk(root, func(n smalltalk.Node) {
		m, ok := n.(*smalltalk.Message)
		if !ok || len(m.Parts) == 0 || !strings.HasSuffix(m.Selector, ":") || off < m.Parts[0].Start {
			return
		}
		end := m.End
		for end < off && end < len(f.Src) && (f.Src[end] == ' ' || f.Src[end] == '\t' || f.Src[end] == '\n' || f.Src[end] == '\r') {
			end++
		}
		if off > end {
			return
		}
		if best == nil || m.Parts[0].Start >= best.Parts[0].Start && m.End <= best.End {
			best = m
		}
	})
	return best
}

// implementorSignature is one implementor's view of a selector.
type implementorSignature struct {
	k       methodKey
	args    []string
	comment string
}

func (s *server) signatures(ctx context.Context, selector string) []protocol.SignatureInformation {
	var found []implementorSignature
	seen := map[methodKey]bool{}
	for _, l := range s.workspace.index.Implementors(selector) {
		if len(found) >= maxSignatures {
			break
		}
		m := s.indexedMethod(l)
		f := s.indexedFile(l.URI)
		if m == nil || f == nil || seen[keyOf(m)] {
			continue
		}
		seen[keyOf(m)] = true
		sig := implementorSignature{k: keyOf(m), comment: methodComment(f, m)}
		for _, a := range m.Args {
			sig.args = append(sig.args, a.Name)
		}
		found = append(found, sig)
	}
	if s.image.available() && len(found) < maxSignatures {
		ctx, cancel := context.WithTimeout(ctx, time.Duration(s.currentSettings().HoverTimeoutMS)*time.Millisecond)
		defer cancel()
		asked := 0
		for _, ref := range s.imageImplementors(ctx, selector, 20) {
			k := refKey(ref)
			if seen[k] || asked >= maxImageSignatures || len(found) >= maxSignatures {
				continue
			}
			seen[k] = true
			asked++
			m, err := s.imageMethod(ctx, k)
			if err != nil {
				continue
			}
			found = append(found, implementorSignature{k: k, args: m.Arguments, comment: m.Comment})
		}
	}
	keywords := selectorKeywords(selector)
	out := make([]protocol.SignatureInformation, 0, len(found))
	for _, sig := range found {
		out = append(out, s.signatureOf(sig, keywords))
	}
	return out
}

// signatureOf labels a signature "Class >> kw1: arg1 kw2: arg2", each
// "kw: arg" a parameter (offsets in UTF-16 units, as the protocol counts).
func (s *server) signatureOf(sig implementorSignature, keywords []string) protocol.SignatureInformation {
	var b strings.Builder
	b.WriteString(sig.k.ClassName)
	if sig.k.ClassSide {
		b.WriteString(" class")
	}
	b.WriteString(" >> ")
	var spans [][2]int
	for i, kw := range keywords {
		if i > 0 {
			b.WriteByte(' ')
		}
		start := b.Len()
		b.WriteString(kw)
		arg := "arg"
		if i < len(sig.args) && sig.args[i] != "" {
			arg = sig.args[i]
		}
		b.WriteString(" " + arg)
		spans = append(spans, [2]int{start, b.Len()})
	}
	label := b.String()
	li := newLineIndex(label)
	info := protocol.SignatureInformation{Label: label}
	for _, sp := range spans {
		from, to := li.position(sp[0], encodingUTF16).Character, li.position(sp[1], encodingUTF16).Character
		info.Parameters = append(info.Parameters, protocol.ParameterInformation{Label: protocol.ParameterInformationLabelTuple{from, to}})
	}
	if line := firstLine(sig.comment); line != "" {
		info.Documentation = s.markup(line)
	}
	return info
}

// selectorKeywords splits a keyword selector into its keywords, colons kept.
func selectorKeywords(selector string) []string {
	var out []string
	for _, kw := range strings.SplitAfter(selector, ":") {
		if kw != "" {
			out = append(out, kw)
		}
	}
	return out
}

func firstLine(text string) string {
	text = strings.TrimSpace(text)
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		text = strings.TrimSpace(text[:i])
	}
	return text
}
