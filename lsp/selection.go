package lsp

import (
	"strings"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// Editors send very different ranges for "evaluate here": VS Code and Neovim
// an empty range or the user's selection, Helix its one-character cursor (or
// a whole line with its newline after `x`), eglot the sexp at point. The
// server reads them all the same way, in one place.

// selectionKind says what a range resolves to.
type selectionKind int

const (
	selectionNone      selectionKind = iota // nothing to evaluate
	selectionStatement                      // the statement at the cursor
	selectionExact                          // the selection, trimmed of blanks
)

// resolvedSelection is what a code-action or command range means: the
// statement at the cursor and, when the user selected more than one token,
// the selection trimmed of surrounding whitespace.
type resolvedSelection struct {
	statement    span
	hasStatement bool
	selection    span
	hasSelection bool
}

// preferred is what a command evaluates: the selection when there is one,
// else the statement.
func (r resolvedSelection) preferred() (span, selectionKind) {
	switch {
	case r.hasSelection:
		return r.selection, selectionExact
	case r.hasStatement:
		return r.statement, selectionStatement
	}
	return span{}, selectionNone
}

// properPart tells whether the selection is a strict part of the statement at
// the cursor, so both deserve an action.
func (r resolvedSelection) properPart() bool {
	return r.hasSelection && r.hasStatement && r.selection != r.statement &&
		r.statement.start <= r.selection.start && r.selection.end <= r.statement.end
}

// resolveSelection reads the byte range [start, end) of doc. A range that is
// empty, blank, or inside one token means the statement at the cursor.
func resolveSelection(doc *document, start, end int) resolvedSelection {
	start, end = trimBlanks(doc.text, start, end)
	var r resolvedSelection
	r.statement, r.hasStatement = doc.file().statementAt(start)
	if start == end || withinOneToken(doc.text, start, end) {
		return r
	}
	if f := doc.file(); f.Kind.IsTonel() && !f.insideOneMethodBody(start, end) {
		// The class definition is STON and a method header is no
		// statement: the image would answer a SyntaxError.
		return r
	}
	r.selection, r.hasSelection = span{start, end}, true
	return r
}

// insideOneMethodBody tells whether [start, end) lies within the body of a
// single method, between its pattern and its closing bracket.
func (f *parsedFile) insideOneMethodBody(start, end int) bool {
	m := f.methodAt(start)
	return m != nil && m.BodyRange.Start <= start && end <= m.BodyRange.End
}

// trimBlanks narrows [start, end) to its non-blank part; an all-blank range
// becomes the empty range at its start.
func trimBlanks(text string, start, end int) (int, int) {
	start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
	if end <= start {
		return start, start
	}
	sel := text[start:end]
	trimmed := strings.TrimLeft(sel, " \t\r\n\f")
	if trimmed == "" {
		return start, start
	}
	start += len(sel) - len(trimmed)
	end = start + len(strings.TrimRight(trimmed, " \t\r\n\f"))
	return start, end
}

// withinOneToken tells whether [start, end) lies inside a single token of
// text, such as Helix's one-character cursor on the 3 of `3 + 4`.
func withinOneToken(text string, start, end int) bool {
	// A token cannot begin before the line, so the scan starts there.
	from := strings.LastIndexByte(text[:start], '\n') + 1
	sc := smalltalk.NewScanner([]byte(text), from, len(text))
	for {
		tok := sc.Next()
		if tok.Kind == smalltalk.EOF || tok.Start >= end {
			return false
		}
		if tok.Start <= start && end <= tok.End {
			return true
		}
		if tok.End > start {
			return false
		}
	}
}
