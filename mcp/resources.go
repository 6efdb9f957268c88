package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// The stui: resources. Names are percent-encoded in a URI's path segments, so
// a binary selector such as // or a class side ("Foo class") fits:
//
//	stui://packages                   the packages of the user's code and their classes
//	stui://package/Demo               one package's classes
//	stui://class/Counter              a class: definition, comment, methods
//	stui://method/Counter/increment   a method's source
//	stui://method/Counter%20class/new a class-side method's source
const (
	packagesURI         = "stui://packages"
	packagePrefix       = "stui://package/"
	classPrefix         = "stui://class/"
	methodPrefix        = "stui://method/"
	smalltalkMIME       = "text/x-smalltalk"
	classSideSuffix     = " class"
	maxIndexedClasses   = 2000
	packageIndexTTL     = 30 * time.Second
	packageIndexWorkers = 4
)

func classURI(name string) string   { return classPrefix + url.PathEscape(name) }
func packageURI(name string) string { return packagePrefix + url.PathEscape(name) }

func methodURI(class, selector string, classSide bool) string {
	if classSide {
		class += classSideSuffix
	}
	return methodPrefix + url.PathEscape(class) + "/" + url.PathEscape(selector)
}

func (s *Server) addResources() {
	s.mcp.AddResource(&sdk.Resource{URI: packagesURI, Name: "packages", Title: "Packages of the image's own code",
		Description: "The image's packages that are not part of Pharo itself, each with its classes as stui://class/ URIs.",
		MIMEType:    "text/plain"}, s.readPackages)
	s.mcp.AddResourceTemplate(&sdk.ResourceTemplate{URITemplate: "stui://package/{+package}", Name: "package",
		Title: "A package's classes", Description: "The classes of one package of the image's own code, as stui://class/ URIs.",
		MIMEType: "text/plain"}, s.readPackage)
	s.mcp.AddResourceTemplate(&sdk.ResourceTemplate{URITemplate: "stui://class/{class}", Name: "class",
		Title: "A class", Description: "A class of the image: its definition, comment and methods by category, with their stui://method/ URIs.",
		MIMEType: "text/plain"}, s.readClass)
	s.mcp.AddResourceTemplate(&sdk.ResourceTemplate{URITemplate: "stui://method/{class}/{+selector}", Name: "method",
		Title: "A method's source", Description: "The source of a method as the image has it. For the class side, the class segment is \"Foo%20class\".",
		MIMEType: smalltalkMIME}, s.readMethod)
}

// pathAfter decodes the one path segment of uri after prefix.
func pathAfter(uri, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(uri, prefix)
	if !ok || rest == "" {
		return "", false
	}
	name, err := url.PathUnescape(rest)
	return name, err == nil && name != ""
}

func textResource(uri, mime, text string) *sdk.ReadResourceResult {
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: uri, MIMEType: mime, Text: text}}}
}

// resourceError turns a failed image call into a read error the agent can
// tell apart: a class or method the image does not have is "not found".
func (s *Server) resourceError(ctx context.Context, uri string, err error) error {
	te := s.describe(ctx, err)
	switch te.ErrorType {
	case stuiproto.ErrClassNotFound, stuiproto.ErrMethodNotFound:
		return sdk.ResourceNotFoundError(uri)
	}
	return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: fmt.Sprintf("%s: %s: %s", uri, te.ErrorType, te.Message)}
}

// notFound is the "not found" read error with a message that says more than
// the SDK's own: a plain Go error would reach the client with code 0.
func notFound(uri, message string) error {
	return &jsonrpc.Error{Code: sdk.CodeResourceNotFound, Message: message, Data: json.RawMessage(fmt.Sprintf(`{"uri":%q}`, uri))}
}

func (s *Server) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opts.CallTimeout)
}

func (s *Server) readClass(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	uri := req.Params.URI
	name, ok := pathAfter(uri, classPrefix)
	if !ok || strings.Contains(name, "/") {
		return nil, sdk.ResourceNotFoundError(uri)
	}
	ctx, cancel := s.callContext(ctx)
	defer cancel()
	c, err := s.fetchClass(ctx, name, true)
	if err != nil {
		return nil, s.resourceError(ctx, uri, err)
	}
	return textResource(uri, "text/plain", capText(classText(c, true), s.textLimit())), nil
}

func (s *Server) readMethod(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	uri := req.Params.URI
	rest, _ := strings.CutPrefix(uri, methodPrefix)
	classPart, selPart, found := strings.Cut(rest, "/")
	class, err1 := url.PathUnescape(classPart)
	selector, err2 := url.PathUnescape(selPart)
	if !found || err1 != nil || err2 != nil || class == "" || selector == "" {
		return nil, sdk.ResourceNotFoundError(uri)
	}
	class, classSide := strings.CutSuffix(class, classSideSuffix)
	ctx, cancel := s.callContext(ctx)
	defer cancel()
	m, err := s.fetchMethod(ctx, class, selector, classSide)
	if err != nil {
		return nil, s.resourceError(ctx, uri, err)
	}
	return textResource(uri, smalltalkMIME, m.Source), nil
}

func (s *Server) readPackages(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	ctx, cancel := s.callContext(ctx)
	defer cancel()
	idx, err := s.packages.get(ctx)
	if err != nil {
		return nil, s.resourceError(ctx, packagesURI, err)
	}
	var b strings.Builder
	if len(idx.byPackage) == 0 {
		b.WriteString("The image has no classes outside Pharo's own packages.\n")
	}
	for _, p := range idx.names() {
		fmt.Fprintf(&b, "%s  %s\n", p, packageURI(p))
		for _, c := range idx.byPackage[p] {
			fmt.Fprintf(&b, "  %s  %s\n", c, classURI(c))
		}
	}
	if idx.cut {
		fmt.Fprintf(&b, "(only the first %d classes are indexed; use the search_classes tool for the rest)\n", maxIndexedClasses)
	}
	return textResource(packagesURI, "text/plain", capText(b.String(), s.textLimit())), nil
}

func (s *Server) readPackage(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	uri := req.Params.URI
	name, ok := pathAfter(uri, packagePrefix)
	if !ok {
		return nil, sdk.ResourceNotFoundError(uri)
	}
	ctx, cancel := s.callContext(ctx)
	defer cancel()
	idx, err := s.packages.get(ctx)
	if err != nil {
		return nil, s.resourceError(ctx, uri, err)
	}
	classes, ok := idx.byPackage[name]
	if !ok {
		// Pharo's own packages are not indexed (thousands of classes):
		// say how to get at them rather than only "not found".
		return nil, notFound(uri, fmt.Sprintf("%s: package %s has no classes among the image's own code (Pharo's packages are not listed); use search_classes or read stui://class/<Name>", uri, name))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "package %s: %d classes\n", name, len(classes))
	for _, c := range classes {
		fmt.Fprintf(&b, "%s  %s\n", c, classURI(c))
	}
	return textResource(uri, "text/plain", capText(b.String(), s.textLimit())), nil
}

// packageIndex maps the packages of the user's code (the classes that
// list_classes does not count as system classes) to their classes. The
// protocol lists classes by name only, so each class's package comes from
// browse_class: the index is built on demand, a few calls at a time, and
// kept for packageIndexTTL or until a compile changes the image.
type packageIndex struct {
	s *Server

	mu    sync.Mutex
	built time.Time
	cache *packageListing
}

type packageListing struct {
	byPackage map[string][]string
	cut       bool // more than maxIndexedClasses classes
}

func (l *packageListing) names() []string {
	names := make([]string, 0, len(l.byPackage))
	for p := range l.byPackage {
		names = append(names, p)
	}
	sort.Strings(names)
	return names
}

func newPackageIndex(s *Server) *packageIndex { return &packageIndex{s: s} }

func (p *packageIndex) invalidate() {
	p.mu.Lock()
	p.cache = nil
	p.mu.Unlock()
}

func (p *packageIndex) get(ctx context.Context) (*packageListing, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cache != nil && time.Since(p.built) < packageIndexTTL {
		return p.cache, nil
	}
	img := p.s.opts.Image
	noSystem := false
	var list stuiproto.ListClassesResult
	if err := stuiproto.Call(ctx, img, stuiproto.ListClassesCommand, stuiproto.ListClassesParams{Pattern: "*", IncludeSystem: &noSystem, Limit: maxIndexedClasses}, &list); err != nil {
		return nil, err
	}
	packages := make([]string, len(list.Classes))
	errs := make([]error, len(list.Classes))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(packageIndexWorkers, len(list.Classes)) {
		wg.Go(func() {
			for i := range work {
				errs[i] = recovering(func() error {
					c, err := p.s.fetchClass(ctx, list.Classes[i], false)
					if err == nil {
						packages[i] = c.ClassInfo.Package
					}
					return err
				})
			}
		})
	}
	for i := range list.Classes {
		work <- i
	}
	close(work)
	wg.Wait()
	l := &packageListing{byPackage: map[string][]string{}, cut: list.TotalCount > len(list.Classes)}
	for i, name := range list.Classes {
		if errs[i] != nil {
			// A class removed between the two calls is no reason to fail
			// the listing; an image that went away is.
			if stuiproto.IsConnectionError(errs[i]) || ctx.Err() != nil {
				return nil, errs[i]
			}
			p.s.log.Debug("class left out of the package index", zap.String("class", name), zap.Error(errs[i]))
			continue
		}
		l.byPackage[packages[i]] = append(l.byPackage[packages[i]], name)
	}
	p.cache, p.built = l, time.Now()
	return l, nil
}

// listResources answers resources/list with the static resources and, when
// the image answers, a resource per package and per class of the user's
// code, so an agent can list what the image has by package.
func (s *Server) listResources(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		res, err := next(ctx, method, req)
		if method != "resources/list" || err != nil {
			return res, err
		}
		list, ok := res.(*sdk.ListResourcesResult)
		if !ok || list.NextCursor != "" {
			return res, err
		}
		cctx, cancel := s.callContext(ctx)
		defer cancel()
		idx, ierr := s.packages.get(cctx)
		if ierr != nil {
			// The static resources still list; reading them says what is wrong.
			s.log.Info("resources/list without the image's packages", zap.Error(ierr))
			return list, nil
		}
		for _, p := range idx.names() {
			list.Resources = append(list.Resources, &sdk.Resource{URI: packageURI(p), Name: p, Title: "package " + p,
				Description: fmt.Sprintf("the %d classes of package %s", len(idx.byPackage[p]), p), MIMEType: "text/plain"})
			for _, c := range idx.byPackage[p] {
				list.Resources = append(list.Resources, &sdk.Resource{URI: classURI(c), Name: c, Title: c,
					Description: "class " + c + " in package " + p, MIMEType: "text/plain"})
			}
		}
		return list, nil
	}
}

// recovering runs fn, turning a panic into an error: a goroutine of its own
// must not end the server.
func recovering(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	return fn()
}
