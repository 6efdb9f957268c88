package stuitest

import (
	"testing"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

func TestEveryCommandOfTheTableHasAHandler(t *testing.T) {
	for _, spec := range stuiproto.Table {
		if handlers[spec.Name] == nil {
			t.Errorf("the backend has no handler for %s", spec.Name)
		}
	}
	for name := range handlers {
		if _, ok := stuiproto.Lookup(name); !ok {
			t.Errorf("the backend handles %s, which is not in stuiproto's table", name)
		}
	}
}
