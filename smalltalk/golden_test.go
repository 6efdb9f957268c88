package smalltalk

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/smalltalk")

// fixtures returns every .st file under testdata/smalltalk.
func fixtures(t testing.TB) []string {
	var out []string
	err := filepath.WalkDir("../testdata/smalltalk", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".st") {
			out = append(out, p)
		}
		return err
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	return out
}

// TestGolden parses every fixture and compares a summary of the result
// (kind, definitions, methods with their syntax trees, errors) with the
// .golden file next to it. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	for _, path := range fixtures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := summary(Parse(path, src))
			golden := strings.TrimSuffix(path, ".st") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("summary differs from %s (run with -update and review the diff):\n%s", golden, got)
			}
		})
	}
}

func summary(f *File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind %s\n", f.Kind)
	if f.Package != "" {
		fmt.Fprintf(&b, "package %q\n", f.Package)
	}
	for _, d := range f.Classes {
		fmt.Fprintf(&b, "class %s name=%q super=%q trait=%v ext=%v\n", d.Name, f.Text(d.NameRange), d.Superclass, d.IsTrait, d.IsExtension)
		fmt.Fprintf(&b, "  instVars %q classVars %q classInstVars %q\n", d.InstVars, d.ClassVars, d.ClassInstVars)
		fmt.Fprintf(&b, "  category %q package %q tag %q\n", d.Category, d.Package, d.Tag)
		if d.Comment != "" {
			fmt.Fprintf(&b, "  comment %q\n", d.Comment)
		}
	}
	for _, m := range f.Methods {
		side := ""
		if m.ClassSide {
			side = " class"
		}
		fmt.Fprintf(&b, "method %s%s>>%s [%s] pattern=%q\n", m.ClassName, side, m.Selector, m.Category, f.Text(m.PatternRange))
		fmt.Fprintf(&b, "  source %q\n", m.Source)
		for _, p := range m.Pragmas {
			fmt.Fprintf(&b, "  pragma %s\n", dump(f, p))
		}
		if len(m.Temporaries()) > 0 {
			fmt.Fprintf(&b, "  temps %s\n", vars(m.Temporaries()))
		}
		for _, s := range m.Statements() {
			fmt.Fprintf(&b, "  %s\n", dump(f, s))
		}
	}
	if len(f.Temps) > 0 {
		fmt.Fprintf(&b, "temps %s\n", vars(f.Temps))
	}
	for _, s := range f.Statements {
		fmt.Fprintf(&b, "statement %s\n", dump(f, s))
	}
	for _, e := range f.Errors {
		l, c := f.LineCol(e.Start)
		fmt.Fprintf(&b, "error %d:%d: %s\n", l, c, e.Message)
	}
	return b.String()
}

func vars(vs []*Variable) string {
	var names []string
	for _, v := range vs {
		names = append(names, v.Name)
	}
	return strings.Join(names, " ")
}

// dump renders a node as an S-expression.
func dump(f *File, n Node) string {
	switch n := n.(type) {
	case nil:
		return "<nil>"
	case *Literal:
		return fmt.Sprintf("%s", f.Text(n.Range))
	case *Variable:
		return n.Name
	case *Assignment:
		return fmt.Sprintf("(:= %s %s)", n.Var.Name, dump(f, n.Value))
	case *Message:
		var b strings.Builder
		fmt.Fprintf(&b, "(%s", n.Selector)
		if n.Receiver != nil && n.Receiver.Span().Start >= n.Start {
			fmt.Fprintf(&b, " %s", dump(f, n.Receiver))
		} else {
			b.WriteString(" _")
		}
		for _, a := range n.Args {
			fmt.Fprintf(&b, " %s", dump(f, a))
		}
		return b.String() + ")"
	case *Cascade:
		var parts []string
		for _, m := range n.Messages {
			parts = append(parts, dump(f, m))
		}
		return fmt.Sprintf("(cascade %s %s)", dump(f, n.Receiver), strings.Join(parts, " "))
	case *Paren:
		return dump(f, n.X)
	case *Block:
		var b strings.Builder
		b.WriteString("[")
		for _, a := range n.Args {
			fmt.Fprintf(&b, ":%s ", a.Name)
		}
		if len(n.Temps) > 0 {
			fmt.Fprintf(&b, "|%s| ", vars(n.Temps))
		}
		var parts []string
		for _, s := range n.Body.Statements {
			parts = append(parts, dump(f, s))
		}
		return b.String() + strings.Join(parts, ". ") + "]"
	case *Return:
		return "(^ " + dump(f, n.Value) + ")"
	case *ArrayLiteral:
		var parts []string
		for _, e := range n.Elements {
			parts = append(parts, dump(f, e))
		}
		if n.Bytes {
			return "#[" + strings.Join(parts, " ") + "]"
		}
		return "#(" + strings.Join(parts, " ") + ")"
	case *Brace:
		var parts []string
		for _, e := range n.Elements {
			parts = append(parts, dump(f, e))
		}
		return "{" + strings.Join(parts, ". ") + "}"
	case *Pragma:
		var parts []string
		for _, a := range n.Args {
			parts = append(parts, dump(f, a))
		}
		return fmt.Sprintf("<%s %s>", n.Selector, strings.Join(parts, " "))
	case *Bad:
		return "<bad>"
	}
	return fmt.Sprintf("%T", n)
}
