package stuiproto

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"strings"
)

// The image proves it holds the token before a client sends it anything that
// matters (1.2, docs/security.md): another local user's process that took
// the port or the socket path first must learn neither the token nor any
// code.
//
// On every new connection the client sends a ping without a token, whose
// parameters carry a challenge: a fresh random nonce and the endpoint the
// client dialled. An image that holds the token, and is bound to that
// endpoint, answers with Proof in its ping result; the client checks it
// before it sends anything else on that connection. Binding the proof to the
// endpoint stops a relay: a process on tcp://127.0.0.1:5555 that forwards
// the challenge to the real image on another endpoint gets no proof for it.

// ImageChallenge is the challenge in a ping's parameters.
type ImageChallenge struct {
	Nonce    string `json:"nonce"`
	Endpoint string `json:"endpoint"`
}

// imageProofLabel separates these MACs from any other use of the token.
const imageProofLabel = "stui-image-proof/1"

// ImageProof is what an image holding token answers to a challenge for
// endpoint and nonce: the lowercase hex HMAC-SHA256, keyed with the token, of
// "stui-image-proof/1", endpoint and nonce, each followed by a newline.
func ImageProof(token, endpoint, nonce string) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte(imageProofLabel + "\n" + endpoint + "\n" + nonce + "\n"))
	return hex.EncodeToString(mac.Sum(nil))
}

// ValidImageProof reports whether proof answers the challenge (in constant
// time).
func ValidImageProof(token, endpoint, nonce, proof string) bool {
	want := ImageProof(token, endpoint, nonce)
	return hmac.Equal([]byte(want), []byte(strings.ToLower(proof)))
}

// EndpointDesignates reports whether a client that dialled claimed reaches a
// server bound to bound: the same ipc path, or the same tcp port on the same
// host, with localhost standing for 127.0.0.1. An image answers a challenge
// only for an endpoint it is bound to.
func EndpointDesignates(claimed, bound string) bool {
	cs, crest, ok1 := strings.Cut(claimed, "://")
	bs, brest, ok2 := strings.Cut(bound, "://")
	if !ok1 || !ok2 || cs != bs {
		return false
	}
	if cs != "tcp" {
		return crest == brest
	}
	ch, cp, err1 := net.SplitHostPort(crest)
	bh, bp, err2 := net.SplitHostPort(brest)
	if err1 != nil || err2 != nil || cp != bp {
		return false
	}
	norm := func(h string) string {
		if h == "localhost" {
			return "127.0.0.1"
		}
		if ip := net.ParseIP(h); ip != nil {
			return ip.String()
		}
		return h
	}
	return norm(ch) == norm(bh)
}
