package e2e

// The image's Transcript in the editor, through the real stui-lsp and the
// real stui-testimage: a write shows in the log channel about one round
// trip later, and a flood ends in a count of what was dropped while the
// editor's other requests are still answered.

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

func (e *binEditor) evaluate(code string) string {
	e.t.Helper()
	args, _ := json.Marshal(map[string]any{"code": code})
	var res struct {
		Result string `json:"result"`
	}
	e.must("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: "stui.evaluate", Arguments: []protocol.LSPAny{args}}, &res)
	return res.Result
}

func TestBinaryStreamsTheTranscript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs stui-lsp and stui-testimage; not in -short mode")
	}
	bin := buildCommand(t, "stui-lsp")
	endpoint := editorStartImage(t, buildCommand(t, "stui-testimage"))
	e := binStart(t, bin, endpoint, t.TempDir())
	e.waitNote(protocol.MethodWindowLogMessage, "image connected", 1)

	e.evaluate("Transcript show: 'hello from the Transcript, ça va 😀'")
	e.waitNote(protocol.MethodWindowLogMessage, "Transcript: hello from the Transcript, ça va 😀", 1)

	// A flood of 5000 lines: the image keeps 1000, the editor is told of
	// the rest, and an evaluation meanwhile is answered as usual.
	e.evaluate("n := 0. [Transcript crShow: n printString. (n := n + 1) < 5000] whileTrue")
	e.waitNote(protocol.MethodWindowLogMessage, "Transcript entries dropped", 1)
	if got := e.evaluate("3 + 4"); got != "7" {
		t.Errorf("3 + 4 during the flood = %q", got)
	}
	e.waitNote(protocol.MethodWindowLogMessage, "\\n4999", 1)
	dropped := 0
	shown := 0
	count := regexp.MustCompile(`\[(\d+) Transcript entries dropped`)
	for _, raw := range e.notesOf(protocol.MethodWindowLogMessage) {
		var p protocol.LogMessageParams
		if protocol.Unmarshal(raw, &p) != nil || !strings.HasPrefix(p.Message, "Transcript: ") {
			continue
		}
		if m := count.FindStringSubmatch(p.Message); m != nil {
			var n int
			_ = json.Unmarshal([]byte(m[1]), &n)
			dropped += n
		}
		shown += strings.Count(p.Message, "\n") - len(count.FindAllString(p.Message, -1))
	}
	// Every line is either shown or counted: 5000 crShow: entries, each
	// starting a line.
	if dropped == 0 || dropped+shown != 5000 {
		t.Errorf("%d lines shown and %d counted as dropped, of 5000", shown, dropped)
	}
	t.Logf("%d lines shown, %d counted as dropped", shown, dropped)
}
