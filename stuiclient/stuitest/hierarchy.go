package stuitest

import "sort"

// subclassesOf names the direct subclasses of a class, sorted, under b.mu.
func (b *Backend) subclassesOf(name string) []string {
	var out []string
	for _, c := range b.classes {
		if c.Superclass == name {
			out = append(out, c.Name)
		}
	}
	sort.Strings(out)
	return out
}
