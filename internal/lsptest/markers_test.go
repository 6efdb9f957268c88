package lsptest

import (
	"testing"

	"go.lsp.dev/protocol"
)

func TestMarkersCountUTF16UnitsAndEveryLineBreak(t *testing.T) {
	cases := []struct {
		src, text string
		want      map[string]protocol.Position
	}{
		{"⟦a⟧x", "x", map[string]protocol.Position{"a": {Line: 0, Character: 0}}},
		{"ab⟦a⟧", "ab", map[string]protocol.Position{"a": {Line: 0, Character: 2}}},
		{"é😀⟦a⟧", "é😀", map[string]protocol.Position{"a": {Line: 0, Character: 3}}},
		{"one\ntwo⟦a⟧", "one\ntwo", map[string]protocol.Position{"a": {Line: 1, Character: 3}}},
		{"one\r\ntwo⟦a⟧", "one\r\ntwo", map[string]protocol.Position{"a": {Line: 1, Character: 3}}},
		{"one\r⟦a⟧\ntwo⟦b⟧", "one\r\ntwo", map[string]protocol.Position{"a": {Line: 1, Character: 0}, "b": {Line: 1, Character: 3}}},
		{"one\rtwo⟦a⟧", "one\rtwo", map[string]protocol.Position{"a": {Line: 1, Character: 3}}},
		{"⟦a⟧😀⟦b⟧\n⟦c⟧", "😀\n", map[string]protocol.Position{"a": {}, "b": {Line: 0, Character: 2}, "c": {Line: 1, Character: 0}}},
	}
	for _, c := range cases {
		text, at := Markers(c.src)
		if text != c.text {
			t.Errorf("Markers(%q) text %q, want %q", c.src, text, c.text)
		}
		for name, want := range c.want {
			if got, ok := at[name]; !ok || got != want {
				t.Errorf("Markers(%q)[%s] = %+v, want %+v", c.src, name, got, want)
			}
		}
		if len(at) != len(c.want) {
			t.Errorf("Markers(%q) found %d markers, want %d", c.src, len(at), len(c.want))
		}
	}
}
