package smalltalk

// IndexScanner reads what a workspace index records of a Tonel file (its
// class definition, its methods with their categories and ranges, and the
// messages each method sends) straight from the tokens, without building
// a syntax tree: indexing a tree the size of Pharo's spends most of a full
// parse allocating nodes that are thrown away at once.
//
// It reads methods with the Checker's reader (treeless.go), which follows
// the parser's grammar rule for rule, and records nothing the index does
// not keep; it gives up on any input where the parser would
// report a syntax error, or where it is not sure to read what the parser
// reads: there the caller parses the file (Parse) and indexes that. Giving
// up is always safe, which keeps the two paths equal on broken input
// without copying the parser's error recovery. Files that are not Tonel
// (playgrounds, chunk file-outs) are left to Parse too.
//
// An IndexScanner is reused from file to file; it is not safe for
// concurrent use.
type IndexScanner struct {
	// The result of the last successful Scan.
	Classes []ScannedClass
	Methods []ScannedMethod
	// Sends lists the messages sent by each method, in source order, the
	// methods one after the other (ScannedMethod.Sends counts them).
	Sends []ScannedSend

	src []byte
	// r reads the grammar; it calls the hooks below as it goes.
	r treelessReader
	// m is the method being read.
	m ScannedMethod
	// quiet is more than zero inside pragmas, whose arguments' sends the
	// index does not record (Method.Sends walks the body only).
	quiet int
	// parts are the keyword parts of the keyword messages being read,
	// innermost last.
	parts []Range
	buf   []byte
	strs  map[string]string
	meta  stonReader
	hdr   File
}

// ScannedClass is a class, trait or extension definition found by an
// IndexScanner: the fields of ClassDef that the index keeps.
type ScannedClass struct {
	Name, Category      string
	NameRange, DefRange Range
	IsExtension         bool
}

// ScannedMethod is a method definition: the fields of Method that the
// index keeps, and how many of IndexScanner.Sends are its sends.
type ScannedMethod struct {
	Range
	ClassName, Selector, Category string
	ClassSide                     bool
	SelectorRange                 Range
	Sends                         int
}

// ScannedSend is one message send: Send's selector, its Range (the
// selector parts from first to last) and its first part.
type ScannedSend struct {
	Selector  string
	Range     Range
	FirstPart Range
}

// scanMaxNesting is where the scanner gives up on nesting. It is below
// the parser's MaxNesting so that the parser's error at that depth is
// never reached by accepted input.
const scanMaxNesting = MaxNesting / 2

// Scan reads src, a whole file. It reports false, with the result
// undefined, when the caller must parse the file instead: it is not a
// Tonel file, or parsing it would report a syntax error, or it holds
// something the scanner does not read the way the parser does.
func (s *IndexScanner) Scan(src []byte) bool {
	s.Classes, s.Methods, s.Sends = s.Classes[:0], s.Methods[:0], s.Sends[:0]
	s.src = src
	s.r.src, s.r.maxDepth, s.r.rec = src, scanMaxNesting, s
	if s.strs == nil || len(s.strs) > 1<<16 {
		s.strs = make(map[string]string, 1024)
	}
	kind, hdr := detectKind(src)
	if !kind.IsTonel() {
		return false
	}
	s.hdr = File{Src: src, Kind: kind}
	s.meta = stonReader{src: src, pos: hdr, errs: s.meta.errs[:0]}
	h := s.meta.value(0)
	if len(s.meta.errs) > 0 || h == nil || h.Kind != STONObject || h.Value == nil || h.Value.Kind != STONMap {
		return false
	}
	if kind != TonelPackage {
		name := h.Get("name")
		s.Classes = append(s.Classes, ScannedClass{
			Name: name.String(), NameRange: textRange(name, h), DefRange: h.Range,
			Category: h.Get("category").String(), IsExtension: kind == TonelExtension,
		})
	}
	// The loop of parseTonel, giving up where it reports an error.
	for pos, more := s.meta.pos, true; ; {
		if pos, more = skipToMethod(src, pos); !more {
			return true
		}
		start := pos
		category := ""
		switch src[pos] {
		case '{':
			if c, end, ok := plainMetadata(src, pos); ok {
				category = s.internBytes(c)
				pos = skipSpaceComments(src, end)
				break
			}
			s.meta.pos, s.meta.errs = pos, s.meta.errs[:0]
			category = s.intern(metaCategory(s.meta.value(0)))
			if len(s.meta.errs) > 0 {
				return false
			}
			pos = skipSpaceComments(src, max(s.meta.pos, pos+1))
		case '#':
			var meta *STON
			s.hdr.Errors = s.hdr.Errors[:0]
			meta, pos = oldMetadata(&s.hdr, &s.meta, pos)
			if len(s.hdr.Errors) > 0 {
				return false
			}
			category = s.intern(metaCategory(meta))
		}
		next, ok := s.method(start, pos, category)
		if !ok {
			return false
		}
		pos = next
	}
}

func metaCategory(meta *STON) string { return meta.Get("category").String() }

// plainMetadata reads method metadata at pos, a '{', when it is a map of
// plain symbols and strings ({ #category : #accessing }, as nearly every
// Tonel method has), without building STON values: the category and
// where the map ends. Anything else is left to the STON reader (ok false).
func plainMetadata(src []byte, pos int) (category []byte, end int, ok bool) {
	p := pos + 1
	found := false
	for {
		p = skipSpaceComments(src, p)
		if p >= len(src) {
			return nil, 0, false
		}
		if src[p] == '}' {
			return category, p + 1, true
		}
		key, q, ok := plainSTONText(src, p)
		if !ok {
			return nil, 0, false
		}
		p = skipSpaceComments(src, q)
		if p >= len(src) || src[p] != ':' {
			return nil, 0, false
		}
		p = skipSpaceComments(src, p+1)
		value, q, ok := plainSTONText(src, p)
		if !ok {
			return nil, 0, false
		}
		if !found && string(key) == "category" {
			category, found = value, true
		}
		p = skipSpaceComments(src, q)
		if p < len(src) && src[p] == ',' {
			p++
		}
	}
}

// plainSTONText reads a symbol or a string without escapes at p, as
// stonReader.value would, and returns its text and end.
func plainSTONText(src []byte, p int) ([]byte, int, bool) {
	if p >= len(src) {
		return nil, 0, false
	}
	switch src[p] {
	case '\'':
		return plainSTONString(src, p)
	case '#':
		if p+1 < len(src) && src[p+1] == '\'' {
			return plainSTONString(src, p+1)
		}
		q := p + 1
		for q < len(src) && isSTONSymbolChar(src[q]) {
			q++
		}
		e := q
		if e > p+1 && src[e-1] == ':' && (e >= len(src) || src[e] != ':') {
			e--
		}
		if e == p+1 {
			return nil, 0, false
		}
		return src[p+1 : e], e, true
	}
	return nil, 0, false
}

func plainSTONString(src []byte, p int) ([]byte, int, bool) {
	for q := p + 1; q < len(src); q++ {
		switch src[q] {
		case '\\':
			return nil, 0, false
		case '\'':
			if q+1 < len(src) && src[q+1] == '\'' {
				return nil, 0, false
			}
			return src[p+1 : q], q + 1, true
		}
	}
	return nil, 0, false
}

// intern returns b as a string, sharing one copy between files.
func (s *IndexScanner) intern(str string) string {
	if v, ok := s.strs[str]; ok {
		return v
	}
	s.strs[str] = str
	return str
}

func (s *IndexScanner) internBytes(b []byte) string {
	if v, ok := s.strs[string(b)]; ok {
		return v
	}
	v := string(b)
	s.strs[v] = v
	return v
}

func (s *IndexScanner) text(r Range) []byte { return s.src[r.Start:r.End] }

// method reads "Foo [class] >> pattern [ body ]" at pos with the shared
// reader, recording it; start is where its metadata began.
func (s *IndexScanner) method(start, pos int, category string) (int, bool) {
	s.m = ScannedMethod{Category: category}
	first := len(s.Sends)
	after, ok := s.r.method(pos)
	if !ok {
		return 0, false
	}
	s.m.Range = Range{start, after}
	s.m.Sends = len(s.Sends) - first
	s.Methods = append(s.Methods, s.m)
	return after, true
}

// The reader's hooks (treelessReader.rec), in the order it calls them.

// beginMethod starts the record of a method of the class named name.
func (s *IndexScanner) beginMethod(name []byte) {
	s.m.ClassName = s.internBytes(name)
	s.quiet = 0
	s.parts = s.parts[:0]
}

// selector records a unary or binary method pattern.
func (s *IndexScanner) selector(r Range) {
	s.m.SelectorRange = r
	s.m.Selector = s.internBytes(s.text(r))
}

// part records the next keyword part of a keyword pattern or message.
func (s *IndexScanner) part(r Range) { s.parts = append(s.parts, r) }

// joinParts returns the selector of the parts from base on, and drops
// them.
func (s *IndexScanner) joinParts(base int) string {
	s.buf = s.buf[:0]
	for _, p := range s.parts[base:] {
		s.buf = append(s.buf, s.text(p)...)
	}
	s.parts = s.parts[:base]
	return s.internBytes(s.buf)
}

// send records a unary or binary message whose selector is at r.
func (s *IndexScanner) send(r Range) {
	if s.quiet == 0 {
		s.Sends = append(s.Sends, ScannedSend{Selector: s.internBytes(s.text(r)), Range: r, FirstPart: r})
	}
}

// keywordSend records a keyword message whose first part is at r, and
// returns its index for endKeywordSend (-1 in a pragma).
func (s *IndexScanner) keywordSend(r Range) int {
	if s.quiet > 0 {
		return -1
	}
	s.Sends = append(s.Sends, ScannedSend{Range: r, FirstPart: r})
	return len(s.Sends) - 1
}

// endKeywordSend completes the keyword message at, whose parts are
// those from base on.
func (s *IndexScanner) endKeywordSend(at, base int) {
	if at < 0 {
		s.parts = s.parts[:base]
		return
	}
	snd := &s.Sends[at]
	snd.Range.End = s.parts[len(s.parts)-1].End
	snd.Selector = s.joinParts(base)
}
