package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

// BackendCommand is the hidden subcommand that runs the bench's backend in
// its own process.
const BackendCommand = "bench-backend"

// hoverClass is the class the bench hovers on; the backend knows it.
const hoverClass = "BenchPoint"

// hoverDocument is the Tonel document the bench opens; hoverLine and
// hoverChar point at the class name in the method definition, which makes
// the server ask the image for browse_class.
const hoverDocument = `"A class for the benchmark"
Class {
	#name : #BenchPoint,
	#superclass : #Object,
	#instVars : [ 'x', 'y' ],
	#category : #'Bench-Core'
}

{ #category : #accessing }
BenchPoint >> x [
	^ x
]
`

const hoverLine, hoverChar = 9, 3

// newBackend is the stuitest Backend the bench serves: the fixture class,
// room for one session per editor, and bounded history.
func newBackend() stuitest.Handler {
	b := stuitest.NewBackend()
	b.MaxSessionsPerClient = 1000
	b.AddClass(stuitest.ClassFixture{Name: hoverClass, Superclass: "Object", Package: "Bench-Core",
		InstanceVars: []string{"x", "y"}, Comment: "I am a point for the benchmark."})
	b.AddMethod(hoverClass, stuitest.MethodFixture{Category: "accessing", Source: "x\n\t^ x"})
	return &boundedHistory{Backend: b}
}

// boundedHistory clears a session's evaluation history and object registry
// every so many evaluations, keeping the variables, as a user clearing the
// workspace would. Without it the backend, not the server under test, would
// grow over a soak of millions of evaluations.
type boundedHistory struct {
	*stuitest.Backend
	evals atomic.Uint64
}

func (h *boundedHistory) ServeSTUI(ctx context.Context, req *stuiproto.Request) *stuiproto.Reply {
	rep := h.Backend.ServeSTUI(ctx, req)
	if req.Command == stuiproto.CmdEvaluate && h.evals.Add(1)%4096 == 0 {
		var p stuiproto.EvaluateParams
		if json.Unmarshal(req.Parameters, &p) == nil && p.SessionID != "" {
			params, _ := json.Marshal(stuiproto.ClearContextParams{SessionID: p.SessionID, KeepVariables: true})
			h.Backend.ServeSTUI(ctx, &stuiproto.Request{ID: "bench-clear", Command: stuiproto.CmdClearContext, Parameters: params})
		}
	}
	return rep
}

// ServeBackend runs the backend until stdin closes: it prints its endpoint
// on the first line of stdout, then the number of requests it served when
// it stops. It is the body of the hidden bench-backend subcommand.
func ServeBackend(stdin io.Reader, stdout io.Writer) int {
	srv := stuitest.NewServer(newBackend())
	fmt.Fprintln(stdout, srv.Endpoint)
	_, _ = io.Copy(io.Discard, stdin)
	n := srv.Requests()
	srv.Close()
	fmt.Fprintln(stdout, n)
	return 0
}

// stdioPipes connects to cmd's stdin and stdout.
func stdioPipes(cmd *exec.Cmd) (io.WriteCloser, io.ReadCloser, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	return stdin, stdout, nil
}

// backend is a running backend: in a process of its own (the default, as a
// Pharo image is), or in the bench process.
type backend struct {
	endpoint string
	pid      int // 0 when in-process
	stop     func()
}

func startBackend(exe string, inProcess bool) (*backend, error) {
	if inProcess {
		srv := stuitest.NewServer(newBackend())
		return &backend{endpoint: srv.Endpoint, stop: srv.Close}, nil
	}
	cmd := exec.Command(exe, BackendCommand)
	cmd.Stderr = os.Stderr
	stdin, stdout, err := stdioPipes(cmd)
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("backend did not start: %w", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = stdin.Close()
			done := make(chan struct{})
			go func() { _, _ = io.Copy(io.Discard, r); _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		})
	}
	return &backend{endpoint: strings.TrimSpace(line), pid: cmd.Process.Pid, stop: stop}, nil
}
