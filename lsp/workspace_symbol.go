package lsp

import (
	"context"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk/index"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// maxSymbols caps a workspace/symbol answer; maxImageSymbols caps the
// entries only the image has (each needs a generated document).
const (
	maxSymbols      = 200
	maxImageSymbols = 20
)

type rankedSymbol struct {
	quality int
	name    string
	info    protocol.SymbolInformation
}

// Symbols finds classes and methods by name in the workspace index and, when
// connected, in the image (classes by pattern; the implementors of the query
// when it looks like a selector), best matches first.
func (s *server) Symbols(ctx context.Context, params *protocol.WorkspaceSymbolParams) (protocol.WorkspaceSymbolResult, error) {
	query := strings.TrimSpace(params.Query)
	out := make([]rankedSymbol, 0, maxSymbols)
	loc := s.newLocator()
	seenClass := map[string]bool{}
	seenMethod := map[methodKey]bool{}
	for _, sym := range s.workspace.index.Symbols(query, maxSymbols) {
		l, ok := loc.at(sym.Location.URI, sym.Location.NameRange)
		if !ok {
			continue
		}
		info := protocol.SymbolInformation{Location: l}
		info.Name = sym.Name
		if sym.Location.Kind == index.ClassLoc {
			info.Kind = protocol.SymbolKindClass
			if sym.Location.Extension {
				ext := "extension"
				info.ContainerName = &ext
			} else {
				seenClass[sym.Name] = true
			}
		} else {
			k := locKey(sym.Location)
			seenMethod[k] = true
			info.Kind = protocol.SymbolKindMethod
			container := k.ClassName
			if k.ClassSide {
				container += " class"
			}
			info.ContainerName = &container
		}
		out = append(out, rankedSymbol{sym.Quality, sym.Name, info})
	}
	if query != "" {
		ctx, cancel, live := s.liveContext(ctx)
		defer cancel()
		if live {
			out = append(out, s.imageSymbols(ctx, query, loc, seenClass, seenMethod)...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.quality != b.quality {
			return a.quality < b.quality
		}
		if len(a.name) != len(b.name) {
			return len(a.name) < len(b.name)
		}
		return a.name < b.name
	})
	if len(out) > maxSymbols {
		out = out[:maxSymbols]
	}
	res := make(protocol.SymbolInformationSlice, 0, len(out))
	for _, r := range out {
		res = append(res, r.info)
	}
	return res, nil
}

// looksLikeSelector: a keyword, a lower-case name or a binary operator.
func looksLikeSelector(q string) bool {
	r, _ := utf8.DecodeRuneInString(q)
	return strings.HasSuffix(q, ":") || unicode.IsLower(r) || !unicode.IsLetter(r) && r != '_'
}

func (s *server) imageSymbols(ctx context.Context, query string, loc *locator, seenClass map[string]bool, seenMethod map[methodKey]bool) []rankedSymbol {
	var out []rankedSymbol
	budget := maxImageSymbols
	var classes stuiproto.ListClassesResult
	pattern := "*" + strings.ReplaceAll(query, "*", "") + "*"
	if err := stuiproto.Call(ctx, s.image, stuiproto.ListClassesCommand, stuiproto.ListClassesParams{Pattern: pattern, Limit: 100}, &classes); err != nil {
		s.log.Debug("list_classes", zap.Error(err))
	}
	names := classes.Classes
	sort.SliceStable(names, func(i, j int) bool {
		return index.MatchQuality(names[i], query) < index.MatchQuality(names[j], query)
	})
	for _, name := range names {
		if seenClass[name] || budget == 0 {
			continue
		}
		q := index.MatchQuality(name, query)
		if q == index.NoMatch {
			continue
		}
		l, err := s.generatedClass(ctx, name)
		if err != nil {
			continue
		}
		budget--
		info := protocol.SymbolInformation{Location: l}
		info.Name, info.Kind = name, protocol.SymbolKindClass
		image := "image"
		info.ContainerName = &image
		out = append(out, rankedSymbol{q, name, info})
	}
	if !looksLikeSelector(query) {
		return out
	}
	for _, ref := range s.imageImplementors(ctx, query, maxImageSymbols) {
		k := refKey(ref)
		if seenMethod[k] || budget == 0 {
			continue
		}
		l, ok := loc.method(ctx, k, true)
		if !ok {
			continue
		}
		budget--
		info := protocol.SymbolInformation{Location: l}
		info.Name, info.Kind = k.Selector, protocol.SymbolKindMethod
		container := k.ClassName
		if k.ClassSide {
			container += " class"
		}
		info.ContainerName = &container
		out = append(out, rankedSymbol{index.MatchExact, k.Selector, info})
	}
	return out
}
