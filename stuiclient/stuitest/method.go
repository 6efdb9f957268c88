package stuitest

import (
	"strings"
	"unicode"
)

// A small scanner and checker for method source, enough to read the
// selector from the pattern, report unbalanced brackets as a SyntaxError,
// find undeclared variables, list the selectors a method sends, and format.

type mtok struct {
	kind byte // i ident, k keyword, b binary, s string, c comment, n number, $ char, # symbol, a :=, : block arg, or the punctuation itself
	text string
	pos  int
}

func scanMethod(src string) ([]mtok, *syntaxError) {
	rs := []rune(src)
	var toks []mtok
	for i := 0; i < len(rs); {
		r, start := rs[i], i+1
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '"' || r == '\'':
			j := i + 1
			for {
				if j >= len(rs) {
					what := "comment"
					if r == '\'' {
						what = "string literal"
					}
					return nil, &syntaxError{"Unmatched " + string(r) + " in " + what, len(rs) + 1}
				}
				if rs[j] == r {
					if r == '\'' && j+1 < len(rs) && rs[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			k := byte('s')
			if r == '"' {
				k = 'c'
			}
			toks = append(toks, mtok{k, string(rs[i : j+1]), start})
			i = j + 1
		case r == '$':
			if i+1 >= len(rs) {
				return nil, &syntaxError{"Character expected", len(rs) + 1}
			}
			toks = append(toks, mtok{'$', string(rs[i : i+2]), start})
			i += 2
		case r == '#':
			j := i + 1
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == ':' || rs[j] == '_') {
				j++
			}
			if j == i+1 {
				for j < len(rs) && strings.ContainsRune("+-*/\\<>=~,@%&?!|", rs[j]) {
					j++
				}
			}
			if j == i+1 && j < len(rs) && (rs[j] == '(' || rs[j] == '[' || rs[j] == '{') {
				toks = append(toks, mtok{'#', "#", start})
				i++
				continue
			}
			toks = append(toks, mtok{'#', string(rs[i:j]), start})
			i = j
		case unicode.IsDigit(r):
			j := i
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.' && j+1 < len(rs) && unicode.IsDigit(rs[j+1]) || rs[j] == 'r' || rs[j] == 'e') {
				j++
			}
			toks = append(toks, mtok{'n', string(rs[i:j]), start})
			i = j
		case unicode.IsLetter(r) || r == '_':
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_') {
				j++
			}
			if j < len(rs) && rs[j] == ':' && (j+1 >= len(rs) || rs[j+1] != '=') {
				toks = append(toks, mtok{'k', string(rs[i : j+1]), start})
				i = j + 1
			} else {
				toks = append(toks, mtok{'i', string(rs[i:j]), start})
				i = j
			}
		case r == ':' && i+1 < len(rs) && rs[i+1] == '=':
			toks = append(toks, mtok{'a', ":=", start})
			i += 2
		case r == ':' && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
			j := i + 1
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_') {
				j++
			}
			toks = append(toks, mtok{':', string(rs[i+1 : j]), start})
			i = j
		case strings.ContainsRune("()[]{}.;^", r):
			toks = append(toks, mtok{byte(r), string(r), start})
			i++
		case r == '|' && (i+1 >= len(rs) || !strings.ContainsRune("+-*/\\<>=~,@%&?!|", rs[i+1])):
			toks = append(toks, mtok{'|', "|", start})
			i++
		case strings.ContainsRune("+-*/\\<>=~,@%&?!|", r):
			j := i
			for j < len(rs) && strings.ContainsRune("+-*/\\<>=~,@%&?!|", rs[j]) {
				j++
			}
			toks = append(toks, mtok{'b', string(rs[i:j]), start})
			i = j
		default:
			return nil, &syntaxError{"Unknown character", start}
		}
	}
	return toks, nil
}

type varRef struct {
	text     string
	pos      int
	declared bool
}

type parsedMethod struct {
	selector string
	args     []string
	comment  string
	body     []mtok // without comments
	varRefs  []varRef
	sent     []string
}

// parseMethod reads the pattern and checks the body.
func parseMethod(src string) (*parsedMethod, error) {
	toks, serr := scanMethod(src)
	if serr != nil {
		return nil, serr
	}
	pm := &parsedMethod{}
	var code []mtok
	for _, t := range toks {
		if t.kind == 'c' {
			if pm.comment == "" && len(code) > 0 {
				pm.comment = strings.Trim(t.text, "\"")
			}
			continue
		}
		code = append(code, t)
	}
	i := 0
	switch {
	case len(code) > 0 && code[0].kind == 'k':
		for i+1 < len(code) && code[i].kind == 'k' && code[i+1].kind == 'i' {
			pm.selector += code[i].text
			pm.args = append(pm.args, code[i+1].text)
			i += 2
		}
		if pm.selector == "" {
			return nil, &syntaxError{"Argument name expected", code[0].pos + len([]rune(code[0].text))}
		}
	case len(code) > 1 && (code[0].kind == 'b' || code[0].kind == '|') && code[1].kind == 'i':
		pm.selector, pm.args, i = code[0].text, []string{code[1].text}, 2
	case len(code) > 0 && code[0].kind == 'i':
		pm.selector, i = code[0].text, 1
	default:
		return nil, &syntaxError{"Message pattern expected", 1}
	}
	pm.body = code[i:]
	if err := pm.check(len([]rune(src)) + 1); err != nil {
		return nil, err
	}
	return pm, nil
}

var closer = map[byte]byte{'(': ')', '[': ']', '{': '}'}

// check walks the body: brackets must balance, operators need operands, and
// each identifier in variable position is recorded.
func (pm *parsedMethod) check(end int) error {
	var stack []mtok
	primary := true // the next identifier names a variable
	declared := map[string]bool{}
	kws := []string{""} // the keyword selector being read, per nesting level
	flush := func() {
		if k := kws[len(kws)-1]; k != "" {
			pm.sent = append(pm.sent, k)
			kws[len(kws)-1] = ""
		}
	}
	for i := 0; i < len(pm.body); i++ {
		t := pm.body[i]
		switch t.kind {
		case '(', '[', '{':
			stack = append(stack, t)
			kws = append(kws, "")
			primary = true
			if t.kind == '[' {
				for i+1 < len(pm.body) && pm.body[i+1].kind == ':' {
					i++
					declared[pm.body[i].text] = true
				}
				if i+1 < len(pm.body) && pm.body[i+1].kind == '|' && pm.body[i].kind == ':' {
					i++
				}
			}
		case ')', ']', '}':
			if len(stack) == 0 || closer[stack[len(stack)-1].kind] != t.kind {
				if len(stack) > 0 {
					return &syntaxError{"'" + string(closer[stack[len(stack)-1].kind]) + "' expected", t.pos}
				}
				return &syntaxError{"Nothing more expected", t.pos}
			}
			if primary && t.kind == ')' {
				return &syntaxError{"Variable or expression expected", t.pos}
			}
			flush()
			stack = stack[:len(stack)-1]
			kws = kws[:len(kws)-1]
			primary = false
		case '|':
			if primary {
				// temporaries: | a b |
				j := i + 1
				for j < len(pm.body) && pm.body[j].kind == 'i' {
					declared[pm.body[j].text] = true
					j++
				}
				if j >= len(pm.body) || pm.body[j].kind != '|' {
					return &syntaxError{"'|' expected", end}
				}
				i = j
				continue
			}
			pm.sent = append(pm.sent, "|")
			primary = true
		case 'i':
			if primary {
				pm.varRefs = append(pm.varRefs, varRef{t.text, t.pos, declared[t.text]})
				primary = false
			} else {
				pm.sent = append(pm.sent, t.text)
			}
		case 'k':
			if primary {
				return &syntaxError{"Variable or expression expected", t.pos}
			}
			kws[len(kws)-1] += t.text
			primary = true
		case 'b':
			if primary && t.text != "-" {
				return &syntaxError{"Variable or expression expected", t.pos}
			}
			if !primary {
				pm.sent = append(pm.sent, t.text)
			}
			primary = true
		case 'a', '^':
			primary = true
		case '.', ';':
			if primary && t.kind == ';' {
				return &syntaxError{"Message expected", t.pos}
			}
			flush()
			primary = t.kind == '.'
		default: // literals
			primary = false
		}
	}
	flush()
	if len(stack) > 0 {
		return &syntaxError{"'" + string(closer[stack[len(stack)-1].kind]) + "' expected", end}
	}
	if primary && len(pm.body) > 0 {
		last := pm.body[len(pm.body)-1]
		if last.kind == 'b' || last.kind == 'k' || last.kind == 'a' || last.kind == '^' {
			return &syntaxError{"Variable or expression expected", end}
		}
	}
	return nil
}

// format lays a method out the way the test backend's formatter does: the
// pattern, a blank line, then one tab-indented statement per line.
func format(src string, isMethod bool) (string, error) {
	text := src
	if !isMethod {
		text = "doIt " + src
	}
	pm, err := parseMethod(text)
	if err != nil {
		if se, ok := err.(*syntaxError); ok && !isMethod {
			se.pos -= len("doIt ")
		}
		return "", err
	}
	toks, _ := scanMethod(text)
	var patternEnd int
	var body []mtok
	var b strings.Builder
	if isMethod {
		n := 1
		if len(pm.args) > 0 {
			n = 2 * len(pm.args)
			if !strings.HasSuffix(pm.selector, ":") {
				n = 2
			}
		}
		for i, t := range toks {
			if t.kind == 'c' {
				continue
			}
			if n--; n == 0 {
				patternEnd = i + 1
				break
			}
		}
		if len(pm.args) == 0 {
			b.WriteString(pm.selector)
		} else if strings.HasSuffix(pm.selector, ":") {
			parts := strings.SplitAfter(pm.selector, ":")
			for i, a := range pm.args {
				if i > 0 {
					b.WriteString(" ")
				}
				b.WriteString(parts[i] + " " + a)
			}
		} else {
			b.WriteString(pm.selector + " " + pm.args[0])
		}
		body = toks[patternEnd:]
	} else {
		body = toks[1:]
	}
	var stmts []string
	var cur strings.Builder
	depth := 0
	for i, t := range body {
		switch t.kind {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		}
		if t.kind == '.' && depth == 0 {
			stmts = append(stmts, cur.String())
			cur.Reset()
			continue
		}
		if cur.Len() > 0 && spaceBefore(body[i-1], t) {
			cur.WriteByte(' ')
		}
		if t.kind == ':' {
			cur.WriteString(":")
		}
		cur.WriteString(t.text)
	}
	if cur.Len() > 0 {
		stmts = append(stmts, cur.String())
	}
	if !isMethod {
		return strings.Join(stmts, ".\n"), nil
	}
	if len(stmts) > 0 {
		b.WriteString("\n\n\t" + strings.Join(stmts, ".\n\t"))
	}
	return b.String(), nil
}

func spaceBefore(prev, t mtok) bool {
	switch {
	case t.kind == ')' || t.kind == ']' || t.kind == '}' || t.kind == ';' || t.kind == '.':
		return false
	case prev.kind == '(' || prev.kind == '[' || prev.kind == '{' || prev.kind == '#' && prev.text == "#":
		return false
	}
	return true
}
