package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// CompileMethodArgs are compile_method's arguments.
type CompileMethodArgs struct {
	ClassName string `json:"class_name" jsonschema:"the class to compile the method into; Foo class means its class side"`
	ClassSide bool   `json:"class_side,omitempty" jsonschema:"true to compile on the class side (Foo class>>bar)"`
	Category  string `json:"category,omitempty" jsonschema:"the method's protocol, e.g. accessing (default: as yet unclassified)"`
	Source    string `json:"source" jsonschema:"the whole method: message pattern, then temporaries and statements"`
}

// CompileMethodOutput is compile_method's result.
type CompileMethodOutput struct {
	ClassName string `json:"class_name"`
	Selector  string `json:"selector"`
	ClassSide bool   `json:"class_side"`
	Category  string `json:"category"`
	Changed   bool   `json:"changed" jsonschema:"false when the image already had exactly this source"`
	URI       string `json:"uri" jsonschema:"the method as a stui:// resource"`
}

func (s *Server) compileMethod(ctx context.Context, a CompileMethodArgs) (CompileMethodOutput, string, error) {
	if strings.TrimSpace(a.ClassName) == "" || strings.TrimSpace(a.Source) == "" {
		return CompileMethodOutput{}, "", badArgs("give class_name and source")
	}
	class, classSide := sideOf(a.ClassName, a.ClassSide)
	var res stuiproto.CompileMethodResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.CompileMethodCommand, stuiproto.CompileMethodParams{
		ClassName: class, IsClassMethod: classSide, Category: a.Category, Source: a.Source}, &res); err != nil {
		return CompileMethodOutput{}, "", err
	}
	s.packages.invalidate()
	out := CompileMethodOutput{ClassName: res.ClassName, Selector: res.Selector, ClassSide: res.IsClassMethod,
		Category: res.Category, Changed: res.Changed, URI: methodURI(res.ClassName, res.Selector, res.IsClassMethod)}
	side := res.ClassName
	if res.IsClassMethod {
		side += " class"
	}
	verb := "compiled and installed"
	if !res.Changed {
		verb = "unchanged (the image already had this source)"
	}
	return out, fmt.Sprintf("%s>>%s %s, category %s", side, res.Selector, verb, res.Category), nil
}
