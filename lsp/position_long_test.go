package lsp

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"go.lsp.dev/protocol"
)

// On long lines positions are counted from marks; they must agree with
// counting from the line's start, including offsets inside characters and
// invalid UTF-8.
func TestPositionsOnALongLineAgreeWithCountingFromItsStart(t *testing.T) {
	line := strings.Repeat("aé😀\xff中", 9000)
	text := "first line\n" + line + "\nlast é\n" + line
	ix := newLineIndex(text)
	for _, enc := range []positionEncoding{encodingUTF16, encodingUTF32} {
		for off := 0; off <= len(text); off += 97 {
			got := ix.position(off, enc)
			l := int(got.Line)
			start := ix.lines[l]
			clamped := min(off, ix.lineEnd(l))
			if want := ix.units(start, clamped, enc); int(got.Character) != want {
				t.Fatalf("%v: offset %d: character %d, want %d", enc, off, got.Character, want)
			}
			if off < len(text) && !utf8.RuneStart(text[off]) {
				continue // inside a character: no exact way back
			}
			back := ix.offset(got, enc)
			if p := ix.position(back, enc); p != got {
				t.Fatalf("%v: offset %d -> %v -> %d -> %v", enc, off, got, back, p)
			}
		}
		// Characters past the end of the long line clamp to its end.
		if off := ix.offset(protocol.Position{Line: 1, Character: 1 << 30}, enc); off != ix.lineEnd(1) {
			t.Fatalf("%v: past the end: %d, want %d", enc, off, ix.lineEnd(1))
		}
	}
}

func BenchmarkPositionOnALongLine(b *testing.B) {
	line := strings.Repeat("aé😀中", 1<<18) // about 2.5 MB on one line
	ix := newLineIndex(line)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		off := (i * 7919) % len(line)
		ix.offset(ix.position(off, encodingUTF16), encodingUTF16)
	}
}

// A 10 MB playground used to get 1.4 million lenses.
func TestCodeLensesAreCapped(t *testing.T) {
	e := startEditor(t, editorOptions{})
	u := e.open("big.st", strings.Repeat("x := 3 + 4.\n", 100_000))
	var lenses []protocol.CodeLens
	if err := e.call("textDocument/codeLens", &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &lenses); err != nil {
		t.Fatal(err)
	}
	if want := maxEvaluableLenses * len(evaluateCommands); len(lenses) != want {
		t.Errorf("%d lenses, want %d", len(lenses), want)
	}
}

// A large document is parsed off the read loop; when edits come faster than
// parses, the diagnostics left are the latest version's.
func TestLargeDocumentDiagnosticsFollowTheLatestVersion(t *testing.T) {
	e := startEditor(t, editorOptions{})
	body := strings.Repeat("x := 3 + 4.\n", backgroundParseBytes/12+1)
	u := e.open("big.st", body+"a := (1 .\n")
	for v := int32(2); v <= 6; v++ {
		text := body + fmt.Sprintf("v := %s[ :x | x ", strings.Repeat(" ", int(v)))
		if err := e.conn.Notify(context.Background(), "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
			TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: v},
			ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangeWholeDocument{Text: text}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	var hover *protocol.Hover
	if err := e.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: protocol.Position{Line: 0, Character: 0},
	}}, &hover); err != nil {
		t.Fatalf("hover during the edits: %v", err)
	}
	lastLine := uint32(strings.Count(body, "\n"))
	// The error is at the end of the unclosed block, which moves with the version.
	lastEnd := uint32(len("v := " + strings.Repeat(" ", 6) + "[ :x | x "))
	e.diagnostics(u, func(ds []protocol.Diagnostic) bool {
		if len(ds) != 1 {
			return false
		}
		msg, _ := ds[0].Message.(protocol.String)
		return ds[0].Range.Start.Line == lastLine && ds[0].Range.Start.Character == lastEnd && strings.Contains(string(msg), "']'")
	})
}
