package stuitest

import "github.com/stui-lsp/stui-lsp/smalltalk"

// pharoSyntaxMessages words each rule smalltalk/'s parser reports as Pharo's
// compiler words a source that breaks it; the protocol vectors and the CLI
// tests pin these messages. A kind without an entry has no Pharo wording the
// backend has needed.
var pharoSyntaxMessages = map[smalltalk.ErrorKind]string{
	smalltalk.ErrorUnclosedParen:       "')' expected",
	smalltalk.ErrorUnclosedBlock:       "']' expected",
	smalltalk.ErrorUnclosedBrace:       "'}' expected",
	smalltalk.ErrorUnclosedTemporaries: "'|' expected",
	smalltalk.ErrorExpressionExpected:  "Variable or expression expected",
	smalltalk.ErrorStatementEnd:        "Nothing more expected",
	smalltalk.ErrorCascadeWithoutSend:  "Cascade must follow a message send",
	smalltalk.ErrorCascadeMessage:      "Message expected",
	smalltalk.ErrorUnterminatedString:  "Unmatched ' in string literal",
	smalltalk.ErrorUnterminatedComment: "Unmatched \" in comment",
	smalltalk.ErrorIllegalCharacter:    "Unknown character",
	smalltalk.ErrorMissingCharacter:    "Character expected",
	smalltalk.ErrorArgumentName:        "Argument name expected",
	smalltalk.ErrorMethodPattern:       "Message pattern expected",
}

// pharoSyntaxError words the first syntax error of a parse as Pharo does,
// at the byte offset where Pharo reports it: of the errors that start where
// the first one starts, the first whose kind Pharo has a message for (a
// lexical error and the parser's error about the same token start together,
// and Pharo names the lexical one). ok is false when the parse has no error,
// or none Pharo words.
func pharoSyntaxError(f *smalltalk.File) (msg string, at int, ok bool) {
	for _, e := range f.Errors {
		if e.Start != f.Errors[0].Start {
			break
		}
		m, found := pharoSyntaxMessages[e.Kind]
		if !found {
			continue
		}
		switch e.Kind {
		case smalltalk.ErrorUnterminatedString, smalltalk.ErrorUnterminatedComment:
			// Pharo's scanner reports an unclosed quote where the source ends.
			return m, e.End, true
		case smalltalk.ErrorCascadeMessage:
			// Pharo points past the ';', at what stands where the message should.
			at := e.End
			for at < len(f.Src) && isSpace(f.Src[at]) {
				at++
			}
			return m, at, true
		}
		return m, e.Start, true
	}
	return "", 0, false
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }
