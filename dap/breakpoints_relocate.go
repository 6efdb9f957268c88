package dap

import (
	"strings"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// anchor is where a breakpoint was in its file when the adapter last read
// the file: its method, its line within the method and that line's text.
// An editor moves its breakpoint marks with the text as the user edits;
// VS Code then sends the moved lines on the save, but an editor that
// sends nothing (dape sends setBreakpoints only when a breakpoint is
// placed, removed, disabled or moved by the adapter) would otherwise see
// the adapter's breakpoint stay on the old line number, under other code.
type anchor struct {
	className, selector string
	classSide           bool
	// rel is the line within the method, 1 for the pattern's.
	rel  int
	text string
	ok   bool
}

func anchorAt(f *smalltalk.File, line int) anchor {
	m := f.MethodAt(f.LineStart(line))
	if m == nil {
		return anchor{}
	}
	first, _ := f.LineCol(m.PatternRange.Start)
	return anchor{className: m.ClassName, selector: m.Selector, classSide: m.ClassSide, rel: line - first + 1, text: lineText(f, line), ok: true}
}

func lineText(f *smalltalk.File, line int) string {
	return strings.TrimSpace(string(f.Src[f.LineStart(line):f.LineStart(line+1)]))
}

// relocate answers the line of a in f: the line of a's method that has
// a's text, the one nearest a's place in the method when several do; else
// the same place in the method (the line itself was edited); 0 when the
// method is gone or too short now.
func relocate(f *smalltalk.File, a anchor) int {
	var m *smalltalk.Method
	for _, each := range f.Methods {
		if each.ClassName == a.className && each.Selector == a.selector && each.ClassSide == a.classSide {
			m = each
			break
		}
	}
	if m == nil {
		return 0
	}
	first, _ := f.LineCol(m.PatternRange.Start)
	last, _ := f.LineCol(max(m.End-1, m.Start))
	best := 0
	for l := first; l <= last; l++ {
		if lineText(f, l) == a.text && (best == 0 || distance(l-first+1, a.rel) < distance(best-first+1, a.rel)) {
			best = l
		}
	}
	if best == 0 && first+a.rel-1 <= last {
		best = first + a.rel - 1
	}
	return best
}

func distance(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}
