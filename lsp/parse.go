package lsp

import (
	"fmt"
	"sort"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// parsedFile is a document's parse with the queries the server makes of it.
type parsedFile struct {
	*smalltalk.File
}

func parseDocument(name, text string) *parsedFile {
	return &parsedFile{smalltalk.Parse(name, []byte(text))}
}

// span is a half-open byte range of a document.
type span struct{ start, end int }

// methodAt returns the method containing off, or nil.
func (f *parsedFile) methodAt(off int) *smalltalk.Method {
	for _, m := range f.Methods {
		if m.Start <= off && off <= m.End {
			return m
		}
	}
	return nil
}

// statementAt returns the span of the statement the cursor is in: a top-level
// statement of a playground, or a statement of the method around the cursor.
// A cursor in the blank space after a statement (e.g. at the end of its line)
// still counts as being in it.
func (f *parsedFile) statementAt(off int) (span, bool) {
	stmts := f.Statements
	if m := f.methodAt(off); m != nil {
		stmts = m.Statements()
	}
	best := -1
	for i, st := range stmts {
		r := st.Span()
		if r.Start <= off && off <= r.End {
			return span{r.Start, r.End}, true
		}
		if r.End <= off {
			best = i
		}
	}
	if best >= 0 {
		r := stmts[best].Span()
		// Only if nothing but blanks, a '.' and comments lie between statement
		// and cursor on the same line: Print it leaves `3 + 4 "7".`, and the
		// cursor after it still means that statement.
		gap := f.withoutComments(r.End, off)
		if !strings.Contains(gap, "\n") && strings.Trim(gap, " \t.") == "" {
			return span{r.Start, r.End}, true
		}
	}
	return span{}, false
}

// withoutComments returns the text of [start, end) with the comments in it,
// and any comment it ends inside, turned into blanks; a newline inside such a
// comment stays.
func (f *parsedFile) withoutComments(start, end int) string {
	gap := []byte(string(f.Src[start:end]))
	i := sort.Search(len(f.Comments), func(i int) bool { return f.Comments[i].End > start })
	for ; i < len(f.Comments) && f.Comments[i].Start < end; i++ {
		c := f.Comments[i]
		for j := max(c.Start, start); j < min(c.End, end); j++ {
			if gap[j-start] != '\n' {
				gap[j-start] = ' '
			}
		}
	}
	return string(gap)
}

// evaluables lists what gets "Evaluate | Print it | Inspect it" lenses: each
// top-level statement of a playground, and each method marked <script> or
// <example> in a Tonel or chunk file, with the code that runs it.
type evaluable struct {
	span
	code string
}

func (f *parsedFile) evaluables() []evaluable {
	var out []evaluable
	if f.Kind == smalltalk.Playground {
		for _, st := range f.Statements {
			r := st.Span()
			out = append(out, evaluable{span{r.Start, r.End}, string(f.Src[r.Start:r.End])})
		}
		return out
	}
	for _, m := range f.Methods {
		if code, ok := scriptCode(f.File, m); ok {
			// The lens goes on the method's header, below its metadata.
			start := m.PatternRange.Start
			if m.ClassRange.End > m.ClassRange.Start {
				start = m.ClassRange.Start
			}
			out = append(out, evaluable{span{start, m.End}, code})
		}
	}
	return out
}

// scriptCode is what Pharo runs for a <script>, <script: 'code'> or
// <example> method.
func scriptCode(f *smalltalk.File, m *smalltalk.Method) (string, bool) {
	receiver := m.ClassName
	if !m.ClassSide {
		receiver = "(" + m.ClassName + " new)"
	}
	for _, p := range m.Pragmas {
		switch p.Selector {
		case "script", "example", "exampleWidget", "sampleInstance":
			return receiver + " " + m.Selector, true
		case "script:":
			if len(p.Args) == 1 {
				if lit, ok := p.Args[0].(*smalltalk.Literal); ok && lit.Kind == smalltalk.LitString {
					return unquote(f.Text(lit.Range)), true
				}
			}
		}
	}
	return "", false
}

// unquote turns a Smalltalk string literal into its value.
func unquote(lit string) string {
	if len(lit) >= 2 && lit[0] == '\'' && lit[len(lit)-1] == '\'' {
		lit = lit[1 : len(lit)-1]
	}
	return strings.ReplaceAll(lit, "''", "'")
}

// syntaxDiagnostics turns the parse errors of doc into diagnostics.
func syntaxDiagnostics(doc *document) []spanDiagnostic {
	if doc.tooLarge() {
		return []spanDiagnostic{{
			anchored: anchored{0, 0},
			severity: protocol.DiagnosticSeverityInformation,
			source:   sourceSyntax,
			message: fmt.Sprintf("stui: this document is over %d MiB, so it is not parsed: no syntax errors, highlighting, outline, folding or lenses for it. Evaluating a selection still works.",
				maxParsedDocument>>20),
		}}
	}
	f := doc.file()
	out := make([]spanDiagnostic, 0, len(f.Errors))
	for _, e := range f.Errors {
		end := e.End
		if end <= e.Start {
			end = e.Start
		}
		out = append(out, spanDiagnostic{
			anchored: anchored{e.Start, end},
			severity: protocol.DiagnosticSeverityError,
			source:   sourceSyntax,
			message:  e.Message,
		})
	}
	return out
}

// identKind says what a name under the cursor is.
type identKind int

const (
	identNone identKind = iota
	identClass
	identVariable
	identSelector
)

// ident is the name under the cursor.
type ident struct {
	kind identKind
	name string
	span span
	// method is the method around the cursor, if any.
	method *smalltalk.Method
}

// identifierAt finds what the cursor is on: a class name, a variable, or a
// message selector (for keyword messages the whole selector, from any part).
func (f *parsedFile) identifierAt(off int) ident {
	id := f.IdentifierAt(off)
	out := ident{name: id.Name, span: span{id.Range.Start, id.Range.End}, method: id.Method}
	switch id.Kind {
	case smalltalk.IdentGlobal:
		out.kind = identClass
	case smalltalk.IdentSelector, smalltalk.IdentSymbol:
		out.kind = identSelector
	case smalltalk.IdentInstVar, smalltalk.IdentClassVar, smalltalk.IdentArg, smalltalk.IdentTemp, smalltalk.IdentUndeclared:
		out.kind = identVariable
	default:
		out.kind = identNone
	}
	if out.method == nil {
		out.method = f.methodAt(off)
	}
	return out
}
