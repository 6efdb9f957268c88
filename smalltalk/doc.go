// Package smalltalk is a pure-Go, error-tolerant lexer and parser for
// Pharo Smalltalk, and the queries a language server needs on its result.
//
// Parse reads a source file and decides its format from the content:
// Tonel (class, trait, extension, package.st), chunk file-out, or
// playground. The File it returns holds the class definitions, methods
// with their syntax trees, top-level statements, comments and syntax
// errors. Every node, token and error carries a half-open byte range
// [Start, End) into File.Src; File.LineCol converts offsets to 1-based
// lines and character columns.
//
// Errors never stop the parse: a bad statement is skipped up to the next
// '.' or closing bracket, a Tonel method whose brackets do not balance
// ends at the first-column ']' before the next method, and a chunk ends at
// its '!', so the structure of the rest of the file is kept.
//
// Queries: File.MethodAt, File.StatementAt, File.NodePath,
// File.IdentifierAt (what the cursor is on, with full keyword selectors),
// Method.Sends and SentSelectors, File.Outline, File.FoldingRanges and
// File.Tokens (semantic highlighting). Package index builds a workspace
// index over many files.
//
// Performance (one core, AMD EPYC, Go 1.26; see docs/performance.md):
// parsing a generated 5,000-line Tonel file runs at about 66 MB/s and the
// outline of that file takes about 25 µs. Reproduce with
//
//	go test ./smalltalk/ -run XXX -bench . -cpu 1
package smalltalk
