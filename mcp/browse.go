package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// BrowseClassArgs are browse_class's arguments.
type BrowseClassArgs struct {
	ClassName      string `json:"class_name" jsonschema:"the class name, e.g. OrderedCollection (both sides are described)"`
	IncludeMethods *bool  `json:"include_methods,omitempty" jsonschema:"list the methods (default true)"`
}

// BrowseClassOutput is browse_class's result.
type BrowseClassOutput struct {
	ClassInfo       stuiproto.ClassInfo `json:"class_info"`
	InstanceVars    []string            `json:"instance_vars"`
	ClassVars       []string            `json:"class_vars"`
	InstanceMethods []MethodSummary     `json:"instance_methods"`
	ClassMethods    []MethodSummary     `json:"class_methods"`
}

// MethodSummary is a method without its source.
type MethodSummary struct {
	Selector string `json:"selector"`
	Category string `json:"category"`
	Package  string `json:"package"`
	Comment  string `json:"comment,omitempty"`
}

func (s *Server) browseClass(ctx context.Context, a BrowseClassArgs) (BrowseClassOutput, string, error) {
	if strings.TrimSpace(a.ClassName) == "" {
		return BrowseClassOutput{}, "", badArgs("class_name is empty")
	}
	class, _ := sideOf(a.ClassName, false) // both sides are described anyway
	res, err := s.fetchClass(ctx, class, a.IncludeMethods == nil || *a.IncludeMethods)
	if err != nil {
		return BrowseClassOutput{}, "", err
	}
	out := BrowseClassOutput{ClassInfo: res.ClassInfo, InstanceVars: nonNil(res.InstanceVars), ClassVars: nonNil(res.ClassVars),
		InstanceMethods: summaries(res.InstanceMethods), ClassMethods: summaries(res.ClassMethods)}
	return out, classText(res, a.IncludeMethods == nil || *a.IncludeMethods), nil
}

func (s *Server) fetchClass(ctx context.Context, name string, methods bool) (*stuiproto.BrowseClassResult, error) {
	var res stuiproto.BrowseClassResult
	err := stuiproto.Call(ctx, s.opts.Image, stuiproto.BrowseClassCommand, stuiproto.BrowseClassParams{ClassName: name, IncludeMethods: &methods}, &res)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

func summaries(ms []stuiproto.Method) []MethodSummary {
	out := make([]MethodSummary, 0, len(ms))
	for _, m := range ms {
		out = append(out, MethodSummary{Selector: m.Name, Category: m.Category, Package: m.Package, Comment: m.Comment})
	}
	return out
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// classText is a class as a person reads it in a browser: definition,
// comment, then methods by category with their resource URIs.
func classText(c *stuiproto.BrowseClassResult, methods bool) string {
	var b strings.Builder
	info := c.ClassInfo
	super := "nil"
	if info.Superclass != nil {
		super = *info.Superclass
	}
	fmt.Fprintf(&b, "%s (superclass %s, package %s", info.Name, super, info.Package)
	if info.Tag != "" {
		fmt.Fprintf(&b, ", tag %s", info.Tag)
	}
	b.WriteString(")\n")
	if info.Definition != "" {
		b.WriteString("\n" + info.Definition + "\n")
	}
	if info.Comment != "" {
		b.WriteString("\n\"" + strings.ReplaceAll(info.Comment, `"`, `""`) + "\"\n")
	}
	if !methods {
		return b.String()
	}
	for _, side := range []struct {
		label   string
		methods []stuiproto.Method
		class   bool
	}{{"instance side", c.InstanceMethods, false}, {"class side", c.ClassMethods, true}} {
		if len(side.methods) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", side.label)
		byCategory := map[string][]stuiproto.Method{}
		var order []string
		for _, m := range side.methods {
			if _, seen := byCategory[m.Category]; !seen {
				order = append(order, m.Category)
			}
			byCategory[m.Category] = append(byCategory[m.Category], m)
		}
		for _, cat := range order {
			fmt.Fprintf(&b, "  %s\n", cat)
			for _, m := range byCategory[cat] {
				fmt.Fprintf(&b, "    %s  %s\n", m.Name, methodURI(info.Name, m.Name, side.class))
			}
		}
	}
	return b.String()
}

// GetMethodArgs are get_method's arguments.
type GetMethodArgs struct {
	ClassName string `json:"class_name" jsonschema:"the class that defines the method; Foo class means its class side"`
	Selector  string `json:"selector" jsonschema:"the method's selector, e.g. printOn: or at:put:"`
	ClassSide bool   `json:"class_side,omitempty" jsonschema:"true for a class-side method (Foo class>>bar)"`
}

// GetMethodOutput is get_method's result.
type GetMethodOutput struct {
	Method stuiproto.Method `json:"method"`
	URI    string           `json:"uri" jsonschema:"the method as a stui:// resource"`
}

func (s *Server) getMethod(ctx context.Context, a GetMethodArgs) (GetMethodOutput, string, error) {
	if strings.TrimSpace(a.ClassName) == "" || strings.TrimSpace(a.Selector) == "" {
		return GetMethodOutput{}, "", badArgs("give class_name and selector")
	}
	class, classSide := sideOf(a.ClassName, a.ClassSide)
	m, err := s.fetchMethod(ctx, class, a.Selector, classSide)
	if err != nil {
		return GetMethodOutput{}, "", err
	}
	return GetMethodOutput{Method: *m, URI: methodURI(class, a.Selector, classSide)}, methodText(m), nil
}

func (s *Server) fetchMethod(ctx context.Context, class, selector string, classSide bool) (*stuiproto.Method, error) {
	var res stuiproto.GetMethodResult
	err := stuiproto.Call(ctx, s.opts.Image, stuiproto.GetMethodCommand, stuiproto.GetMethodParams{ClassName: class, MethodName: selector, IsClassMethod: classSide}, &res)
	if err != nil {
		return nil, err
	}
	if res.Method.Arguments == nil {
		res.Method.Arguments = []string{}
	}
	return &res.Method, nil
}

func methodText(m *stuiproto.Method) string {
	side := m.ClassName
	if m.IsClassMethod {
		side += " class"
	}
	return fmt.Sprintf("%s>>%s (category %s, package %s)\n\n%s", side, m.Name, m.Category, m.Package, m.Source)
}

// SearchClassesArgs are search_classes's arguments.
type SearchClassesArgs struct {
	Pattern string `json:"pattern" jsonschema:"a class name pattern: * matches any run of characters; without *, names containing the pattern match"`
}

// SearchClassesOutput is search_classes's result.
type SearchClassesOutput struct {
	Classes    []string `json:"classes"`
	TotalCount int      `json:"total_count" jsonschema:"how many classes match, even beyond the ones listed"`
}

// classLimit is how many class names one search lists.
const classLimit = 500

func (s *Server) searchClasses(ctx context.Context, a SearchClassesArgs) (SearchClassesOutput, string, error) {
	pattern := strings.TrimSpace(a.Pattern)
	if pattern == "" {
		return SearchClassesOutput{}, "", badArgs("pattern is empty: give part of a class name, or * for every class")
	}
	if !strings.Contains(pattern, "*") {
		pattern = "*" + pattern + "*"
	}
	var res stuiproto.ListClassesResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.ListClassesCommand, stuiproto.ListClassesParams{Pattern: pattern, Limit: classLimit}, &res); err != nil {
		return SearchClassesOutput{}, "", err
	}
	out := SearchClassesOutput{Classes: nonNil(res.Classes), TotalCount: res.TotalCount}
	text := fmt.Sprintf("%d classes match %s", res.TotalCount, pattern)
	if len(res.Classes) < res.TotalCount {
		text += fmt.Sprintf(" (the first %d listed; narrow the pattern for the rest)", len(res.Classes))
	}
	if len(res.Classes) > 0 {
		text += ":\n" + strings.Join(res.Classes, "\n")
	}
	return out, text, nil
}

// SelectorArgs are the arguments of implementors and senders.
type SelectorArgs struct {
	Selector string `json:"selector" jsonschema:"a selector, e.g. size, printOn: or at:put:"`
}

// ReferencesOutput is the result of implementors and senders.
type ReferencesOutput struct {
	Selector   string                `json:"selector"`
	Methods    []stuiproto.MethodRef `json:"methods"`
	TotalCount int                   `json:"total_count" jsonschema:"how many methods there are, even beyond the ones listed"`
}

func (s *Server) implementors(ctx context.Context, a SelectorArgs) (ReferencesOutput, string, error) {
	if strings.TrimSpace(a.Selector) == "" {
		return ReferencesOutput{}, "", badArgs("selector is empty")
	}
	var res stuiproto.ImplementorsResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.ImplementorsCommand, stuiproto.SelectorParams{Selector: a.Selector}, &res); err != nil {
		return ReferencesOutput{}, "", err
	}
	return references(a.Selector, "implement", res.Implementors, res.TotalCount)
}

func (s *Server) senders(ctx context.Context, a SelectorArgs) (ReferencesOutput, string, error) {
	if strings.TrimSpace(a.Selector) == "" {
		return ReferencesOutput{}, "", badArgs("selector is empty")
	}
	var res stuiproto.SendersResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.SendersCommand, stuiproto.SelectorParams{Selector: a.Selector}, &res); err != nil {
		return ReferencesOutput{}, "", err
	}
	return references(a.Selector, "send", res.Senders, res.TotalCount)
}

func references(selector, verb string, refs []stuiproto.MethodRef, total int) (ReferencesOutput, string, error) {
	if refs == nil {
		refs = []stuiproto.MethodRef{}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d methods %s #%s", total, verb, selector)
	if len(refs) < total {
		fmt.Fprintf(&b, " (the first %d listed)", len(refs))
	}
	for _, r := range refs {
		side := r.ClassName
		if r.IsClassMethod {
			side += " class"
		}
		fmt.Fprintf(&b, "\n  %s>>%s (%s, %s)  %s", side, r.Selector, r.Category, r.Package, methodURI(r.ClassName, r.Selector, r.IsClassMethod))
	}
	return ReferencesOutput{Selector: selector, Methods: refs, TotalCount: total}, b.String(), nil
}

// sideOf reads "Foo class", as Smalltalk writes the metaclass and agents
// often pass it, as Foo on the class side.
func sideOf(className string, classSide bool) (string, bool) {
	name := strings.TrimSpace(className)
	if base, ok := strings.CutSuffix(name, classSideSuffix); ok && strings.TrimSpace(base) != "" {
		return strings.TrimSpace(base), true
	}
	return name, classSide
}
