package smalltalk

import (
	"strings"
	"unicode/utf8"
)

// STONKind is the kind of a STON value.
type STONKind uint8

// STON value kinds.
const (
	STONString STONKind = iota
	STONSymbol
	STONNumber
	STONTrue
	STONFalse
	STONNil
	STONList   // [ a, b ]
	STONMap    // { k : v, ... }
	STONObject // Tag { ... } or Tag [ ... ]: Text is the tag, Value the map or list
)

// STON is a value of the STON notation used by Tonel definitions and
// method metadata.
type STON struct {
	Range
	Kind STONKind
	// Text is the decoded string, the symbol without '#', the number's
	// source, or an object's tag.
	Text string
	// TextRange is the range of Text's source: inside the quotes, after '#'.
	TextRange Range
	Items     []*STON    // list elements
	Pairs     []STONPair // map entries, in source order
	Value     *STON      // an object's map or list
}

// STONPair is one map entry.
type STONPair struct {
	Key, Value *STON
}

// Get returns the value of the map entry whose key (string or symbol)
// is key. It looks through an object to its map. It returns nil if absent.
func (v *STON) Get(key string) *STON {
	if v == nil {
		return nil
	}
	if v.Kind == STONObject {
		return v.Value.Get(key)
	}
	for _, p := range v.Pairs {
		if p.Key != nil && p.Key.Text == key && (p.Key.Kind == STONSymbol || p.Key.Kind == STONString) {
			return p.Value
		}
	}
	return nil
}

// String returns the text of a string, symbol or number, "" otherwise.
func (v *STON) String() string {
	if v == nil {
		return ""
	}
	switch v.Kind {
	case STONString, STONSymbol, STONNumber:
		return v.Text
	}
	return ""
}

// Strings returns the texts of a list of strings or symbols; a single
// string is split at white space (as in old instanceVariableNames: 'a b').
func (v *STON) Strings() []string {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case STONList:
		out := make([]string, 0, len(v.Items))
		for _, it := range v.Items {
			if s := it.String(); s != "" {
				out = append(out, s)
			}
		}
		return out
	case STONString, STONSymbol:
		return strings.Fields(v.Text)
	}
	return nil
}

type stonReader struct {
	src  []byte
	pos  int
	errs []Error
	// strs, when set, interns the texts of symbols and plain strings (a
	// Tonel file repeats #category : #accessing in every method's
	// metadata); values come from a slab.
	strs  *interner
	nodes slab[STON]
}

func (r *stonReader) alloc(v STON) *STON {
	n := r.nodes.new()
	*n = v
	return n
}

func (r *stonReader) text(b []byte) string {
	if r.strs != nil {
		return r.strs.intern(b)
	}
	return string(b)
}

func (r *stonReader) errorf(a, b int, msg string) {
	b = min(b, len(r.src))
	a = min(a, b)
	r.errs = append(r.errs, Error{Range: Range{a, b}, Message: msg})
}

func (r *stonReader) skip() { r.pos = skipSpaceComments(r.src, r.pos) }

func isSTONSymbolChar(c byte) bool {
	return isLetterByte(c) || isDigit(c) || c == ':' || c == '.' || c == '/' || c == '-' || c >= utf8.RuneSelf
}

// value reads one STON value at the current position (after white space).
// It returns nil, having reported an error, if none starts here.
func (r *stonReader) value(depth int) *STON {
	r.skip()
	start := r.pos
	if start >= len(r.src) {
		r.errorf(start, start, "expected a STON value, found end of input")
		return nil
	}
	if depth > 100 {
		r.errorf(start, start+1, "STON value nested too deeply")
		return nil
	}
	c := r.src[start]
	switch {
	case c == '\'':
		text, end := r.str(start)
		return r.alloc(STON{Range: Range{start, end}, Kind: STONString, Text: text, TextRange: Range{start + 1, max(start+1, end-1)}})
	case c == '#':
		p := start + 1
		if p < len(r.src) && r.src[p] == '\'' {
			text, end := r.str(p)
			return r.alloc(STON{Range: Range{start, end}, Kind: STONSymbol, Text: text, TextRange: Range{p + 1, max(p+1, end-1)}})
		}
		for p < len(r.src) && isSTONSymbolChar(r.src[p]) {
			p++
		}
		// "#name:" followed by a space is the key "name" and a separator.
		e := p
		if e > start+1 && r.src[e-1] == ':' && (e >= len(r.src) || r.src[e] != ':') {
			e--
		}
		r.pos = e
		if e == start+1 {
			r.errorf(start, p, "expected a symbol after '#'")
		}
		return r.alloc(STON{Range: Range{start, e}, Kind: STONSymbol, Text: r.text(r.src[start+1 : e]), TextRange: Range{start + 1, e}})
	case c == '[':
		v := r.alloc(STON{Kind: STONList})
		v.Start = start
		r.pos++
		for {
			r.skip()
			if r.pos >= len(r.src) {
				r.errorf(start, start+1, "expected ']' to close STON list")
				v.End = r.pos
				return v
			}
			if r.src[r.pos] == ']' {
				r.pos++
				v.End = r.pos
				return v
			}
			before := r.pos
			it := r.value(depth + 1)
			if it == nil {
				r.pos = max(r.pos, before+1)
				continue
			}
			v.Items = append(v.Items, it)
			r.skip()
			if r.pos < len(r.src) && r.src[r.pos] == ',' {
				r.pos++
			}
		}
	case c == '{':
		v := r.alloc(STON{Kind: STONMap})
		v.Start = start
		r.pos++
		for {
			r.skip()
			if r.pos >= len(r.src) {
				r.errorf(start, start+1, "expected '}' to close STON map")
				v.End = r.pos
				return v
			}
			if r.src[r.pos] == '}' {
				r.pos++
				v.End = r.pos
				return v
			}
			before := r.pos
			k := r.value(depth + 1)
			if k == nil {
				r.pos = max(r.pos, before+1)
				continue
			}
			r.skip()
			if r.pos < len(r.src) && r.src[r.pos] == ':' {
				r.pos++
			} else {
				r.errorf(r.pos, r.pos+1, "expected ':' after STON map key")
			}
			val := r.value(depth + 1)
			v.Pairs = append(v.Pairs, STONPair{k, val})
			r.skip()
			if r.pos < len(r.src) && r.src[r.pos] == ',' {
				r.pos++
			}
		}
	case isDigit(c) || c == '-' && start+1 < len(r.src) && isDigit(r.src[start+1]):
		p := start + 1
		for p < len(r.src) && (isDigit(r.src[p]) || r.src[p] == '.' && p+1 < len(r.src) && isDigit(r.src[p+1]) ||
			r.src[p] == 'e' || r.src[p] == '-' && r.src[p-1] == 'e' || r.src[p] == '/') {
			p++
		}
		r.pos = p
		return r.alloc(STON{Range: Range{start, p}, Kind: STONNumber, Text: r.text(r.src[start:p]), TextRange: Range{start, p}})
	case isLetterByte(c):
		p := start
		for p < len(r.src) && (isLetterByte(r.src[p]) || isDigit(r.src[p]) || r.src[p] == '.') {
			p++
		}
		word := r.text(r.src[start:p])
		r.pos = p
		switch word {
		case "true":
			return r.alloc(STON{Range: Range{start, p}, Kind: STONTrue, Text: word, TextRange: Range{start, p}})
		case "false":
			return r.alloc(STON{Range: Range{start, p}, Kind: STONFalse, Text: word, TextRange: Range{start, p}})
		case "nil":
			return r.alloc(STON{Range: Range{start, p}, Kind: STONNil, Text: word, TextRange: Range{start, p}})
		}
		r.skip()
		if r.pos < len(r.src) && (r.src[r.pos] == '{' || r.src[r.pos] == '[') {
			inner := r.value(depth + 1)
			v := r.alloc(STON{Kind: STONObject, Text: word, TextRange: Range{start, p}, Value: inner})
			v.Start = start
			v.End = p
			if inner != nil {
				v.End = inner.End
			}
			return v
		}
		r.pos = p
		r.errorf(start, p, "unexpected word '"+word+"' in STON")
		return r.alloc(STON{Range: Range{start, p}, Kind: STONSymbol, Text: word, TextRange: Range{start, p}})
	}
	r.errorf(start, start+1, "unexpected character in STON")
	return nil
}

// str reads a quoted string at p (” and backslash escapes are both
// accepted) and returns its text and end offset.
func (r *stonReader) str(p int) (string, int) {
	q := r.src[p]
	start := p
	p++
	var b []byte
	simple := true
	for {
		if p >= len(r.src) {
			r.errorf(start, p, "unterminated string")
			r.pos = p
			if simple {
				return string(r.src[start+1 : p]), p
			}
			return string(b), p
		}
		c := r.src[p]
		if c == q {
			if p+1 < len(r.src) && r.src[p+1] == q {
				if simple {
					b = append(b, r.src[start+1:p]...)
					simple = false
				}
				b = append(b, q)
				p += 2
				continue
			}
			r.pos = p + 1
			if simple {
				return r.text(r.src[start+1 : p]), p + 1
			}
			return string(b), p + 1
		}
		if c == '\\' && p+1 < len(r.src) {
			if simple {
				b = append(b, r.src[start+1:p]...)
				simple = false
			}
			e := r.src[p+1]
			switch e {
			case 'n':
				b = append(b, '\n')
			case 't':
				b = append(b, '\t')
			case 'r':
				b = append(b, '\r')
			default:
				b = append(b, e)
			}
			p += 2
			continue
		}
		if !simple {
			b = append(b, c)
		}
		p++
	}
}
