package stuitest

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// ClassFixture is a class of the Backend's pretend image.
type ClassFixture struct {
	Name         string
	Superclass   string // "" for a root class
	Package, Tag string
	Comment      string
	InstanceVars []string
	ClassVars    []string
	IsSystem     bool
	// Methods may be given here or added with AddMethod.
	Methods []MethodFixture
}

// MethodFixture is a method of a ClassFixture. The selector is read from
// Source when Selector is empty.
type MethodFixture struct {
	Selector       string
	ClassSide      bool
	Category       string
	Package        string // "" for the class's package
	Source         string
	SourceLocation *stuiproto.SourceLocation
}

// AddClass adds or replaces a class; its methods are parsed like
// compile_method's source. It panics on a method that does not parse.
func (b *Backend) AddClass(c ClassFixture) {
	methods := c.Methods
	c.Methods = nil
	b.mu.Lock()
	cp := c
	b.classes[c.Name] = &cp
	b.mu.Unlock()
	for _, m := range methods {
		b.AddMethod(c.Name, m)
	}
}

// AddMethod adds or replaces a method of a class added before. It panics if
// the class is unknown or the source does not parse.
func (b *Backend) AddMethod(class string, m MethodFixture) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.classes[class]
	if !ok {
		panic("stuitest: AddMethod: no class " + class)
	}
	pm, err := parseMethod(m.Source)
	if err != nil {
		panic(fmt.Sprintf("stuitest: AddMethod %s: %v", class, err))
	}
	if m.Selector == "" {
		m.Selector = pm.selector
	}
	if m.Category == "" {
		m.Category = "as yet unclassified"
	}
	c.install(m)
}

func (c *ClassFixture) install(m MethodFixture) (changed bool) {
	for i, old := range c.Methods {
		if old.Selector == m.Selector && old.ClassSide == m.ClassSide {
			changed = old.Source != m.Source || old.Category != m.Category
			c.Methods[i] = m
			return changed
		}
	}
	c.Methods = append(c.Methods, m)
	return true
}

func (c *ClassFixture) method(sel string, classSide bool) *MethodFixture {
	for i := range c.Methods {
		if c.Methods[i].Selector == sel && c.Methods[i].ClassSide == classSide {
			return &c.Methods[i]
		}
	}
	return nil
}

func (c *ClassFixture) definition() string {
	var b strings.Builder
	super := "nil"
	if c.Superclass != "" {
		super = c.Superclass
	}
	fmt.Fprintf(&b, "%s << #%s", super, c.Name)
	if len(c.InstanceVars) > 0 {
		fmt.Fprintf(&b, "\n\tslots: { #%s };", strings.Join(c.InstanceVars, " . #"))
	}
	if len(c.ClassVars) > 0 {
		fmt.Fprintf(&b, "\n\tsharedVariables: { #%s };", strings.Join(c.ClassVars, " . #"))
	}
	if c.Tag != "" {
		fmt.Fprintf(&b, "\n\ttag: '%s';", c.Tag)
	}
	fmt.Fprintf(&b, "\n\tpackage: '%s'", c.Package)
	return b.String()
}

func (c *ClassFixture) wireMethod(m *MethodFixture, withSource bool) stuiproto.Method {
	pm, _ := parseMethod(m.Source)
	w := stuiproto.Method{ClassName: c.Name, Name: m.Selector, IsClassMethod: m.ClassSide, Category: m.Category,
		Package: m.Package, Arguments: []string{}, Comment: ""}
	if w.Package == "" {
		w.Package = c.Package
	}
	if pm != nil {
		w.Arguments = append(w.Arguments, pm.args...)
		w.Comment = pm.comment
	}
	if withSource {
		w.Source = m.Source
	}
	return w
}

func (c *ClassFixture) ref(m *MethodFixture) stuiproto.MethodRef {
	pkg := m.Package
	if pkg == "" {
		pkg = c.Package
	}
	return stuiproto.MethodRef{ClassName: c.Name, Selector: m.Selector, IsClassMethod: m.ClassSide,
		Category: m.Category, Package: pkg, SourceLocation: m.SourceLocation}
}

// chain returns the class and its superclasses, nearest first.
func (b *Backend) chain(name string) []*ClassFixture {
	var cs []*ClassFixture
	for c := b.classes[name]; c != nil && len(cs) < 100; c = b.classes[c.Superclass] {
		cs = append(cs, c)
	}
	return cs
}

func (b *Backend) sortedClasses() []*ClassFixture {
	cs := make([]*ClassFixture, 0, len(b.classes))
	for _, c := range b.classes {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	return cs
}

var classNameRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9_]*$`)

// implementors lists the methods whose selector is p.Selector.
func (b *Backend) implementors(_ time.Time, p *stuiproto.SelectorParams) (stuiproto.ImplementorsResult, error) {
	refs, total, err := b.methodsWhere(p, func(m *MethodFixture) bool { return m.Selector == p.Selector })
	return stuiproto.ImplementorsResult{Selector: p.Selector, Implementors: refs, TotalCount: total}, err
}

// senders lists the methods whose source sends p.Selector.
func (b *Backend) senders(_ time.Time, p *stuiproto.SelectorParams) (stuiproto.SendersResult, error) {
	refs, total, err := b.methodsWhere(p, func(m *MethodFixture) bool { return sends(m.Source, p.Selector) })
	return stuiproto.SendersResult{Selector: p.Selector, Senders: refs, TotalCount: total}, err
}

// methodsWhere lists, up to p.Limit, the methods that hit is true of, and
// how many there are in all.
func (b *Backend) methodsWhere(p *stuiproto.SelectorParams, hit func(*MethodFixture) bool) ([]stuiproto.MethodRef, int, error) {
	if p.Selector == "" {
		return nil, 0, perr(stuiproto.ErrInvalidRequest, "Missing parameter: selector")
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 200
	}
	var refs []stuiproto.MethodRef
	for _, c := range b.sortedClasses() {
		for i := range c.Methods {
			if m := &c.Methods[i]; hit(m) {
				refs = append(refs, c.ref(m))
			}
		}
	}
	total := len(refs)
	if len(refs) > limit {
		refs = refs[:limit]
	}
	if refs == nil {
		refs = []stuiproto.MethodRef{}
	}
	return refs, total, nil
}

// completions proposes completions for a prefix.
func (b *Backend) completions(_ time.Time, p *stuiproto.CompleteParams) (stuiproto.CompleteResult, error) {
	return b.complete(p), nil
}

// browse_class describes a fixture class.
func (b *Backend) browseClass(now time.Time, p *stuiproto.BrowseClassParams) (stuiproto.BrowseClassResult, error) {
	c, ok := b.classes[p.ClassName]
	if !ok {
		return stuiproto.BrowseClassResult{}, perr(stuiproto.ErrClassNotFound, "Class not found: %s", p.ClassName)
	}
	r := stuiproto.BrowseClassResult{InstanceMethods: []stuiproto.Method{}, ClassMethods: []stuiproto.Method{},
		InstanceVars: []string{}, ClassVars: []string{}}
	var super *string
	if c.Superclass != "" {
		s := c.Superclass
		super = &s
	}
	r.ClassInfo = stuiproto.ClassInfo{Name: c.Name, Superclass: super, Comment: c.Comment, Package: c.Package,
		Tag: c.Tag, IsSystem: c.IsSystem, Definition: c.definition(), Subclasses: b.subclassesOf(c.Name)}
	if p.IncludeMethods == nil || *p.IncludeMethods {
		ms := append([]MethodFixture(nil), c.Methods...)
		sort.Slice(ms, func(i, j int) bool { return ms[i].Selector < ms[j].Selector })
		for i := range ms {
			w := c.wireMethod(&ms[i], p.IncludeSource)
			if ms[i].ClassSide {
				r.ClassMethods = append(r.ClassMethods, w)
			} else {
				r.InstanceMethods = append(r.InstanceMethods, w)
			}
		}
	}
	if p.IncludeInstanceVars == nil || *p.IncludeInstanceVars {
		r.InstanceVars = append(r.InstanceVars, c.InstanceVars...)
	}
	if p.IncludeClassVars == nil || *p.IncludeClassVars {
		r.ClassVars = append(r.ClassVars, c.ClassVars...)
	}
	return r, nil
}

// get_method returns one method with its source.
func (b *Backend) getMethod(now time.Time, p *stuiproto.GetMethodParams) (stuiproto.GetMethodResult, error) {
	c, ok := b.classes[p.ClassName]
	if !ok {
		return stuiproto.GetMethodResult{}, perr(stuiproto.ErrClassNotFound, "Class not found: %s", p.ClassName)
	}
	m := c.method(p.MethodName, p.IsClassMethod)
	if m == nil {
		side := ""
		if p.IsClassMethod {
			side = " class"
		}
		return stuiproto.GetMethodResult{}, perr(stuiproto.ErrMethodNotFound, "Method not found: %s%s>>%s", p.ClassName, side, p.MethodName)
	}
	return stuiproto.GetMethodResult{Method: c.wireMethod(m, true)}, nil
}

// list_classes lists the classes matching a pattern.
func (b *Backend) listClasses(now time.Time, p *stuiproto.ListClassesParams) (stuiproto.ListClassesResult, error) {
	pat := p.Pattern
	if pat == "" {
		pat = "*"
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 500
	}
	r := stuiproto.ListClassesResult{Classes: []string{}}
	for _, c := range b.sortedClasses() {
		if ok, _ := path.Match(strings.NewReplacer("?", "\\?", "[", "\\[", "\\", "\\\\").Replace(pat), c.Name); !ok {
			continue
		}
		if c.IsSystem && p.IncludeSystem != nil && !*p.IncludeSystem {
			continue
		}
		r.TotalCount++
		if len(r.Classes) < limit {
			r.Classes = append(r.Classes, c.Name)
		}
	}
	return r, nil
}

// system_info describes the backend as an image would.
func (b *Backend) systemInfo(now time.Time, p *stuiproto.SystemInfoParams) (stuiproto.SystemInfoResult, error) {
	info := b.Info
	info.Packages = nil
	switch t := strings.ToLower(p.InfoType); t {
	case "", "basic", "memory", "environment":
	case "packages", "all":
		seen := map[string]bool{}
		for _, c := range b.classes {
			seen[c.Package] = true
		}
		info.Packages = sortedKeys(seen)
	default:
		return stuiproto.SystemInfoResult{}, perr(stuiproto.ErrInvalidRequest, "Unknown info_type: %s", p.InfoType)
	}
	return stuiproto.SystemInfoResult{Info: info}, nil
}

// compile_method parses a method and installs it, as the image would.
func (b *Backend) compileMethod(now time.Time, p *stuiproto.CompileMethodParams) (stuiproto.CompileMethodResult, error) {
	c, ok := b.classes[p.ClassName]
	if !ok {
		return stuiproto.CompileMethodResult{}, perr(stuiproto.ErrClassNotFound, "Class not found: %s", p.ClassName)
	}
	pm, err := parseMethod(p.Source)
	if err != nil {
		return stuiproto.CompileMethodResult{}, codeError(p.Source, err)
	}
	if pos, name := b.undeclared(c, p.IsClassMethod, pm); pos > 0 {
		line, col := lineColumn(p.Source, pos)
		return stuiproto.CompileMethodResult{}, &protoError{typ: stuiproto.ErrCompile, msg: "Undeclared variable: " + name,
			details: &stuiproto.ErrorDetails{Line: line, Column: col, Position: pos}}
	}
	cat := p.Category
	if cat == "" {
		if old := c.method(pm.selector, p.IsClassMethod); old != nil {
			cat = old.Category
		} else {
			cat = "as yet unclassified"
		}
	}
	changed := c.install(MethodFixture{Selector: pm.selector, ClassSide: p.IsClassMethod, Category: cat,
		Package: p.Package, Source: p.Source})
	if changed {
		b.dropBreakpointsLocked(c.Name, pm.selector, p.IsClassMethod)
	}
	return stuiproto.CompileMethodResult{ClassName: c.Name, Selector: pm.selector, IsClassMethod: p.IsClassMethod,
		Category: cat, Changed: changed}, nil
}

// define_class creates or redefines a class.
func (b *Backend) defineClass(now time.Time, p *stuiproto.DefineClassParams) (stuiproto.DefineClassResult, error) {
	if !classNameRE.MatchString(p.Name) {
		return stuiproto.DefineClassResult{}, perr(stuiproto.ErrCompile, "Invalid class name: %s", p.Name)
	}
	super := ""
	if p.Superclass != nil {
		super = *p.Superclass
		if _, ok := b.classes[super]; !ok {
			return stuiproto.DefineClassResult{}, perr(stuiproto.ErrClassNotFound, "Class not found: %s", super)
		}
	}
	if p.Package == "" {
		return stuiproto.DefineClassResult{}, perr(stuiproto.ErrInvalidRequest, "Missing parameter: package")
	}
	nc := ClassFixture{Name: p.Name, Superclass: super, Package: p.Package, Tag: p.Tag, Comment: p.Comment,
		InstanceVars: p.InstanceVars, ClassVars: p.ClassVars}
	old, exists := b.classes[p.Name]
	if exists {
		nc.Methods, nc.IsSystem = old.Methods, old.IsSystem
		if p.Comment == "" {
			nc.Comment = old.Comment
		}
	}
	changed := !exists || old.definition() != nc.definition() || old.Comment != nc.Comment
	b.classes[p.Name] = &nc
	return stuiproto.DefineClassResult{ClassName: p.Name, Created: !exists, Changed: changed}, nil
}

// format_source lays a method or statements out.
func (b *Backend) formatSource(now time.Time, p *stuiproto.FormatSourceParams) (stuiproto.FormatSourceResult, error) {
	isMethod := p.IsMethod == nil || *p.IsMethod
	out, err := format(p.Source, isMethod)
	if err != nil {
		return stuiproto.FormatSourceResult{}, codeError(p.Source, err)
	}
	return stuiproto.FormatSourceResult{Formatted: out}, nil
}

func (b *Backend) complete(p *stuiproto.CompleteParams) stuiproto.CompleteResult {
	type key struct{ label, kind string }
	seen := map[key]bool{}
	var cs []stuiproto.Completion
	add := func(label, kind, detail string) {
		if !strings.HasPrefix(label, p.Prefix) || seen[key{label, kind}] {
			return
		}
		seen[key{label, kind}] = true
		c := stuiproto.Completion{Label: label, Kind: kind, Detail: detail}
		if kind == stuiproto.CompletionSelector && strings.HasSuffix(label, ":") {
			for _, part := range strings.SplitAfter(label, ":") {
				if part != "" {
					c.SelectorParts = append(c.SelectorParts, part)
				}
			}
		}
		cs = append(cs, c)
	}
	classes := b.sortedClasses()
	if p.ReceiverClass != "" {
		classes = b.chain(p.ReceiverClass)
	}
	for _, c := range classes {
		for _, m := range c.Methods {
			if !m.ClassSide || p.ReceiverClass == "" {
				add(m.Selector, stuiproto.CompletionSelector, c.Name)
			}
		}
	}
	if p.ReceiverClass == "" {
		for _, c := range b.sortedClasses() {
			add(c.Name, stuiproto.CompletionClass, c.Package)
		}
		if s, ok := b.sessions[p.SessionID]; ok {
			for _, name := range sortedKeys(s.vars) {
				add(name, stuiproto.CompletionVariable, s.vars[name].className())
			}
		}
		for _, c := range b.chain(p.ClassName) {
			for _, v := range c.InstanceVars {
				add(v, stuiproto.CompletionInstanceVariable, c.Name)
			}
			for _, v := range c.ClassVars {
				add(v, stuiproto.CompletionVariable, c.Name)
			}
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Label < cs[j].Label })
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	r := stuiproto.CompleteResult{Completions: cs}
	if len(cs) > limit {
		r.Completions, r.Incomplete = cs[:limit], true
	}
	if r.Completions == nil {
		r.Completions = []stuiproto.Completion{}
	}
	return r
}

// globals a method may name without declaring them.
var globals = map[string]bool{
	"Transcript": true, "Smalltalk": true, "Processor": true, "Array": true, "OrderedCollection": true,
	"Dictionary": true, "Set": true, "Bag": true, "String": true, "Symbol": true, "Character": true,
	"Delay": true, "Error": true, "Exception": true, "ZeroDivide": true, "SmallInteger": true,
	"Integer": true, "Number": true, "Float": true, "Fraction": true, "Boolean": true, "UndefinedObject": true,
	"Date": true, "Time": true, "DateAndTime": true, "Duration": true, "Point": true, "Rectangle": true,
	"WriteStream": true, "ReadStream": true, "Interval": true, "Association": true, "Semaphore": true,
}

// undeclared returns the position and name of the first variable the method
// uses without it being declared anywhere, or 0.
func (b *Backend) undeclared(c *ClassFixture, classSide bool, pm *parsedMethod) (int, string) {
	known := map[string]bool{"self": true, "super": true, "thisContext": true, "nil": true, "true": true, "false": true}
	for _, a := range pm.args {
		known[a] = true
	}
	for _, cl := range b.chain(c.Name) {
		if !classSide {
			for _, v := range cl.InstanceVars {
				known[v] = true
			}
		}
		for _, v := range cl.ClassVars {
			known[v] = true
		}
	}
	for _, ref := range pm.varRefs {
		if known[ref.text] || ref.declared || globals[ref.text] || b.classes[ref.text] != nil {
			continue
		}
		return ref.pos, ref.text
	}
	return 0, ""
}

// sends reports whether source sends selector.
// sends reports whether the method source sends selector, as the project's
// parser reads it.
func sends(source, selector string) bool {
	f := smalltalk.ParseMethod([]byte(source))
	if len(f.Errors) > 0 {
		return false
	}
	for _, s := range f.Methods[0].Sends() {
		if s.Selector == selector {
			return true
		}
	}
	return false
}
