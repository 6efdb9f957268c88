package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// compileStore remembers, per document, what the image was last given, so a
// save compiles only the methods that changed since.
type compileStore struct {
	mu   sync.Mutex
	docs map[uri.URI]*compiledDoc
}

type compiledDoc struct {
	mu       sync.Mutex // one compile or check of the document at a time
	classDef map[string]string
	methods  map[methodKey]string
}

func (cs *compileStore) forDoc(u uri.URI) *compiledDoc {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.docs == nil {
		cs.docs = map[uri.URI]*compiledDoc{}
	}
	d := cs.docs[u]
	if d == nil {
		d = &compiledDoc{classDef: map[string]string{}, methods: map[methodKey]string{}}
		cs.docs[u] = d
	}
	return d
}

// compilable reports whether saving f compiles it: Tonel class, trait and
// extension files.
func compilable(f *smalltalk.File) bool {
	return f.Kind.IsTonel() && f.Kind != smalltalk.TonelPackage
}

func defineParams(d *smalltalk.ClassDef) stuiproto.DefineClassParams {
	p := stuiproto.DefineClassParams{
		Name: d.Name, InstanceVars: d.InstVars, ClassVars: d.ClassVars, ClassInstanceVars: d.ClassInstVars,
		Package: d.Package, Tag: d.Tag, Comment: d.Comment, Kind: "class",
	}
	if p.Package == "" {
		p.Package = d.Category
	}
	if d.IsTrait {
		p.Kind = "trait"
	}
	if d.Superclass != "" && d.Superclass != "nil" {
		super := d.Superclass
		p.Superclass = &super
	}
	return p
}

// compileOnSave loads a saved Tonel file into the image: the class
// definition when it changed, then every method whose source changed since
// it was last compiled (all of them the first time, except those the image
// already has). Errors become diagnostics at the place the compiler names;
// the file itself is never written.
func (s *server) compileOnSave(ctx context.Context, doc *document) {
	f := doc.file()
	if !compilable(f.File) || !s.image.available() {
		return
	}
	st := s.workspace.compiled.forDoc(doc.uri)
	st.mu.Lock()
	defer st.mu.Unlock()
	var diags []spanDiagnostic
	var cleared []smalltalk.Range
	for _, d := range f.Classes {
		if d.IsExtension {
			continue
		}
		p := defineParams(d)
		data, _ := json.Marshal(p)
		h := string(data)
		if st.classDef[d.Name] == h {
			continue
		}
		var res stuiproto.DefineClassResult
		err := stuiproto.Call(ctx, s.image, stuiproto.DefineClassCommand, p, &res)
		var remote *stuiproto.RemoteError
		switch {
		case err == nil:
			st.classDef[d.Name] = h
			cleared = append(cleared, d.DefRange)
		case errors.As(err, &remote):
			diags = append(diags, spanDiagnostic{anchored: anchored{d.NameRange.Start, d.NameRange.End}, severity: protocol.DiagnosticSeverityError,
				source: sourceCompile, code: remote.Type, message: "class definition: " + remote.Message})
		default:
			s.log.Info("compile on save stopped", zap.Error(err))
			return
		}
	}
	var todo []*smalltalk.Method
	for _, m := range f.Methods {
		if m.Selector != "" && st.methods[keyOf(m)] != methodHash(m) {
			todo = append(todo, m)
		}
	}
	prog := s.startProgress(ctx, "Compiling "+baseName(doc.uri), len(todo))
	failed := 0
	for i, m := range todo {
		prog.report(ctx, i, len(todo), keyOf(m).String())
		d, err := s.compileMethod(ctx, f.File, m, st)
		if d != nil {
			diags = append(diags, *d)
			failed++
		} else if err != nil {
			s.log.Info("compile on save stopped", zap.Error(err))
			prog.end(ctx, "image not reachable")
			break
		} else {
			cleared = append(cleared, m.Range)
		}
	}
	if prog != nil {
		prog.end(ctx, fmt.Sprintf("%d compiled, %d failed", len(todo)-failed, failed))
	}
	s.applyCompileDiagnostics(ctx, doc, cleared, todo, diags)
}

// compileMethod sends one method. A compiler error comes back as a
// diagnostic; other errors (the image is gone) as an error.
func (s *server) compileMethod(ctx context.Context, f *smalltalk.File, m *smalltalk.Method, st *compiledDoc) (*spanDiagnostic, error) {
	p := stuiproto.CompileMethodParams{ClassName: m.ClassName, IsClassMethod: m.ClassSide, Category: m.Category, Source: m.Source}
	if len(f.Classes) > 0 && !f.Classes[0].IsExtension {
		p.Package = f.Classes[0].Package
	}
	var res stuiproto.CompileMethodResult
	err := stuiproto.Call(ctx, s.image, stuiproto.CompileMethodCommand, p, &res)
	if err == nil {
		st.methods[keyOf(m)] = methodHash(m)
		return nil, nil
	}
	var remote *stuiproto.RemoteError
	if !errors.As(err, &remote) {
		return nil, err
	}
	delete(st.methods, keyOf(m))
	d := &spanDiagnostic{anchored: anchored{m.SelectorRange.Start, m.SelectorRange.End}, severity: protocol.DiagnosticSeverityError,
		source: sourceCompile, code: remote.Type, message: remote.Message}
	if det := remote.Details; det != nil && det.Line > 0 && (remote.Type == stuiproto.ErrSyntax || remote.Type == stuiproto.ErrCompile) {
		at := m.FileOffsetAt(det.Line, max(det.Column, 1))
		d.anchored = anchored{at, tokenEnd(string(f.Src), at, m.End)}
	}
	return d, nil
}

// applyCompileDiagnostics replaces the compile diagnostics of the methods
// just compiled, if the document is still the one that was compiled (the
// offsets would be wrong otherwise; the next save redoes them).
func (s *server) applyCompileDiagnostics(ctx context.Context, doc *document, cleared []smalltalk.Range, compiled []*smalltalk.Method, diags []spanDiagnostic) {
	if cur, ok := s.docs.get(doc.uri); !ok || cur != doc {
		return
	}
	for _, m := range compiled {
		s.diags.clearLive(doc.uri, sourceCompile, m.Start, m.End)
	}
	for _, r := range cleared {
		s.diags.clearLive(doc.uri, sourceCompile, r.Start, r.End)
		s.diags.clearLive(doc.uri, sourceImage, r.Start, r.End)
	}
	for _, d := range diags {
		s.diags.addLive(doc.uri, d)
	}
	s.publishDiagnostics(ctx, doc)
}

func baseName(u uri.URI) string {
	p := string(u)
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// commandMethod resolves the document and method a compile command names.
func (s *server) commandMethod(args commandArgs) (*document, *smalltalk.Method, error) {
	if args.URI == "" || args.Method == nil {
		return nil, nil, errInvalidParams(`give {"uri": ..., "method": {"className", "classSide", "selector"}}`)
	}
	doc, ok := s.docs.get(args.URI)
	if !ok {
		return nil, nil, errInvalidParams("document %s is not open", args.URI)
	}
	for _, m := range doc.file().Methods {
		if keyOf(m) == *args.Method {
			return doc, m, nil
		}
	}
	return nil, nil, errInvalidParams("%s has no method %s", args.URI, args.Method)
}

// runCompileMethod compiles one method of a document into the image.
func (s *server) runCompileMethod(ctx context.Context, args commandArgs) (any, error) {
	doc, m, err := s.commandMethod(args)
	if err != nil {
		return nil, err
	}
	if !s.image.available() {
		return nil, s.imageError(errNotConnected)
	}
	st := s.workspace.compiled.forDoc(doc.uri)
	st.mu.Lock()
	d, err := s.compileMethod(ctx, doc.file().File, m, st)
	st.mu.Unlock()
	if err != nil {
		return nil, s.imageError(err)
	}
	var diags []spanDiagnostic
	var cleared []smalltalk.Range
	if d != nil {
		diags = append(diags, *d)
	} else {
		cleared = append(cleared, m.Range)
	}
	s.applyCompileDiagnostics(ctx, doc, cleared, []*smalltalk.Method{m}, diags)
	if d != nil {
		return nil, jsonrpcCompileError(d.code, d.message)
	}
	return map[string]any{"compiled": true, "method": keyOf(m)}, nil
}

func jsonrpcCompileError(typ, msg string) error {
	return errInvalidParams("%s: %s", typ, msg)
}
