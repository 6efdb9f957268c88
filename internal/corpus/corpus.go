// Package corpus writes a generated tree of Tonel files shaped like Pharo's
// own src/ (file count, file sizes, methods per file, a long tail of
// selectors and a few selectors with hundreds of senders), so that the
// index and the workspace benchmarks can run where Pharo's sources are not
// at hand, as in CI.
package corpus

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Shape says how large a corpus to write. At Files = 9375 it matches
// Pharo's src/: about 28 MB, about 10 methods a file, one class of about
// 200 KB (Morph's size), and printOn: sent about 900 times.
type Shape struct {
	Files int
	Seed  uint64
}

// PharoFiles is the number of Tonel files in Pharo's src/.
const PharoFiles = 9375

// Written describes a corpus that Write produced.
type Written struct {
	Files int
	Bytes int64
	// BigFile is the path of the largest class, about 200 KB.
	BigFile string
	// BusySelector is sent from about Files/10 methods.
	BusySelector string
}

// Write fills dir with a corpus of the given shape, one package directory
// per 40 classes.
func Write(dir string, s Shape) (Written, error) {
	r := rand.New(rand.NewPCG(s.Seed, 18))
	vocab := selectors(r, 20000)
	w := Written{BusySelector: "printOn:"}
	for i := 0; i < s.Files; i++ {
		pkg := filepath.Join(dir, fmt.Sprintf("Generated-Package%03d", i/40))
		if i%40 == 0 {
			if err := os.MkdirAll(pkg, 0o755); err != nil {
				return w, err
			}
			if err := os.WriteFile(filepath.Join(pkg, "package.st"), []byte(fmt.Sprintf("Package { #name : #'Generated-Package%03d' }\n", i/40)), 0o644); err != nil {
				return w, err
			}
		}
		methods := 1 + r.IntN(8) + r.IntN(8)
		name := fmt.Sprintf("GenClass%05d", i)
		if i == 0 {
			methods, name = 600, "GenMorph"
		}
		src := class(r, name, i, methods, vocab)
		path := filepath.Join(pkg, name+".class.st")
		if err := os.WriteFile(path, src, 0o644); err != nil {
			return w, err
		}
		if i == 0 {
			w.BigFile = path
		}
		w.Files++
		w.Bytes += int64(len(src))
	}
	return w, nil
}

// selectors makes n distinct selectors: unary, binary and keyword.
func selectors(r *rand.Rand, n int) []string {
	words := []string{"add", "remove", "at", "put", "value", "name", "size", "with", "do", "collect", "select", "detect", "inject", "into", "print", "on", "from", "to", "by", "key", "index", "item", "list", "model", "view", "color", "bounds", "extent", "position", "owner", "submorph", "text", "font", "style", "update", "changed", "initialize", "default", "new", "create", "build", "open", "close", "handle", "event", "mouse", "key", "accept", "cancel"}
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		k := 1 + r.IntN(3)
		var b strings.Builder
		for j := 0; j < k; j++ {
			word := words[r.IntN(len(words))]
			if j > 0 || r.IntN(2) == 0 {
				word = strings.ToUpper(word[:1]) + word[1:]
			}
			if j == 0 {
				word = strings.ToLower(word[:1]) + word[1:]
			}
			b.WriteString(word)
			fmt.Fprintf(&b, "%d", r.IntN(400))
			if r.IntN(3) > 0 {
				b.WriteByte(':')
			}
		}
		sel := b.String()
		if strings.Contains(sel[:len(sel)-1], ":") && !strings.HasSuffix(sel, ":") {
			sel += ":"
		}
		if !seen[sel] {
			seen[sel] = true
			out = append(out, sel)
		}
	}
	return out
}

// pick draws a selector with a long tail: a few are sent very often.
func pick(r *rand.Rand, vocab []string) string {
	f := r.Float64()
	return vocab[int(f*f*f*float64(len(vocab)))]
}

func class(r *rand.Rand, name string, i, methods int, vocab []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "\"\nI am %s, generated for benchmarks.\n\"\nClass {\n\t#name : #%s,\n\t#superclass : #Object,\n\t#instVars : [\n\t\t'count',\n\t\t'items'\n\t],\n\t#category : #'Generated-Package%03d'\n}\n", name, name, i/40)
	for m := 0; m < methods; m++ {
		sel := vocab[(i*31+m*7)%len(vocab)]
		if m == 0 && r.IntN(10) == 0 {
			sel = "printOn:"
		}
		fmt.Fprintf(&b, "\n{ #category : #'category %d' }\n%s >> %s [\n", m%7, name, pattern(sel))
		b.WriteString("\t\"Does something with its arguments.\"\n\t| tmp block |\n")
		for st := 0; st < 1+r.IntN(3); st++ {
			fmt.Fprintf(&b, "\ttmp := self %s.\n", send(r, pick(r, vocab)))
			fmt.Fprintf(&b, "\tblock := [ :each | each %s ].\n", send(r, pick(r, vocab)))
		}
		if r.IntN(180) == 0 {
			b.WriteString("\tself printOn: tmp.\n")
		}
		b.WriteString("\titems add: #(1 $a 'str' #sym) -> 16r1F; yourself.\n\t^ tmp\n]\n")
	}
	return []byte(b.String())
}

// pattern is a method pattern for sel with argument names.
func pattern(sel string) string {
	if !strings.HasSuffix(sel, ":") {
		return sel
	}
	parts := strings.SplitAfter(sel, ":")
	var b strings.Builder
	for i, p := range parts[:len(parts)-1] {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s arg%d", p, i)
	}
	return b.String()
}

// send is a message send of sel with arguments.
func send(r *rand.Rand, sel string) string {
	if !strings.HasSuffix(sel, ":") {
		return sel
	}
	parts := strings.SplitAfter(sel, ":")
	var b strings.Builder
	for i, p := range parts[:len(parts)-1] {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s %d", p, r.IntN(100))
	}
	return b.String()
}
