package stuiproto

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestDocumentedFieldsMatchTheTypes keeps each command's section of
// docs/protocol.md and its typed params and result in step: every field a
// type carries is named in the doc (its own fields in the command's section,
// those of shared shapes such as a session or a method reference anywhere in
// it).
func TestDocumentedFieldsMatchTheTypes(t *testing.T) {
	data, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	sections := sectionsOf(doc)
	// A field is named as `field` or `field?`, or as "field" in the JSON
	// shapes.
	named := regexp.MustCompile("[`\"]([a-z][a-zA-Z0-9_]*)\\??[`\"]")
	mentioned := func(text string) map[string]bool {
		out := map[string]bool{}
		for _, m := range named.FindAllStringSubmatch(text, -1) {
			out[m[1]] = true
		}
		return out
	}
	everywhere := mentioned(doc)
	session := mentioned(shapeOf(t, doc, "session"))
	refersTo := regexp.MustCompile(`\b(?:an? |the |as )(\w+)`)
	for _, cmd := range Commands {
		section, ok := sections[cmd]
		if !ok {
			continue // TestVectorsCoverTheContract reports it
		}
		inSection := mentioned(section)
		// "Result: a session", "an evaluate result", "as debug_step": the
		// fields of the shape or command it refers to.
		for _, m := range refersTo.FindAllStringSubmatch(section, -1) {
			if m[1] == "session" {
				for f := range session {
					inSection[f] = true
				}
			}
			if other, ok := sections[m[1]]; ok && m[1] != cmd {
				for f := range mentioned(other) {
					inSection[f] = true
				}
			}
		}
		for what, v := range map[string]any{"params": NewParams(cmd), "result": NewResult(cmd)} {
			own, nested := jsonFields(reflect.TypeOf(v))
			for _, f := range own {
				if !inSection[f] && !everywhere[f] {
					t.Errorf("%s: %s field %q is not in docs/protocol.md", cmd, what, f)
				} else if !inSection[f] {
					t.Errorf("%s: %s field %q is not named in the command's section", cmd, what, f)
				}
			}
			for _, f := range nested {
				if !everywhere[f] {
					t.Errorf("%s: %s field %q (of a nested shape) is not in docs/protocol.md", cmd, what, f)
				}
			}
		}
	}
}

// shapeOf is the paragraph "A **name**:" that describes a shared shape.
func shapeOf(t *testing.T, doc, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "A **"+name+"**")
	if !ok {
		t.Fatalf("docs/protocol.md describes no %s", name)
	}
	para, _, _ := strings.Cut(rest, "\n\n")
	return para
}

// sectionsOf splits the doc at its "### command" headings.
func sectionsOf(doc string) map[string]string {
	heads := regexp.MustCompile(`(?m)^### (\w+)`).FindAllStringSubmatchIndex(doc, -1)
	out := map[string]string{}
	for i, h := range heads {
		end := len(doc)
		if i+1 < len(heads) {
			end = heads[i+1][0]
		}
		out[doc[h[2]:h[3]]] = doc[h[1]:end]
	}
	return out
}

// jsonFields lists the JSON names of a struct type's own fields (embedded
// structs' included) and, separately, those of the structs it nests.
func jsonFields(t reflect.Type) (own, nested []string) {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, top bool)
	walk = func(t reflect.Type, top bool) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				walk(f.Type, top)
				continue
			}
			if name == "" {
				continue
			}
			if top {
				own = append(own, name)
			} else {
				nested = append(nested, name)
			}
			walk(f.Type, false)
		}
	}
	walk(t, true)
	return own, nested
}
