package conformance

import (
	"strings"
	"testing"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Every documented error of a command this package checks, as the protocol
// vectors list them, has a check. A command added to the protocol after this
// package was written is only reported: its author adds the checks (see
// docs/conformance.md), and until then the run says nothing about it.
func TestEveryVectorHasACheck(t *testing.T) {
	vectors, err := stuiproto.LoadVectors("../../testdata/protocol")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, ch := range allChecks() {
		if names[ch.name] {
			t.Errorf("two checks are named %s", ch.name)
		}
		names[ch.name] = true
	}
	for _, v := range vectors {
		name := v.Name
		command, _, _ := strings.Cut(name, ".")
		switch {
		case names[name]:
		case names[command]:
			t.Errorf("vector %s has no check named %s", v.Name, name)
		default:
			t.Logf("vector %s: its command %s has no checks yet", v.Name, command)
		}
	}
	if allChecks()[0].name != "ping" {
		t.Errorf("the first check is %s: ping must come first, as Run relies on it", allChecks()[0].name)
	}
}
