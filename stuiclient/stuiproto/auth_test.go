package stuiproto

import "testing"

// The known answer docs/protocol.md gives for the image side to check its
// HMAC against.
func TestImageProofKnownAnswer(t *testing.T) {
	const (
		token    = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		endpoint = "ipc:///run/user/1000/stui/stui.sock"
		nonce    = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	)
	got := ImageProof(token, endpoint, nonce)
	t.Logf("proof %s", got)
	if !ValidImageProof(token, endpoint, nonce, got) || ValidImageProof(token, endpoint+"x", nonce, got) || ValidImageProof(token[1:], endpoint, nonce, got) {
		t.Fatal("ValidImageProof")
	}
	if got != knownProof {
		t.Errorf("proof %s, want %s", got, knownProof)
	}
}

// knownProof was computed apart from this code, with Python's hmac module.
const knownProof = "94b6acb4fe2b244a44d787749c7cbe287eb8aa19621897e546d4c6f3f1b1ce00"
