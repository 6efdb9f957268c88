package mcp

import (
	"strings"
	"testing"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// A deep stack is cut in the middle: the innermost frames and the test
// method's own line stay.
func TestTestsTextKeepsTheTestMethodsFrame(t *testing.T) {
	var stack []stuiproto.TestFrame
	for i := range 12 {
		stack = append(stack, stuiproto.TestFrame{ClassName: "Helper", Selector: "step" + string(rune('a'+i)), Line: i + 1})
	}
	stack = append(stack, stuiproto.TestFrame{ClassName: "ShopTest", Selector: "testTotal", Line: 3})
	text := testsText(&stuiproto.RunTestsResult{Errors: 1, Results: []stuiproto.TestOutcome{
		{ClassName: "ShopTest", Selector: "testTotal", Status: stuiproto.TestError, Message: "boom", Stack: stack},
	}})
	for _, want := range []string{"ERROR ShopTest>>testTotal: boom", "Helper>>stepa line 1", "Helper>>stepd line 4", "…\n  ShopTest>>testTotal line 3"} {
		if !strings.Contains(text, want) {
			t.Fatalf("want %q in\n%s", want, text)
		}
	}
	if strings.Contains(text, "Helper>>stepe") {
		t.Fatalf("the middle of the stack is not cut:\n%s", text)
	}
}
