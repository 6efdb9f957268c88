package lsp

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// largeTonelClass is a Tonel class of about size bytes shaped like Morph,
// Pharo's largest: many short methods with comments, keyword messages,
// blocks and literals.
func largeTonelClass(size int) string {
	var b strings.Builder
	b.WriteString("\"\nI am a large generated class.\n\"\nClass {\n\t#name : #LargeMorph,\n\t#superclass : #Object,\n\t#instVars : [ 'bounds', 'owner', 'submorphs', 'color' ],\n\t#classVars : [ 'Default' ],\n\t#category : #'Bench-Large'\n}\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `
{ #category : #'category %d' }
LargeMorph >> method%d: aMorph with: other [
	"Answer something about aMorph, with café and 😀 in the comment."
	| box result |
	box := bounds merge: aMorph bounds.
	result := submorphs collect: [ :each | each position + (%d @ 2) ].
	owner ifNotNil: [ :o | o changed: #bounds ].
	color := Color r: 0.5 g: 0.25 b: 1.0.
	Default ifNil: [ Default := 'default' , other printString ].
	^ result inject: box into: [ :acc :e | acc max: e ]
]
`, i%30, i, i)
	}
	return b.String()
}

// processCPU is the CPU time this process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// editBenchText is the document the edit benchmark opens: the file named
// by STUI_EDIT_BENCH_FILE (e.g. Pharo's Morph.class.st), else a generated
// class of Morph's size.
func editBenchText(b *testing.B) string {
	if path := os.Getenv("STUI_EDIT_BENCH_FILE"); path != "" {
		src, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		return string(src)
	}
	return largeTonelClass(205 << 10)
}

// BenchmarkEditThenSemanticTokens: what an editor does on each keystroke in
// a 200 KB Tonel file: didChange with one character typed or deleted inside
// a method in the middle of the file, then semanticTokens/full (or
// full/delta, as VS Code asks), over the real Serve loop.
func BenchmarkEditThenSemanticTokens(b *testing.B) {
	for _, delta := range []bool{false, true} {
		name := "full"
		if delta {
			name = "delta"
		}
		b.Run(name, func(b *testing.B) {
			e := startBenchEditor(b, nil)
			text := editBenchText(b)
			u := e.open(b, "LargeMorph.class.st", text)
			mid := len(text) / 2
			at := mid + strings.Index(text[mid:], "\n\t")
			line := uint32(strings.Count(text[:at+1], "\n"))
			var res protocol.SemanticTokens
			if err := e.call("textDocument/semanticTokens/full", &protocol.SemanticTokensParams{TextDocument: td(u)}, &res); err != nil {
				b.Fatal(err)
			}
			if len(res.Data) == 0 {
				b.Fatal("no tokens")
			}
			resultID := *res.ResultID
			version := int32(1)
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			cpu := processCPU(b)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				version++
				change := &protocol.TextDocumentContentChangePartial{
					Range: protocol.Range{Start: protocol.Position{Line: line, Character: 1}, End: protocol.Position{Line: line, Character: 1}},
					Text:  "x",
				}
				if version%2 == 1 {
					change.Range.End.Character = 2
					change.Text = ""
				}
				if err := e.conn.Notify(context.Background(), "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
					TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: td(u), Version: version},
					ContentChanges: []protocol.TextDocumentContentChangeEvent{change},
				}); err != nil {
					b.Fatal(err)
				}
				if delta {
					var d protocol.SemanticTokensDelta
					if err := e.call("textDocument/semanticTokens/full/delta", &protocol.SemanticTokensDeltaParams{TextDocument: td(u), PreviousResultID: resultID}, &d); err != nil {
						b.Fatal(err)
					}
					if d.ResultID == nil {
						b.Fatal("a delta without a result id")
					}
					resultID = *d.ResultID
				} else {
					var res protocol.SemanticTokens
					if err := e.call("textDocument/semanticTokens/full", &protocol.SemanticTokensParams{TextDocument: td(u)}, &res); err != nil {
						b.Fatal(err)
					}
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			reportRequestCosts(b, cpu, lat)
		})
	}
}
