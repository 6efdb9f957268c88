package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/smalltalk/index"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// completionData travels with an item to completionItem/resolve.
type completionData struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	ClassName string `json:"className,omitempty"`
	ClassSide bool   `json:"classSide,omitempty"`
}

const maxCompletions = 200

// Completion offers, where a message can go, selectors; elsewhere local
// variables, instance variables, session variables and class names. The
// image answers when it is connected (within completionTimeoutMs); the
// workspace index and the file itself always add what they know.
func (s *server) Completion(ctx context.Context, params *protocol.CompletionParams) (protocol.CompletionResult, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return &protocol.CompletionList{Items: []protocol.CompletionItem{}}, nil
	}
	lines := doc.lines()
	off := lines.offset(params.Position, s.encoding)
	start := prefixStart(doc.text, off)
	prefix := doc.text[start:off]
	selectorPos := afterOperand(doc.text, start)
	f := doc.file()
	m := f.MethodAt(off)

	c := &completer{s: s, lines: lines, start: start, off: off, prefix: prefix, seen: map[string]bool{}, snippets: s.workspace.snippetSupport(),
		// Room for the most an answer holds: a CompletionItem is large,
		// and growing the list to 200 by doubling copied it eight times.
		items: make([]protocol.CompletionItem, 0, maxCompletions)}
	if !selectorPos {
		c.locals(f, off)
	}
	incomplete := false
	if s.image.available() {
		cctx, cancel := context.WithTimeout(ctx, time.Duration(s.currentSettings().CompleteTimeoutMS)*time.Millisecond)
		incomplete = c.fromImage(cctx, doc, m, selectorPos)
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	c.fromIndex(doc, m, selectorPos)
	return &protocol.CompletionList{IsIncomplete: incomplete || len(c.items) >= maxCompletions, Items: c.items}, nil
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= utf8.RuneSelf
}

// prefixStart finds where the word being typed begins: letters, digits and
// the colons of a keyword selector ("at:pu").
func prefixStart(text string, off int) int {
	start := off
	for start > 0 && (isIdentByte(text[start-1]) || text[start-1] == ':') {
		start--
	}
	for start < off && (text[start] == ':' || text[start] >= '0' && text[start] <= '9') {
		start++ // a block argument ":each", or a number
	}
	return start
}

// afterOperand reports whether the text before start ends an expression, so
// what is typed at start is a message selector.
func afterOperand(text string, start int) bool {
	i := start
	for i > 0 {
		switch text[i-1] {
		case ' ', '\t', '\r', '\n':
			i--
			continue
		case '"':
			// Skip a comment backwards.
			j := strings.LastIndexByte(text[:i-1], '"')
			if j < 0 {
				return false
			}
			i = j
			continue
		}
		break
	}
	if i == 0 {
		return false
	}
	switch c := text[i-1]; {
	case c == ')' || c == ']' || c == '}' || c == '\'' || c == ';':
		return true // after an expression, or a cascade's next message
	case isIdentByte(c):
		j := i
		for j > 0 && isIdentByte(text[j-1]) {
			j--
		}
		// A name is a receiver, except a block argument's declaration.
		return j == 0 || text[j-1] != ':'
	}
	return false
}

type completer struct {
	s         *server
	lines     *lineIndex
	start     int
	off       int
	prefix    string
	snippets  bool
	seen      map[string]bool
	items     []protocol.CompletionItem
	className string
	// rng is the range every item replaces, made once.
	rng      protocol.Range
	hasRange bool
}

func (c *completer) matches(label string) bool {
	if c.prefix == "" {
		return true
	}
	return index.HasFoldPrefix(label, c.prefix)
}

// add appends an item unless one with the label is there already.
func (c *completer) add(label string, kind protocol.CompletionItemKind, detail, rank string, data completionData) {
	if label == "" || c.seen[label] || len(c.items) >= maxCompletions || !c.matches(label) {
		return
	}
	c.seen[label] = true
	item := protocol.CompletionItem{Label: label, Kind: kind, SortText: protocol.NewOptional(rank + label), FilterText: protocol.NewOptional(label)}
	if detail != "" {
		item.Detail = protocol.NewOptional(detail)
	}
	insert := label
	if kind == protocol.CompletionItemKindMethod && strings.HasSuffix(label, ":") {
		insert = keywordInsert(label, c.snippets)
		if c.snippets {
			item.InsertTextFormat = protocol.InsertTextFormatSnippet
		}
	}
	if !c.hasRange {
		c.rng, c.hasRange = c.lines.rangeOf(c.start, c.off, c.s.encoding), true
	}
	item.TextEdit = &protocol.TextEdit{Range: c.rng, NewText: insert}
	item.Data, _ = json.Marshal(data)
	c.items = append(c.items, item)
}

// keywordInsert spells a keyword selector out for insertion: with a
// placeholder per argument as a snippet, or the keywords alone.
func keywordInsert(selector string, snippets bool) string {
	var parts []string
	for i, kw := range strings.SplitAfter(selector, ":") {
		if kw == "" {
			continue
		}
		if snippets {
			parts = append(parts, fmt.Sprintf("%s ${%d:arg}", kw, i+1))
		} else {
			parts = append(parts, kw)
		}
	}
	if snippets {
		return strings.Join(parts, " ")
	}
	return strings.Join(parts, " ") + " "
}

// locals adds what is in scope at off: arguments and temporaries of the
// enclosing method and blocks (or the playground), its class's instance and
// class variables, and the pseudo-variables.
func (c *completer) locals(f *parsedFile, off int) {
	path := f.NodePath(off)
	if len(path) == 0 && f.Body != nil {
		path = []smalltalk.Node{f.Body}
	}
	for i := len(path) - 1; i >= 0; i-- {
		var vs []*smalltalk.Variable
		kind := "temporary"
		switch n := path[i].(type) {
		case *smalltalk.Block:
			vs, kind = n.Args, "block argument"
		case *smalltalk.Sequence:
			vs = n.Temps
		case *smalltalk.Method:
			vs, kind = n.Args, "argument"
		}
		for _, v := range vs {
			c.add(v.Name, protocol.CompletionItemKindVariable, kind, "0", completionData{Kind: "local", Name: v.Name})
		}
	}
	if f.Kind == smalltalk.Playground {
		for _, st := range f.Statements {
			if a, ok := st.(*smalltalk.Assignment); ok && a.Var != nil && !a.Var.Range.Contains(off) {
				c.add(a.Var.Name, protocol.CompletionItemKindVariable, "workspace variable", "1", completionData{Kind: "local", Name: a.Var.Name})
			}
		}
	}
	if m := f.MethodAt(off); m != nil {
		c.className = m.ClassName
		if d := c.s.classDefinition(nil, m.ClassName); d != nil {
			vars := d.InstVars
			if m.ClassSide {
				vars = d.ClassInstVars
			}
			for _, v := range vars {
				c.add(v, protocol.CompletionItemKindField, "instance variable of "+d.Name, "1", completionData{Kind: "instVar", Name: v, ClassName: d.Name})
			}
			for _, v := range d.ClassVars {
				c.add(v, protocol.CompletionItemKindField, "class variable of "+d.Name, "1", completionData{Kind: "classVar", Name: v, ClassName: d.Name})
			}
		}
	}
	for _, p := range []string{"self", "super", "thisContext", "true", "false", "nil"} {
		c.add(p, protocol.CompletionItemKindKeyword, "", "2", completionData{Kind: "pseudo", Name: p})
	}
}

// fromImage asks the image; it reports whether the image cut its list.
func (c *completer) fromImage(ctx context.Context, doc *document, m *smalltalk.Method, selectorPos bool) bool {
	s := c.s
	p := stuiproto.CompleteParams{Prefix: c.prefix, Limit: 100}
	if m != nil {
		p.ClassName = m.ClassName
	}
	var res stuiproto.CompleteResult
	call := func(sid string) error {
		p.SessionID = sid
		return stuiproto.Call(ctx, s.image, stuiproto.CompleteCommand, p, &res)
	}
	var err error
	if selectorPos {
		err = call("")
	} else {
		err = s.sessions.forFolder(s.workspace.folderOf(doc)).do(ctx, call)
	}
	if err != nil {
		s.log.Debug("complete from the image", zap.Error(err))
		return false
	}
	for _, it := range res.Completions {
		switch it.Kind {
		case stuiproto.CompletionSelector:
			if selectorPos {
				c.add(it.Label, protocol.CompletionItemKindMethod, it.Detail, "3", completionData{Kind: "selector", Name: it.Label, ClassName: it.Detail})
			}
		case stuiproto.CompletionClass:
			if !selectorPos {
				c.add(it.Label, protocol.CompletionItemKindClass, it.Detail, "4", completionData{Kind: "class", Name: it.Label})
			}
		case stuiproto.CompletionInstanceVariable:
			if !selectorPos {
				c.add(it.Label, protocol.CompletionItemKindField, it.Detail, "1", completionData{Kind: "instVar", Name: it.Label, ClassName: it.Detail})
			}
		case stuiproto.CompletionVariable:
			if !selectorPos {
				c.add(it.Label, protocol.CompletionItemKindVariable, it.Detail, "1", completionData{Kind: "variable", Name: it.Label})
			}
		}
	}
	return res.Incomplete
}

// fromIndex adds the workspace's selectors or class names.
func (c *completer) fromIndex(doc *document, m *smalltalk.Method, selectorPos bool) {
	ix := c.s.workspace.index
	if selectorPos {
		for sel := range ix.SelectorsWithFoldPrefix(c.prefix) {
			if len(c.items) >= maxCompletions {
				return // add takes no more
			}
			if !c.seen[sel] {
				detail := ix.FirstImplementor(sel)
				c.add(sel, protocol.CompletionItemKindMethod, detail, "3", completionData{Kind: "selector", Name: sel, ClassName: detail})
			}
		}
		return
	}
	for _, name := range ix.Classes() {
		if r, _ := utf8.DecodeRuneInString(name); unicode.IsUpper(r) {
			c.add(name, protocol.CompletionItemKindClass, "", "4", completionData{Kind: "class", Name: name})
		}
	}
}

// CompletionResolve adds the implementing class and the method comment to a
// selector, the comment to a class.
func (s *server) CompletionResolve(ctx context.Context, item *protocol.CompletionItem) (*protocol.CompletionItem, error) {
	var data completionData
	if len(item.Data) == 0 || json.Unmarshal(item.Data, &data) != nil {
		return item, nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.currentSettings().CompleteTimeoutMS)*time.Millisecond)
	defer cancel()
	live := s.image.available()
	switch data.Kind {
	case "selector":
		classes, comment := s.describeSelector(ctx, data, live)
		if len(classes) > 0 {
			detail := strings.Join(classes, ", ")
			if data.ClassName != "" && slices.Contains(classes, data.ClassName) {
				detail = data.ClassName + ">>" + data.Name
			}
			item.Detail = protocol.NewOptional(detail)
		}
		if comment != "" {
			item.Documentation = s.markup(comment)
		}
	case "class":
		if c := s.classDefinition(nil, data.Name); c != nil && c.Comment != "" {
			item.Documentation = s.markup(c.Comment)
			break
		}
		if live {
			var res stuiproto.BrowseClassResult
			no := false
			if err := stuiproto.Call(ctx, s.image, stuiproto.BrowseClassCommand, stuiproto.BrowseClassParams{ClassName: data.Name, IncludeMethods: &no}, &res); err == nil {
				if res.ClassInfo.Package != "" {
					item.Detail = protocol.NewOptional(res.ClassInfo.Package)
				}
				if res.ClassInfo.Comment != "" {
					item.Documentation = s.markup(res.ClassInfo.Comment)
				}
			}
		}
	}
	return item, nil
}

// describeSelector finds who implements a selector and the comment of one
// implementation: the image's when connected, else the workspace's.
func (s *server) describeSelector(ctx context.Context, data completionData, live bool) ([]string, string) {
	var classes []string
	k := methodKey{ClassName: data.ClassName, ClassSide: data.ClassSide, Selector: data.Name}
	if live {
		if k.ClassName == "" {
			for _, ref := range s.imageImplementors(ctx, data.Name, 5) {
				classes = append(classes, ref.ClassName)
			}
			if len(classes) > 0 {
				k.ClassName = classes[0]
			}
		} else {
			classes = append(classes, k.ClassName)
		}
		if k.ClassName != "" {
			if m, err := s.imageMethod(ctx, k); err == nil {
				return classes, m.Comment
			}
		}
	}
	for _, l := range s.workspace.index.Implementors(data.Name) {
		if !slices.Contains(classes, l.Class) {
			classes = append(classes, l.Class)
		}
	}
	for _, l := range s.workspace.index.Implementors(data.Name) {
		if m := s.indexedMethod(l); m != nil {
			if f := s.indexedFile(l.URI); f != nil {
				if c := methodComment(f, m); c != "" {
					return classes, c
				}
			}
		}
	}
	return classes, ""
}

// methodComment is the first comment of a method's body.
func methodComment(f *smalltalk.File, m *smalltalk.Method) string {
	for _, c := range f.Comments {
		if c.Start >= m.PatternRange.End && c.End <= m.End {
			return strings.ReplaceAll(strings.Trim(f.Text(c), `"`), `""`, `"`)
		}
		if c.Start > m.End {
			break
		}
	}
	return ""
}
