package lsp

import (
	"context"

	"go.lsp.dev/protocol"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// Semantic token types and modifiers, in legend order.
var (
	semanticTypes = []string{
		"class", "variable", "parameter", "property", "keyword", "method",
		"operator", "number", "string", "comment", "decorator", "enumMember",
	}
	semanticModifiers = []string{"declaration", "static", "readonly", "defaultLibrary"}
)

const (
	typClass = iota
	typVariable
	typParameter
	typProperty
	typKeyword
	typMethod
	typOperator
	typNumber
	typString
	typComment
	typDecorator
	typEnumMember
)

const (
	modDeclaration = 1 << iota
	modStatic
	modReadonly
)

func semanticLegend() protocol.SemanticTokensLegend {
	return protocol.SemanticTokensLegend{
		TokenTypes:     append([]string(nil), semanticTypes...),
		TokenModifiers: append([]string(nil), semanticModifiers...),
	}
}

// tokenType maps the parser's classes onto the legend: selectors are
// methods, instance variables properties (class variables static ones),
// pseudo-variables keywords, pragmas decorators, symbols enum members.
func tokenType(c smalltalk.TokenClass) (typ, mods uint32) {
	switch c {
	case smalltalk.TokKeywordSelector, smalltalk.TokUnarySelector:
		return typMethod, 0
	case smalltalk.TokBinaryOperator:
		return typOperator, 0
	case smalltalk.TokGlobal:
		return typClass, 0
	case smalltalk.TokInstVar:
		return typProperty, 0
	case smalltalk.TokClassVar:
		return typProperty, modStatic
	case smalltalk.TokArg:
		return typParameter, 0
	case smalltalk.TokPseudo:
		return typKeyword, modReadonly
	case smalltalk.TokNumber:
		return typNumber, 0
	case smalltalk.TokString, smalltalk.TokCharacter:
		return typString, 0
	case smalltalk.TokSymbol:
		return typEnumMember, 0
	case smalltalk.TokComment:
		return typComment, 0
	case smalltalk.TokPragma:
		return typDecorator, 0
	}
	return typVariable, 0
}

func (s *server) SemanticTokensFull(_ context.Context, params *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
	return s.fullTokens(params.TextDocument.URI), nil
}

func (s *server) SemanticTokensRange(_ context.Context, params *protocol.SemanticTokensRangeParams) (*protocol.SemanticTokens, error) {
	doc, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return &protocol.SemanticTokens{Data: []uint32{}}, nil
	}
	start, end := doc.lines().span(params.Range, s.encoding)
	if end <= start {
		return &protocol.SemanticTokens{Data: []uint32{}}, nil
	}
	run := encodeRun(doc.lines(), s.encoding, doc.file().Tokens(smalltalk.Range{Start: start, End: end}), 0)
	data, _ := joinRuns([]tokenRun{run})
	return &protocol.SemanticTokens{Data: data}, nil
}

// tokenRuns are a document's semantic tokens, kept in runs so that the
// next version can keep those of the methods an edit did not touch. Run 0
// holds the tokens before the first method; run k+1 those from the start
// of method k to that of the next one (or the end).
type tokenRuns struct {
	enc  positionEncoding
	runs []tokenRun
	// lineCount is the number of lines of the text the runs are of.
	lineCount int
	// data is all the runs in the LSP's relative encoding; callers must
	// not change it.
	data []uint32
}

// tokenRun is the relative encoding of a stretch of the document's tokens
// on its own: its first token's line and character are kept apart, as
// they depend on the run before.
type tokenRun struct {
	// start is where the run's stretch of the document begins.
	start int
	data  []uint32
	// The positions of the first and the last token in data.
	firstLine, firstChar, lastLine, lastChar uint32
	// firstStart is where the run's first token starts (dropped or not),
	// lastEnd where the last one it kept ends; -1 when there is none. A
	// run joins the one before it as a single encoding would only if its
	// first token starts at or after the kept tokens before it end.
	firstStart, lastEnd int
}

// encodeRun writes toks in the relative encoding, in the position
// encoding enc, the first token's line and character left to joinRuns.
// Tokens that span lines (comments, strings) are cut at each line end;
// overlapping tokens keep the first.
func encodeRun(lines *lineIndex, enc positionEncoding, toks []smalltalk.SemanticToken, start int) tokenRun {
	run := tokenRun{start: start, data: make([]uint32, 0, len(toks)*5), firstStart: -1, lastEnd: -1}
	if len(toks) > 0 {
		run.firstStart = toks[0].Start
	}
	var prevLine, prevChar uint32
	last := 0
	emit := func(start, end int, typ, mods uint32) {
		p := lines.position(start, enc)
		q := lines.position(end, enc)
		if q.Line != p.Line || q.Character <= p.Character {
			return
		}
		if len(run.data) == 0 {
			run.firstLine, run.firstChar = p.Line, p.Character
		}
		dl, dc := p.Line-prevLine, p.Character
		if dl == 0 {
			dc = p.Character - prevChar
		}
		run.data = append(run.data, dl, dc, q.Character-p.Character, typ, mods)
		prevLine, prevChar = p.Line, p.Character
	}
	for _, t := range toks {
		if t.Start < last || t.End > len(lines.text) {
			continue
		}
		last = t.End
		run.lastEnd = t.End
		typ, mods := tokenType(t.Class)
		if t.Declaration {
			mods |= modDeclaration
		}
		for start := t.Start; start < t.End; {
			end := t.End
			line := int(lines.position(start, enc).Line)
			if le := lines.lineEnd(line); le < end {
				end = le
			}
			emit(start, end, typ, mods)
			if line+1 >= len(lines.lines) {
				break
			}
			start = max(end, lines.lines[line+1])
		}
	}
	run.lastLine, run.lastChar = prevLine, prevChar
	return run
}

// joinRuns is the relative encoding of runs one after the other, or false
// when a run's first token overlaps a token kept before it, where a single
// encoding would have dropped it.
func joinRuns(runs []tokenRun) ([]uint32, bool) {
	n := 0
	for _, r := range runs {
		n += len(r.data)
	}
	out := make([]uint32, 0, n)
	var prevLine, prevChar uint32
	lastEnd := 0
	for _, r := range runs {
		if r.firstStart >= 0 && r.firstStart < lastEnd {
			return nil, false
		}
		if r.lastEnd >= 0 {
			lastEnd = r.lastEnd
		}
		if len(r.data) == 0 {
			continue
		}
		k := len(out)
		out = append(out, r.data...)
		out[k], out[k+1] = r.firstLine-prevLine, r.firstChar
		if r.firstLine == prevLine {
			out[k+1] = r.firstChar - prevChar
		}
		prevLine, prevChar = r.lastLine, r.lastChar
	}
	return out, true
}

// shifted is r moved after an edit before it that added delta bytes and
// lineDelta lines, on lines of their own (no token's character changes).
func (r tokenRun) shifted(delta, lineDelta int) tokenRun {
	r.start += delta
	if r.firstStart >= 0 {
		r.firstStart += delta
	}
	if r.lastEnd >= 0 {
		r.lastEnd += delta
	}
	if len(r.data) > 0 {
		r.firstLine = uint32(int(r.firstLine) + lineDelta)
		r.lastLine = uint32(int(r.lastLine) + lineDelta)
	}
	return r
}

// semanticTokens are the document's tokens in the encoding enc, made once.
func (d *document) semanticTokens(enc positionEncoding) *tokenRuns {
	d.tokensOnce.Do(func() {
		d.tokens = d.makeTokens(enc)
		d.baseTokens = nil
		d.tokensReady.Store(d.tokens)
	})
	return d.tokens
}

func (d *document) makeTokens(enc positionEncoding) *tokenRuns {
	f := d.file()
	lines := d.lines()
	tr := &tokenRuns{enc: enc, lineCount: len(lines.lines)}
	runStart := func(k int) int {
		if k == 0 {
			return 0
		}
		return f.Methods[k-1].Start
	}
	runEnd := func(k int) int {
		if k < len(f.Methods) {
			return f.Methods[k].Start
		}
		return len(f.Src)
	}
	if base := d.baseTokens; base != nil && base.enc == enc && d.reparsed >= 0 && len(base.runs) == len(f.Methods)+1 {
		// The runs of the methods before the edited one are kept, those
		// after it moved, unless they start on the line where the edit
		// ends.
		e := d.baseEdit
		delta, lineDelta := len(e.text)-(e.end-e.start), len(lines.lines)-base.lineCount
		editEnd := e.start + len(e.text)
		tr.runs = make([]tokenRun, len(base.runs))
		copy(tr.runs, base.runs[:d.reparsed+1])
		for k := d.reparsed + 1; k < len(tr.runs); k++ {
			start := runStart(k)
			if r := base.runs[k].shifted(delta, lineDelta); k > d.reparsed+1 && lines.lines[lines.lineOf(start)] >= editEnd {
				tr.runs[k] = r
				continue
			}
			tr.runs[k] = encodeRun(lines, enc, f.TokensStartingIn(smalltalk.Range{Start: start, End: runEnd(k)}), start)
		}
		if data, ok := joinRuns(tr.runs); ok {
			tr.data = data
			return tr
		}
	}
	toks := f.Tokens(smalltalk.Range{})
	tr.runs = make([]tokenRun, 0, len(f.Methods)+1)
	for k, rest := 0, toks; k <= len(f.Methods); k++ {
		n, end := 0, runEnd(k)
		for n < len(rest) && rest[n].Start < end {
			n++
		}
		tr.runs = append(tr.runs, encodeRun(lines, enc, rest[:n], runStart(k)))
		rest = rest[n:]
	}
	if data, ok := joinRuns(tr.runs); ok {
		tr.data = data
		return tr
	}
	// Some token overlaps the run before it: the document is encoded in
	// one run, which the next version cannot take apart.
	run := encodeRun(lines, enc, toks, 0)
	tr.runs = nil
	tr.data, _ = joinRuns([]tokenRun{run})
	return tr
}
