package lsp

import (
	"strings"
	"testing"
)

// Two language servers on one image must not share request ids: the image
// matches an interrupt by request id, whichever client sent it.
func TestRequestIDsAreThisProcesssOwn(t *testing.T) {
	a, b := newRequestID("lsp-"), newRequestID("lsp-")
	if a == b {
		t.Fatalf("two ids alike: %s", a)
	}
	rest, ok := strings.CutPrefix(a, "lsp-")
	prefix, _, found := strings.Cut(rest, "-")
	if !ok || !found || len(prefix) != 8 || prefix != requestPrefix {
		t.Fatalf("id %q does not carry the process's prefix %q", a, requestPrefix)
	}
}
