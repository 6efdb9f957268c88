package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	zmq "github.com/pebbe/zmq4"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// RelayCommand is the hidden subcommand that runs the relay.
const RelayCommand = "bench-relay"

// The relay is the third baseline: the least any language server on stdio
// can add to the image's round trip in this layout. It is a single thread
// with no LSP library and no document model: it reads a frame from stdin,
// sends the same browse_class request stui-lsp sends for the bench's hover
// on a blocking REQ socket, and writes the image's reply back as the hover.
// What separates it from the raw ZeroMQ baseline is the two pipes and the
// third process in the chain; what separates stui-lsp from it is
// everything stui-lsp does.

// ServeRelay runs the relay over stdin and stdout against the endpoint in
// STUI_ENDPOINT until stdin closes or exit arrives.
func ServeRelay(stdin io.Reader, stdout io.Writer) int {
	sock, err := zmq.NewSocket(zmq.REQ)
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		return 1
	}
	defer sock.Close()
	_ = sock.SetLinger(0)
	_ = sock.SetRcvtimeo(10 * time.Second)
	if err := sock.Connect(os.Getenv("STUI_ENDPOINT")); err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		return 1
	}
	browse, _ := json.Marshal(stuiproto.Request{ID: "relay", Command: stuiproto.CmdBrowseClass,
		Parameters: json.RawMessage(`{"class_name":"` + hoverClass + `","include_methods":false}`)})
	r := bufio.NewReaderSize(stdin, 64<<10)
	var body []byte
	for {
		var err error
		if body, err = readFrame(r, body); err != nil {
			if !errors.Is(err, io.EOF) {
				fmt.Fprintln(os.Stderr, "relay:", err)
			}
			return 0
		}
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if err := json.Unmarshal(body, &msg); err != nil {
			fmt.Fprintln(os.Stderr, "relay:", err)
			return 1
		}
		if len(msg.ID) == 0 {
			if msg.Method == "exit" {
				return 0
			}
			continue
		}
		result := []byte("null")
		switch msg.Method {
		case "initialize":
			result = []byte(`{"capabilities":{"hoverProvider":true}}`)
		case "textDocument/hover":
			if _, err := sock.SendBytes(browse, 0); err != nil {
				fmt.Fprintln(os.Stderr, "relay:", err)
				return 1
			}
			rep, err := sock.RecvBytes(0)
			if err != nil {
				fmt.Fprintln(os.Stderr, "relay:", err)
				return 1
			}
			value, _ := json.Marshal(string(rep))
			result = append(append([]byte(`{"contents":{"kind":"markdown","value":`), value...), "}}"...)
		}
		frame, _ := message(msg.ID, "", json.RawMessage(result))
		if _, err := stdout.Write(frame); err != nil {
			return 0
		}
	}
}

// readFrame reads one Content-Length framed message into buf.
func readFrame(r *bufio.Reader, buf []byte) ([]byte, error) {
	n := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(bytes.TrimSpace(k), []byte("Content-Length")) {
			if n, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return nil, fmt.Errorf("bad Content-Length %q", v)
			}
		}
	}
	if n < 0 {
		return nil, errors.New("a message without Content-Length")
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err := io.ReadFull(r, buf)
	return buf, err
}
