package lsp

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// applyTokenEdits is the client's side of a delta, written from the
// specification: each edit replaces deleteCount numbers at start.
func applyTokenEdits(data []uint32, edits []protocol.SemanticTokensEdit) []uint32 {
	out := slices.Clone(data)
	for i := len(edits) - 1; i >= 0; i-- {
		e := edits[i]
		out = slices.Concat(out[:e.Start], e.Data, out[e.Start+e.DeleteCount:])
	}
	return out
}

func TestSemanticTokensDeltaTurnsTheLastResultIntoTheNewTokens(t *testing.T) {
	e := startEditor(t, editorOptions{})
	caps, err := protocol.Marshal(e.srv.capabilities())
	if err != nil {
		t.Fatal(err)
	}
	var offered struct {
		SemanticTokensProvider struct {
			Full struct {
				Delta bool `json:"delta"`
			} `json:"full"`
		} `json:"semanticTokensProvider"`
	}
	if err := json.Unmarshal(caps, &offered); err != nil || !offered.SemanticTokensProvider.Full.Delta {
		t.Fatalf("semanticTokensProvider.full.delta not offered: %s", caps)
	}
	text := "Object subclass: #Foo.\n!Foo methodsFor: 'x'!\nfoo\n\t| a |\n\ta := 3 + 4.\n\t^ a printString! !\n"
	u := e.open("delta.st", text)
	full := func() (string, []uint32) {
		var res protocol.SemanticTokens
		if err := e.call("textDocument/semanticTokens/full", &protocol.SemanticTokensParams{TextDocument: td(u)}, &res); err != nil || res.ResultID == nil {
			t.Fatalf("full: %v %+v", err, res)
		}
		return *res.ResultID, res.Data
	}
	id, data := full()
	for version, next := range []string{
		strings.Replace(text, "3 + 4", "3 + 4 + a", 1),
		strings.Replace(text, "| a |", "| a b |", 1),
		text,
		"x := 1.\n",
		"x := 1.\n",
	} {
		e.changeAll(u, int32(version+2), next)
		var raw json.RawMessage
		if err := e.call("textDocument/semanticTokens/full/delta", &protocol.SemanticTokensDeltaParams{TextDocument: td(u), PreviousResultID: id}, &raw); err != nil {
			t.Fatal(err)
		}
		var delta protocol.SemanticTokensDelta
		if err := json.Unmarshal(raw, &delta); err != nil || delta.ResultID == nil || delta.Edits == nil {
			t.Fatalf("not a delta: %s", raw)
		}
		got := applyTokenEdits(data, delta.Edits)
		_, want := full()
		if !slices.Equal(got, want) {
			t.Errorf("after edit %d the delta gives %v, the full tokens are %v", version, got, want)
		}
		// An outdated id gets the whole tokens back.
		var again json.RawMessage
		if err := e.call("textDocument/semanticTokens/full/delta", &protocol.SemanticTokensDeltaParams{TextDocument: td(u), PreviousResultID: id}, &again); err != nil || !strings.Contains(string(again), `"data"`) {
			t.Errorf("an outdated result id: %s, %v", again, err)
		}
		id, data = full()
	}
}
