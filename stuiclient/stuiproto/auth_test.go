package stuiproto

import (
	"encoding/json"
	"os"
	"testing"
)

// The known answer docs/protocol.md gives, in the file the image side's
// STUIImageProofTest reads too.
func TestImageProofKnownAnswer(t *testing.T) {
	data, err := os.ReadFile("../../testdata/auth/image-proof.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Label, Token, Endpoint, Nonce, Proof string }
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if v.Label != imageProofLabel {
		t.Fatalf("label %q, want %q", v.Label, imageProofLabel)
	}
	got := ImageProof(v.Token, v.Endpoint, v.Nonce)
	t.Logf("proof %s", got)
	if !ValidImageProof(v.Token, v.Endpoint, v.Nonce, got) || ValidImageProof(v.Token, v.Endpoint+"x", v.Nonce, got) || ValidImageProof(v.Token[1:], v.Endpoint, v.Nonce, got) {
		t.Fatal("ValidImageProof")
	}
	if got != v.Proof {
		t.Errorf("proof %s, want %s", got, v.Proof)
	}
}
