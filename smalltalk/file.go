package smalltalk

import (
	"bytes"
	"sort"
	"sync"
	"unicode/utf8"
)

// Kind is the format of a source file, decided from its content.
type Kind uint8

// File kinds.
const (
	Playground     Kind = iota // plain statements separated by '.'
	TonelClass                 // Class { ... } followed by methods
	TonelExtension             // Extension { ... } followed by methods
	TonelPackage               // package.st: Package { ... }
	TonelTrait                 // Trait { ... } followed by methods
	Chunk                      // file-out with '!' separated chunks
)

func (k Kind) String() string {
	switch k {
	case TonelClass:
		return "tonel-class"
	case TonelExtension:
		return "tonel-extension"
	case TonelPackage:
		return "tonel-package"
	case TonelTrait:
		return "tonel-trait"
	case Chunk:
		return "chunk"
	}
	return "playground"
}

// IsTonel reports whether k is one of the Tonel kinds.
func (k Kind) IsTonel() bool { return k >= TonelClass && k <= TonelTrait }

// File is a parsed source file.
type File struct {
	Name string
	Kind Kind
	Src  []byte

	// Header is the Tonel definition (Class { ... } etc.), nil otherwise.
	Header *STON
	// Package is the package name of a package.st file.
	Package string

	Classes []*ClassDef
	// Methods in source order.
	Methods []*Method

	// Body holds the top-level statements of a playground and the
	// do-it chunks of a file-out; Temps and Statements are its parts.
	Body       *Sequence
	Temps      []*Variable
	Statements []Node

	// Comments lists every comment, in source order.
	Comments []Range
	// Errors lists syntax errors sorted by offset.
	Errors []Error

	linesOnce  sync.Once
	lineStarts []int
	marksOnce  sync.Once
	runeMarks  []runeMark
}

// runeMark records how many runes precede a decoding boundary of Src.
type runeMark struct{ offset, runes int }

// runeMarkEvery is the distance in bytes between two rune marks: LineCol
// decodes at most this much, however long the line.
const runeMarkEvery = 1024

// ClassDef is a class, trait or extension definition.
type ClassDef struct {
	Name            string
	NameRange       Range // the name inside the definition
	Superclass      string
	SuperclassRange Range
	InstVars        []string
	ClassVars       []string
	ClassInstVars   []string
	Pools           []string
	Traits          string // trait composition source, e.g. "TFoo + TBar"
	Category        string
	Package         string
	Tag             string
	Comment         string // the class comment, unescaped
	CommentRange    Range  // the comment including its quotes, if any
	DefRange        Range  // the whole definition (Tonel header or chunk expression)
	IsTrait         bool
	IsExtension     bool
	// Header is the Tonel STON map of the definition, if any.
	Header *STON
}

// Method is a method definition with its syntax tree.
type Method struct {
	// Range covers the whole method: Tonel metadata, header, brackets.
	Range
	ClassName  string
	ClassSide  bool
	ClassRange Range // the class reference of a Tonel "Foo class >>" header
	Selector   string
	Category   string
	// Metadata is the Tonel metadata map ({ #category : ... }), if any.
	Metadata *STON

	PatternRange  Range   // the method pattern: selector parts and arguments
	SelectorRange Range   // the first selector part
	SelectorParts []Range // every selector part
	BodyRange     Range   // the body: inside the Tonel brackets, after the pattern otherwise
	Args          []*Variable
	Pragmas       []*Pragma
	Body          *Sequence

	// Source is the method source as the image compiles it: the pattern
	// followed by the body, without the Tonel "Foo >>" prefix and
	// brackets, with '!!' undoubled in chunk files.
	Source   string
	segments []segment
}

// segment maps Source[src:src+n] to File.Src[file:file+n].
type segment struct{ src, file, n int }

// Temporaries returns the method temporaries.
func (m *Method) Temporaries() []*Variable {
	if m.Body == nil {
		return nil
	}
	return m.Body.Temps
}

// Statements returns the method's top-level statements.
func (m *Method) Statements() []Node {
	if m.Body == nil {
		return nil
	}
	return m.Body.Statements
}

// FileOffset maps an offset into m.Source to an offset into the file.
func (m *Method) FileOffset(srcOff int) int {
	if len(m.segments) == 0 {
		return m.Start
	}
	i := sort.Search(len(m.segments), func(i int) bool { return m.segments[i].src > srcOff }) - 1
	if i < 0 {
		i = 0
	}
	s := m.segments[i]
	d := srcOff - s.src
	if d > s.n {
		d = s.n
	}
	if d < 0 {
		d = 0
	}
	return s.file + d
}

// SourceOffset maps a file offset inside the method to an offset into
// m.Source, or -1 if the offset is not part of the source.
func (m *Method) SourceOffset(fileOff int) int {
	for _, s := range m.segments {
		if fileOff >= s.file && fileOff <= s.file+s.n {
			return s.src + fileOff - s.file
		}
	}
	return -1
}

// FileOffsetAt maps a 1-based line and 1-based column (in characters) of
// m.Source, as a compiler reports them, to a file offset.
func (m *Method) FileOffsetAt(line, col int) int {
	off, l := 0, 1
	for l < line {
		i := bytes.IndexByte([]byte(m.Source[off:]), '\n')
		if i < 0 {
			off = len(m.Source)
			break
		}
		off += i + 1
		l++
	}
	for c := 1; c < col && off < len(m.Source) && m.Source[off] != '\n'; c++ {
		_, w := utf8.DecodeRuneInString(m.Source[off:])
		off += w
	}
	return m.FileOffset(off)
}

// Text returns the source text of r.
func (f *File) Text(r Range) string {
	if r.Start < 0 || r.End > len(f.Src) || r.Start > r.End {
		return ""
	}
	return string(f.Src[r.Start:r.End])
}

func (f *File) lines() []int {
	f.linesOnce.Do(func() {
		starts := make([]int, 1, len(f.Src)/32+1)
		for i := 0; ; {
			j := bytes.IndexByte(f.Src[i:], '\n')
			if j < 0 {
				break
			}
			i += j + 1
			starts = append(starts, i)
		}
		f.lineStarts = starts
	})
	return f.lineStarts
}

// LineCol returns the 1-based line and 1-based column of offset; the
// column counts characters (Unicode code points), not bytes.
func (f *File) LineCol(offset int) (line, col int) {
	if offset > len(f.Src) {
		offset = len(f.Src)
	}
	if offset < 0 {
		offset = 0
	}
	ls := f.lines()
	i := sort.Search(len(ls), func(i int) bool { return ls[i] > offset }) - 1
	if offset-ls[i] <= 2*runeMarkEvery {
		return i + 1, utf8.RuneCount(f.Src[ls[i]:offset]) + 1
	}
	return i + 1, f.runesBefore(offset) - f.runesBefore(ls[i]) + 1
}

// runesBefore returns utf8.RuneCount(f.Src[:offset]) in time bounded by
// runeMarkEvery, so that errors on one long line do not each count the
// line from its start. Line starts and marks are decoding boundaries (a
// '\n' is never part of a longer sequence), so counting on from a mark
// gives the same number as counting from the start.
func (f *File) runesBefore(offset int) int {
	f.marksOnce.Do(func() {
		marks := make([]runeMark, 1, len(f.Src)/runeMarkEvery+1)
		runes, next := 0, runeMarkEvery
		for i := 0; i < len(f.Src); runes++ {
			if i >= next {
				marks = append(marks, runeMark{i, runes})
				next = i + runeMarkEvery
			}
			if f.Src[i] < utf8.RuneSelf {
				i++
				continue
			}
			_, w := utf8.DecodeRune(f.Src[i:])
			i += w
		}
		f.runeMarks = marks
	})
	j := sort.Search(len(f.runeMarks), func(j int) bool { return f.runeMarks[j].offset > offset }) - 1
	m := f.runeMarks[j]
	return m.runes + utf8.RuneCount(f.Src[m.offset:offset])
}

// LineStart returns the offset of the start of the 1-based line, or
// len(Src) past the last line.
func (f *File) LineStart(line int) int {
	ls := f.lines()
	if line < 1 {
		return 0
	}
	if line > len(ls) {
		return len(f.Src)
	}
	return ls[line-1]
}

// Parse parses src. The name is only recorded; the format (Tonel class,
// trait, extension or package, chunk file-out, or playground) is decided
// from the content.
func Parse(name string, src []byte) *File {
	f := &File{Name: name, Src: src}
	p := newParser(f)
	kind, hdr := detectKind(src)
	f.Kind = kind
	switch {
	case kind.IsTonel():
		parseTonel(f, p, hdr)
	case kind == Chunk:
		parseChunks(f, p)
	default:
		parseStatements(f, p)
	}
	p.flush()
	p.release()
	sortErrors(f)
	if !sort.SliceIsSorted(f.Comments, func(i, j int) bool { return f.Comments[i].Start < f.Comments[j].Start }) {
		sort.Slice(f.Comments, func(i, j int) bool { return f.Comments[i].Start < f.Comments[j].Start })
	}
	return f
}

// ParseExpression parses src as playground statements.
func ParseExpression(src []byte) *File {
	f := &File{Src: src}
	p := newParser(f)
	parseStatements(f, p)
	p.flush()
	p.release()
	sortErrors(f)
	return f
}

// parseStatements parses the whole of f.Src as playground statements.
func parseStatements(f *File, p *parser) {
	p.reset(0, len(f.Src))
	f.Body = p.parseSequence(EOF, nil)
	f.Temps = f.Body.Temps
	f.Statements = f.Body.Statements
}

func sortErrors(f *File) {
	sort.SliceStable(f.Errors, func(i, j int) bool { return f.Errors[i].Start < f.Errors[j].Start })
}

// skipSpaceComments returns the offset of the first byte at or after p
// that is neither white space nor inside a comment.
func skipSpaceComments(src []byte, p int) int {
	for p < len(src) {
		switch {
		case isSpace(src[p]):
			p++
		case src[p] == '"':
			p = commentEnd(src, p)
		default:
			return p
		}
	}
	return p
}

// commentEnd returns the offset just after the comment starting at p.
func commentEnd(src []byte, p int) int {
	p++
	for p < len(src) {
		if src[p] == '"' {
			if p+1 < len(src) && src[p+1] == '"' {
				p += 2
				continue
			}
			return p + 1
		}
		p++
	}
	return p
}

func skipSpace(src []byte, p int) int {
	for p < len(src) && isSpace(src[p]) {
		p++
	}
	return p
}

// detectKind decides the format from the content. For Tonel files it also
// returns the offset of the definition header.
func detectKind(src []byte) (Kind, int) {
	p := skipSpaceComments(src, 0)
	q := p
	for q < len(src) && isLetterByte(src[q]) {
		q++
	}
	if r := skipSpace(src, q); r < len(src) && src[r] == '{' {
		switch string(src[p:q]) {
		case "Class":
			return TonelClass, p
		case "Trait":
			return TonelTrait, p
		case "Extension":
			return TonelExtension, p
		case "Package":
			return TonelPackage, p
		}
	}
	if bytes.IndexByte(src, '!') >= 0 && hasChunkBang(src) {
		return Chunk, 0
	}
	return Playground, 0
}

// hasChunkBang reports whether a '!' outside strings and comments ends or
// starts a line, as chunk separators do.
func hasChunkBang(src []byte) bool {
	var sc Scanner
	sc.Reset(src, 0, len(src))
	for {
		t := sc.Next()
		if t.Kind == EOF {
			return false
		}
		sc.Comments, sc.Errors = sc.Comments[:0], sc.Errors[:0]
		if t.Kind != Binary || bytes.IndexByte(src[t.Start:t.End], '!') < 0 {
			continue
		}
		q := t.End
		for q < len(src) && (src[q] == ' ' || src[q] == '\t' || src[q] == '\r') {
			q++
		}
		if q >= len(src) || src[q] == '\n' {
			return true
		}
		q = t.Start - 1
		for q >= 0 && (src[q] == ' ' || src[q] == '\t') {
			q--
		}
		if q < 0 || src[q] == '\n' {
			return true
		}
	}
}
