package smalltalk

import "testing"

func TestNestedKeywordMessagesKeepTheirSelectors(t *testing.T) {
	src := "[:x | x foo: 1] on: Error do: [:e | self errorReplyFor: e id: 3]"
	f := Parse("p.st", []byte(src))
	if len(f.Errors) > 0 {
		t.Fatalf("errors: %v", f.Errors)
	}
	var sels []string
	for _, st := range f.Statements {
		Walk(st, func(n Node) {
			if m, ok := n.(*Message); ok && m.Kind == KeywordMsg {
				sels = append(sels, m.Selector)
			}
		})
	}
	want := map[string]bool{"on:do:": true, "foo:": true, "errorReplyFor:id:": true}
	if len(sels) != 3 {
		t.Fatalf("selectors %v", sels)
	}
	for _, s := range sels {
		if !want[s] {
			t.Errorf("unexpected selector %q in %v", s, sels)
		}
	}
}
