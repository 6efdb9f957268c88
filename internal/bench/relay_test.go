package bench

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// TestRelayAsksTheImage: the relay baseline answers the bench's hover with
// the image's own browse_class reply, so it pays the same round trip the
// language server does.
func TestRelayAsksTheImage(t *testing.T) {
	srv := stuitest.NewServer(newBackend())
	defer srv.Close()
	t.Setenv("STUI_ENDPOINT", srv.Endpoint)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	go func() { done <- ServeRelay(inR, outW); outW.Close() }()
	replies := bufio.NewReader(outR)
	ask := func(id int64, method string) json.RawMessage {
		t.Helper()
		frame, err := message(id, method, json.RawMessage(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inW.Write(frame); err != nil {
			t.Fatal(err)
		}
		body, err := readFrame(replies, nil)
		if err != nil {
			t.Fatal(err)
		}
		var env envelope
		if err := json.Unmarshal(body, &env); err != nil || string(env.ID) != strconv.FormatInt(id, 10) {
			t.Fatalf("reply to %d: %s (%v)", id, body, err)
		}
		return env.Result
	}
	ask(1, "initialize")
	before := srv.Requests()
	var h struct {
		Contents struct {
			Value string `json:"value"`
		} `json:"contents"`
	}
	if err := json.Unmarshal(ask(2, "textDocument/hover"), &h); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.Contents.Value, "I am a point for the benchmark.") {
		t.Errorf("hover = %q, want the image's description of %s", h.Contents.Value, hoverClass)
	}
	if got := srv.Requests() - before; got != 1 {
		t.Errorf("the hover made %d requests to the image, want 1", got)
	}
	inW.Close()
	if code := <-done; code != 0 {
		t.Errorf("relay exited with %d", code)
	}
}
