package lsp

import (
	"crypto/sha256"
	"strings"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// methodKey names a method of the image.
type methodKey struct {
	ClassName string `json:"className"`
	ClassSide bool   `json:"classSide"`
	Selector  string `json:"selector"`
}

func keyOf(m *smalltalk.Method) methodKey {
	return methodKey{ClassName: m.ClassName, ClassSide: m.ClassSide, Selector: m.Selector}
}

func (k methodKey) String() string {
	return methodLabel(stuiproto.MethodRef{ClassName: k.ClassName, Selector: k.Selector, IsClassMethod: k.ClassSide})
}

func methodHash(m *smalltalk.Method) string { return sourceHash(m.Category, m.Source) }

func sourceHash(category, source string) string {
	sum := sha256.Sum256([]byte(category + "\x00" + normalizeSource(source)))
	return string(sum[:])
}

// normalizeSource ignores what editors and the image disagree on: line
// terminators and trailing blanks.
func normalizeSource(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}
