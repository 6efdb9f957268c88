package smalltalk

import "bytes"

// parseTonel reads a Tonel file whose definition header starts at hdr:
// an optional class comment, the STON definition, then methods written
// as [metadata] Class [class] >> pattern [ body ].
func parseTonel(f *File, p *parser, hdr int) {
	src := f.Src
	var comment Range
	hasComment := false
	for pos := skipSpace(src, 0); pos < hdr && src[pos] == '"'; pos = skipSpace(src, pos) {
		e := commentEnd(src, pos)
		f.Comments = append(f.Comments, Range{pos, e})
		comment, hasComment = Range{pos, e}, true
		pos = e
	}
	// Every method's Source is a slice of one string; the file's length
	// bounds their total.
	p.sources.Grow(len(src))
	r := &stonReader{src: src, pos: hdr, strs: &p.strs}
	h := r.value(0)
	f.Errors = append(f.Errors, r.errs...)
	f.Header = h
	if h == nil || h.Kind != STONObject || h.Value == nil || h.Value.Kind != STONMap {
		f.Errors = append(f.Errors, Error{Range: Range{hdr, r.pos}, Message: "expected a Tonel definition such as Class { #name : #Foo }"})
	}
	if f.Kind == TonelPackage {
		f.Package = h.Get("name").String()
	} else if h != nil {
		f.Classes = append(f.Classes, classFromHeader(f, h, comment, hasComment))
	}
	for pos := r.pos; ; {
		pos = skipSpace(src, pos)
		if pos >= len(src) {
			return
		}
		if src[pos] == '"' {
			e := commentEnd(src, pos)
			f.Comments = append(f.Comments, Range{pos, e})
			pos = e
			continue
		}
		start := pos
		var meta *STON
		switch src[pos] {
		case '{':
			r.pos, r.errs = pos, r.errs[:0]
			meta = r.value(0)
			f.Errors = append(f.Errors, r.errs...)
			pos = skipSpaceComments(src, max(r.pos, pos+1))
		case '#':
			meta, pos = oldMetadata(f, r, pos)
		}
		next, ok := parseTonelMethod(f, p, start, pos, meta)
		if !ok {
			next = nextTopLevelLine(src, pos)
		}
		pos = next
	}
}

// oldMetadata reads metadata written without braces: #category : 'x'.
func oldMetadata(f *File, r *stonReader, pos int) (*STON, int) {
	m := &STON{Kind: STONMap}
	m.Start = pos
	for pos < len(f.Src) && f.Src[pos] == '#' {
		r.pos, r.errs = pos, r.errs[:0]
		k := r.value(0)
		r.skip()
		if r.pos < len(f.Src) && f.Src[r.pos] == ':' {
			r.pos++
		}
		v := r.value(0)
		f.Errors = append(f.Errors, r.errs...)
		m.Pairs = append(m.Pairs, STONPair{k, v})
		m.End = r.pos
		pos = skipSpace(f.Src, max(r.pos, pos+1))
		if pos < len(f.Src) && f.Src[pos] == ',' {
			pos = skipSpace(f.Src, pos+1)
		}
	}
	return m, pos
}

func classFromHeader(f *File, h *STON, comment Range, hasComment bool) *ClassDef {
	d := &ClassDef{Header: h, DefRange: h.Range}
	name := h.Get("name")
	d.Name, d.NameRange = name.String(), textRange(name, h)
	if s := h.Get("superclass"); s != nil {
		d.Superclass, d.SuperclassRange = s.String(), s.TextRange
	}
	d.InstVars = h.Get("instVars").Strings()
	d.ClassVars = h.Get("classVars").Strings()
	d.ClassInstVars = h.Get("classInstVars").Strings()
	d.Pools = h.Get("pools").Strings()
	d.Traits = h.Get("traits").String()
	d.Category = h.Get("category").String()
	d.Package = h.Get("package").String()
	d.Tag = h.Get("tag").String()
	d.IsTrait = f.Kind == TonelTrait || h.Get("type").String() == "trait"
	d.IsExtension = f.Kind == TonelExtension
	if hasComment {
		d.CommentRange = comment
		d.Comment = commentText(f.Src[comment.Start:comment.End])
	}
	return d
}

func textRange(v, fallback *STON) Range {
	if v != nil {
		return v.TextRange
	}
	if fallback != nil {
		return Range{fallback.Start, fallback.Start}
	}
	return Range{}
}

// commentText returns the text of a "..." comment with doubled quotes
// undoubled and one leading and trailing line break removed.
func commentText(c []byte) string {
	if len(c) >= 2 && c[0] == '"' {
		c = c[1:]
		if c[len(c)-1] == '"' {
			c = c[:len(c)-1]
		}
	} else if len(c) == 1 {
		return ""
	}
	c = bytes.TrimPrefix(c, []byte("\r"))
	c = bytes.TrimPrefix(c, []byte("\n"))
	c = bytes.TrimSuffix(c, []byte("\n"))
	c = bytes.TrimSuffix(c, []byte("\r"))
	return string(bytes.ReplaceAll(c, []byte(`""`), []byte(`"`)))
}

// parseTonelMethod parses "Foo [class] >> pattern [ body ]" at pos; start
// is where the method's metadata began. It returns the offset after the
// method, or false (having reported an error) if no method header starts
// at pos.
func parseTonelMethod(f *File, p *parser, start, pos int, meta *STON) (int, bool) {
	src := f.Src
	p.reset(pos, len(src))
	if p.tok.Kind != Identifier {
		p.errorf(p.tok.Range, "expected a method definition such as 'Foo >> selector [', found %s", p.describe())
		return 0, false
	}
	m := p.methods.new()
	m.Metadata, m.ClassName, m.ClassRange = meta, p.name(p.tok.Range), p.tok.Range
	m.Category = meta.Get("category").String()
	p.next()
	if w := string(p.text(p.tok.Range)); p.tok.Kind == Identifier && (w == "class" || w == "classSide") {
		m.ClassSide = true
		m.ClassRange.End = p.tok.End
		p.next()
	}
	if !p.isBinary(">>") {
		p.errorf(p.tok.Range, "expected '>>' after class name in method definition, found %s", p.describe())
		return 0, false
	}
	p.next()
	if !p.parsePattern(m) {
		return 0, false
	}
	if p.tok.Kind != LBracket {
		p.errorf(p.tok.Range, "expected '[' to open the body of method %s, found %s", m.Selector, p.describe())
		return 0, false
	}
	open := p.tok
	bodyStart := open.End
	end, ok := 0, false
	if onePassBodies {
		end, ok = parseBodyToBracket(p, m, bodyStart)
	}
	if !ok {
		var closed bool
		end, closed = findBodyEnd(p, src, bodyStart)
		if !closed && end == len(src) {
			p.errorf(open.Range, "expected ']' to close the body of method %s opened at %s", m.Selector, p.pos(open.Start))
		}
		p.parseBody(m, bodyStart, end)
	}
	after := end
	if end < len(src) {
		after = end + 1
	}
	m.Range = Range{start, after}
	m.BodyRange = Range{bodyStart, end}
	pat := src[m.PatternRange.Start:m.PatternRange.End]
	body := src[bodyStart:end]
	if n := len(body); n > 0 && body[n-1] == '\n' {
		body = body[:n-1]
		if n := len(body); n > 0 && body[n-1] == '\r' {
			body = body[:n-1]
		}
	}
	from := p.sources.Len()
	p.sources.Write(pat)
	p.sources.Write(body)
	m.Source = p.sources.String()[from:]
	m.segments = p.segments.slice(2)
	m.segments[0], m.segments[1] = segment{0, m.PatternRange.Start, len(pat)}, segment{len(pat), bodyStart, len(body)}
	f.Methods = append(f.Methods, m)
	return after, true
}

// onePassBodies is cleared by the tests that compare the one-pass parse
// of method bodies with the two-pass one.
var onePassBodies = true

// parseBodyToBracket parses the body of m from bodyStart up to the ']'
// that closes it, in one pass: it succeeds, returning that bracket's offset,
// when the body parses without any error and no bracket inside it is one
// that findBodyEnd's layout rule would take for the method's end. Then the
// result is the one findBodyEnd and parseBody give, since brackets balance
// in an error-free parse and the tokens before the closing bracket are the
// same whatever follows it. Otherwise it undoes what it did and reports
// false, and the caller takes the two-pass way.
func parseBodyToBracket(p *parser, m *Method, bodyStart int) (int, bool) {
	p.flush()
	nerrs := len(p.f.Errors)
	p.reset(bodyStart, len(p.src))
	p.toBracket, p.layoutEnd = true, false
	m.Body = p.parseSequence(RBracket, m)
	p.toBracket = false
	if p.tok.Kind == RBracket && !p.layoutEnd && len(p.f.Errors) == nerrs && len(p.sc.Errors) == 0 {
		p.flush()
		return p.tok.Start, true
	}
	p.sc.Comments, p.sc.Errors = p.sc.Comments[:0], p.sc.Errors[:0]
	p.f.Errors = p.f.Errors[:nerrs]
	m.Body, m.Pragmas = nil, nil
	return 0, false
}

// findBodyEnd finds the ']' closing a Tonel method body that starts at
// bodyStart. If brackets do not balance it falls back on layout: a ']'
// in the first column followed by the next method (or the end of file)
// ends the method. closed is false when the brackets did not balance.
func findBodyEnd(p *parser, src []byte, bodyStart int) (end int, closed bool) {
	sc := &p.pre
	sc.Reset(src, bodyStart, len(src))
	depth := 0
	for {
		t := sc.Next()
		sc.Comments, sc.Errors = sc.Comments[:0], sc.Errors[:0]
		switch t.Kind {
		case EOF:
			return len(src), false
		case LBracket, ByteArray:
			depth++
		case RBracket:
			if depth == 0 {
				return t.Start, true
			}
			if endsMethodByLayout(src, t) {
				return t.Start, false
			}
			depth--
		}
	}
}

// endsMethodByLayout reports whether t, a ']' inside a method body, is
// one that findBodyEnd's layout rule takes for the method's end: in the
// first column, followed by the next method or the end of the file.
func endsMethodByLayout(src []byte, t Token) bool {
	return (t.Start == 0 || src[t.Start-1] == '\n') && followedByMethodStart(src, t.End)
}

// followedByMethodStart reports whether only white space separates p
// from the end of the file or from something that starts a Tonel method.
func followedByMethodStart(src []byte, p int) bool {
	q := skipSpace(src, p)
	if q >= len(src) || src[q] == '{' {
		return true
	}
	if !isLetterByte(src[q]) {
		return false
	}
	for q < len(src) && (isLetterByte(src[q]) || isDigit(src[q])) {
		q++
	}
	for q < len(src) && (src[q] == ' ' || src[q] == '\t') {
		q++
	}
	if bytes.HasPrefix(src[q:], []byte("classSide")) {
		q += 9
	} else if bytes.HasPrefix(src[q:], []byte("class")) {
		q += 5
		for q < len(src) && (src[q] == ' ' || src[q] == '\t') {
			q++
		}
	}
	return bytes.HasPrefix(src[q:], []byte(">>"))
}

// nextTopLevelLine returns the start of the first line after pos that
// begins with '{', '#' or a letter, where the next method may start.
func nextTopLevelLine(src []byte, pos int) int {
	for {
		i := bytes.IndexByte(src[pos:], '\n')
		if i < 0 {
			return len(src)
		}
		pos += i + 1
		if pos < len(src) && (src[pos] == '{' || src[pos] == '#' || isLetterByte(src[pos])) {
			return pos
		}
	}
}
