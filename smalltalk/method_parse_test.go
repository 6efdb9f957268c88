package smalltalk

import (
	"slices"
	"testing"
)

func TestParseMethodReadsPatternBodyAndSends(t *testing.T) {
	cases := []struct {
		src   string
		sel   string
		args  []string
		temps []string
		sends []string
	}{
		{src: "increment\n\tcount := count + 1", sel: "increment", sends: []string{"+"}},
		{src: "at: i put: v\n\t| old |\n\told := items at: i.\n\titems at: i put: v.\n\t^ old", sel: "at:put:", args: []string{"i", "v"}, temps: []string{"old"}, sends: []string{"at:", "at:put:"}},
		{src: "+ other\n\t^ self value + other value", sel: "+", args: []string{"other"}, sends: []string{"value", "+", "value"}},
		{src: "report\n\t\"é😀\" ^ [:x | x printString] value: 3", sel: "report", sends: []string{"printString", "value:"}},
	}
	for _, c := range cases {
		f := ParseMethod([]byte(c.src))
		if len(f.Errors) > 0 {
			t.Errorf("%q: errors %v", c.src, f.Errors)
			continue
		}
		if len(f.Methods) != 1 {
			t.Fatalf("%q: %d methods", c.src, len(f.Methods))
		}
		m := f.Methods[0]
		var args, temps, sends []string
		for _, a := range m.Args {
			args = append(args, a.Name)
		}
		for _, v := range m.Temporaries() {
			temps = append(temps, v.Name)
		}
		for _, s := range m.Sends() {
			sends = append(sends, s.Selector)
		}
		if m.Selector != c.sel || !slices.Equal(args, c.args) || !slices.Equal(temps, c.temps) {
			t.Errorf("%q: selector %q args %v temps %v, want %q %v %v", c.src, m.Selector, args, temps, c.sel, c.args, c.temps)
		}
		if !slices.Equal(sends, c.sends) {
			t.Errorf("%q: sends %v, want %v", c.src, sends, c.sends)
		}
	}
}

func TestParseMethodReportsWhereTheSourceBreaks(t *testing.T) {
	src := "decrement\n\tcount := (self count - 1"
	f := ParseMethod([]byte(src))
	if len(f.Errors) == 0 {
		t.Fatal("an unclosed parenthesis parsed cleanly")
	}
	if e := f.Errors[0]; e.Start != len(src) {
		t.Errorf("error %q at %d, want the end of the source (%d)", e.Message, e.Start, len(src))
	}
	if f.Methods[0].Selector != "decrement" {
		t.Errorf("selector %q", f.Methods[0].Selector)
	}
}
