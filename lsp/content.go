package lsp

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-lsp/stui-lsp/internal/sessionmemory"
	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/smalltalk/index"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Generated documents hold what only the image has (the source of a method
// that lives in no workspace file, a class definition) as read-only files
// under the cache directory, so that any editor can open them by file://.

// methodFileName names the file of a generated method document.
func methodFileName(k methodKey) string {
	name := k.ClassName
	if k.ClassSide {
		name += " class"
	}
	name += ">>" + k.Selector
	return strings.NewReplacer("%", "%25", "/", "%2F", "\\", "%5C", "\x00", "").Replace(name) + ".st"
}

// chunkMethod writes a method as a chunk file-out, which the parser reads
// back with its class, side and category.
func chunkMethod(k methodKey, category, header, source string) string {
	var b strings.Builder
	if header != "" {
		fmt.Fprintf(&b, "%s!\n", smalltalkComment(header))
	}
	if category == "" {
		category = "as yet unclassified"
	}
	side := ""
	if k.ClassSide {
		side = " class"
	}
	fmt.Fprintf(&b, "!%s%s methodsFor: '%s'!\n", k.ClassName, side, strings.ReplaceAll(category, "'", "''"))
	b.WriteString(strings.ReplaceAll(source, "!", "!!"))
	b.WriteString("! !\n")
	return b.String()
}

// writeGenerated writes content with 0400 permissions to path, a file below
// the cache directory, replacing an older version. The directories on the
// way must be this user's alone (sessionmemory.PrivateDir), and nothing at
// path is followed: the file is written under a fresh name and renamed over
// it.
func (s *server) writeGenerated(path, content string) error {
	rel, err := filepath.Rel(s.opts.CacheDir, filepath.Dir(path))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is not below the cache directory %s", path, s.opts.CacheDir)
	}
	var sub []string
	if rel != "." {
		sub = strings.Split(rel, string(filepath.Separator))
	}
	dir, err := sessionmemory.PrivateDir(s.opts.CacheDir, sub...)
	if err != nil {
		return err
	}
	if old, err := index.ReadSource(path); err == nil && string(old) == content {
		return nil
	}
	tmp, err := os.CreateTemp(dir, ".gen-*")
	if err != nil {
		return err
	}
	_, werr := tmp.WriteString(content)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o400)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
	}
	return werr
}

// imageMethod fetches a method's source from the image.
func (s *server) imageMethod(ctx context.Context, k methodKey) (*stuiproto.Method, error) {
	var res stuiproto.GetMethodResult
	err := stuiproto.Call(ctx, s.image, stuiproto.GetMethodCommand, stuiproto.GetMethodParams{ClassName: k.ClassName, MethodName: k.Selector, IsClassMethod: k.ClassSide}, &res)
	if err != nil {
		return nil, err
	}
	return &res.Method, nil
}

// generatedMethod writes the image's version of a method to its generated
// document and returns the document's URI and parse.
func (s *server) generatedMethod(ctx context.Context, k methodKey) (uri.URI, *smalltalk.File, error) {
	m, err := s.imageMethod(ctx, k)
	if err != nil {
		return "", nil, err
	}
	header := methodLabel(stuiproto.MethodRef{ClassName: k.ClassName, Selector: k.Selector, IsClassMethod: k.ClassSide})
	if m.Package != "" {
		header += " (" + m.Package + ")"
	}
	header += ": read-only copy of the image's source"
	content := chunkMethod(k, m.Category, header, m.Source)
	path := filepath.Join(s.opts.CacheDir, "methods", methodFileName(k))
	if err := s.writeGenerated(path, content); err != nil {
		return "", nil, err
	}
	return uri.File(path), smalltalk.Parse(path, []byte(content)), nil
}

// generatedClass writes the image's definition of a class to a read-only
// document.
func (s *server) generatedClass(ctx context.Context, name string) (protocol.Location, error) {
	var res stuiproto.BrowseClassResult
	no := false
	if err := stuiproto.Call(ctx, s.image, stuiproto.BrowseClassCommand, stuiproto.BrowseClassParams{ClassName: name, IncludeMethods: &no}, &res); err != nil {
		return protocol.Location{}, err
	}
	var b strings.Builder
	if res.ClassInfo.Comment != "" {
		b.WriteString(smalltalkComment(res.ClassInfo.Comment) + "\n\n")
	}
	b.WriteString(res.ClassInfo.Definition + "\n")
	content := b.String()
	path := filepath.Join(s.opts.CacheDir, "classes", strings.ReplaceAll(name, "/", "%2F")+".st")
	if err := s.writeGenerated(path, content); err != nil {
		return protocol.Location{}, err
	}
	at := strings.Index(content, res.ClassInfo.Definition)
	if i := strings.Index(res.ClassInfo.Definition, name); i >= 0 && at >= 0 {
		at += i
	} else {
		at = max(at, 0)
	}
	end := at + len(name)
	if end > len(content) {
		end = at
	}
	return protocol.Location{URI: uri.File(path), Range: newLineIndex(content).rangeOf(at, end, s.encoding)}, nil
}

// splitSource splits a method's source into its pattern and its body, as
// the parser sees them.
func splitSource(k methodKey, source string) (pattern, body string, ok bool) {
	f := smalltalk.Parse("", []byte(chunkMethod(k, "", "", source)))
	if len(f.Methods) != 1 {
		return "", "", false
	}
	m := f.Methods[0]
	at := m.SourceOffset(m.PatternRange.End)
	if at < 0 || at > len(m.Source) || m.Selector != k.Selector {
		return "", "", false
	}
	return m.Source[:at], m.Source[at:], true
}

// methodEdit computes the text edit that replaces method m of f by source
// (pattern and body, as the image has it), keeping the Tonel brackets and
// metadata. It reports false when the source cannot be placed.
func methodEdit(f *smalltalk.File, m *smalltalk.Method, source string) (edit, bool) {
	k := methodKey{ClassName: m.ClassName, ClassSide: m.ClassSide, Selector: m.Selector}
	switch {
	case f.Kind.IsTonel():
		pat, body, ok := splitSource(k, source)
		if !ok || m.PatternRange.Len() == 0 || m.BodyRange.Start < m.PatternRange.End {
			return edit{}, false
		}
		old := f.Text(m.BodyRange)
		if strings.HasSuffix(old, "\n") && !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		between := f.Text(smalltalk.Range{Start: m.PatternRange.End, End: m.BodyRange.Start})
		return edit{start: m.PatternRange.Start, end: m.BodyRange.End, text: pat + between + body}, true
	case f.Kind == smalltalk.Chunk:
		return edit{start: m.Start, end: m.End, text: strings.ReplaceAll(source, "!", "!!")}, true
	}
	return edit{}, false
}
