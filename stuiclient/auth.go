package stuiclient

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// The image proves it holds the token before the client sends it anything
// that matters (stuiproto.ImageChallenge). With a token and without CURVE
// (whose pinned server key authenticates the image already), a new
// connection is not up until its ping challenge is answered with a valid
// proof; until then callers' requests wait in the queue, and after a failed
// proof they fail at once. All of this runs on the owner goroutine.

// ErrImageNotAuthenticated: the peer at the endpoint did not prove it holds
// the token, so nothing was sent to it. Another local user's process may
// have taken the port or the socket path first.
var ErrImageNotAuthenticated = errors.New("stui: the peer at the endpoint did not prove it is the image")

// mustAuthenticate tells whether connections wait for the image's proof.
func (c *Client) mustAuthenticate() bool {
	return c.o.token != "" && c.o.curve == nil && !c.o.trustUnproven
}

// challenge sends the ping challenge, without the token, on a connection
// that libzmq just made.
func (c *Client) challenge(cn *conn) {
	nonce := make([]byte, 32)
	if _, err := rand.Read(nonce); err != nil {
		c.authFailed(fmt.Sprintf("no random nonce: %v", err))
		return
	}
	c.authNonce = hex.EncodeToString(nonce)
	c.authID = "auth-" + strconv.FormatUint(c.nextID.Add(1), 10)
	params, _ := json.Marshal(stuiproto.PingParams{Challenge: &stuiproto.ImageChallenge{Nonce: c.authNonce, Endpoint: c.endpoint}})
	payload, _ := json.Marshal(&stuiproto.Request{ID: c.authID, Command: stuiproto.CmdPing, Parameters: params})
	c.sockMu.Lock()
	err := cn.send(payload)
	c.sockMu.Unlock()
	if err != nil {
		c.authID = ""
		c.log.Warn("cannot send the image challenge", zap.Error(err))
		c.expectReconnect()
	}
}

// answered checks the reply to the challenge: the connection is up if the
// proof is right.
func (c *Client) answered(data []byte) {
	c.authID = ""
	reason := ""
	var rep stuiproto.Reply
	var res stuiproto.PingResult
	switch {
	case json.Unmarshal(data, &rep) != nil:
		reason = "its answer to the challenge is not a STUI reply"
	case rep.Status != stuiproto.StatusSuccess:
		reason = fmt.Sprintf("it answered the challenge with %s: %s", rep.ErrorType, rep.Error)
	case json.Unmarshal(rep.Result, &res) != nil:
		reason = "its answer to the challenge is not a ping result"
	case res.Proof == "":
		reason = "it gave no proof that it holds the token (an image older than protocol 1.2, or not the image)"
	case !stuiproto.ValidImageProof(c.o.token, c.endpoint, c.authNonce, res.Proof):
		reason = "its proof is wrong: it does not hold this token, or it answers for another endpoint"
	}
	if reason != "" {
		c.authFailed(reason)
		return
	}
	c.authErr.Store(nil)
	c.up()
}

// authFailed records why the peer is not trusted, says so loudly, and fails
// the calls waiting to be sent; the socket is recreated after a back-off, in
// case the real image takes the endpoint back.
func (c *Client) authFailed(reason string) {
	err := fmt.Errorf("%w: %s at %s; nothing was sent to it (is another user's process holding the endpoint?)", ErrImageNotAuthenticated, reason, c.endpoint)
	c.authErr.Store(&err)
	c.log.Error("the image did not authenticate itself", zap.String("reason", reason))
	c.authPending = true
	c.expectReconnect()
}

// authError is the error of the last failed proof, or nil.
func (c *Client) authError() error {
	if p := c.authErr.Load(); p != nil {
		return *p
	}
	return nil
}

// failUnauthenticated fails the calls of outbox, none of which was sent, with
// the failed proof as their cause.
func (c *Client) failUnauthenticated(outbox []*call) []*call {
	cause := c.authError()
	for _, cl := range outbox {
		if !cl.abandoned.Load() && c.claimID(cl.id) == cl {
			cl.reply <- reply{err: &CallError{Command: cl.command, ID: cl.id, Kind: ErrUnavailable, Cause: cause}}
		}
	}
	return nil
}
