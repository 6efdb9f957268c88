package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	zmq "github.com/pebbe/zmq4"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// rawREQ is the baseline: a bare zmq4 REQ socket sending ping to the same
// backend the language server talks to, with nothing in between.
type rawREQ struct {
	sock    *zmq.Socket
	payload []byte
}

func newRawREQ(endpoint string) (*rawREQ, error) {
	s, err := zmq.NewSocket(zmq.REQ)
	if err != nil {
		return nil, err
	}
	_ = s.SetLinger(0)
	_ = s.SetRcvtimeo(5 * time.Second)
	if err := s.Connect(endpoint); err != nil {
		s.Close()
		return nil, err
	}
	payload, _ := json.Marshal(stuiproto.Request{ID: "raw", Command: stuiproto.CmdPing, Parameters: json.RawMessage(`{}`)})
	return &rawREQ{sock: s, payload: payload}, nil
}

// roundTrip sends one ping and waits for its reply.
func (r *rawREQ) roundTrip() (time.Duration, error) {
	start := time.Now()
	if _, err := r.sock.SendBytes(r.payload, 0); err != nil {
		return 0, err
	}
	if _, err := r.sock.RecvBytes(0); err != nil {
		return 0, fmt.Errorf("raw ping: %w", err)
	}
	return time.Since(start), nil
}

func (r *rawREQ) close() { r.sock.Close() }

// rawDealer is the throughput baseline: one DEALER socket keeping requests
// outstanding on the same backend. Unless it sends ping (the baseline of
// earlier runs), it sends what the server sends for the bench's
// stui.evaluate (the same code, mode and limits, in a session of its own),
// so that the ratio is what stui-lsp adds and not the difference between an
// evaluation and a ping in the backend.
type rawDealer struct {
	sock            *zmq.Socket
	command         string
	params          json.RawMessage
	seq             int
	checked, isPing bool
}

func newRawDealer(endpoint string, ping bool) (*rawDealer, error) {
	s, err := zmq.NewSocket(zmq.DEALER)
	if err != nil {
		return nil, err
	}
	_ = s.SetLinger(0)
	_ = s.SetRcvtimeo(5 * time.Second)
	if err := s.Connect(endpoint); err != nil {
		s.Close()
		return nil, err
	}
	d := &rawDealer{sock: s, command: stuiproto.CmdPing, params: json.RawMessage(`{}`), isPing: ping}
	if !ping {
		session, err := rawSession(s)
		if err != nil {
			s.Close()
			return nil, err
		}
		d.command, d.params = stuiproto.CmdEvaluate, rawEvaluateParams(session)
	}
	return d, nil
}

func (d *rawDealer) close() { d.sock.Close() }

func (d *rawDealer) send() error {
	d.seq++
	p, _ := json.Marshal(stuiproto.Request{ID: "raw-" + strconv.Itoa(d.seq), Command: d.command, Parameters: d.params})
	_, err := d.sock.SendMessage("", p)
	return err
}

// run keeps inflight requests outstanding for dur and returns how many were
// answered, and in what time.
func (d *rawDealer) run(inflight int, dur time.Duration) (int, time.Duration, error) {
	start := time.Now()
	for range inflight {
		if err := d.send(); err != nil {
			return 0, 0, err
		}
	}
	end := start.Add(dur)
	n := 0
	outstanding := inflight
	for outstanding > 0 {
		frames, err := d.sock.RecvMessageBytes(0)
		if err != nil {
			return 0, 0, fmt.Errorf("raw throughput: %w", err)
		}
		if !d.checked && !d.isPing {
			if err := checkRawEvaluation(frames); err != nil {
				return 0, 0, err
			}
			d.checked = true
		}
		outstanding--
		n++
		if time.Now().Before(end) {
			if err := d.send(); err != nil {
				return 0, 0, err
			}
			outstanding++
		}
	}
	return n, time.Since(start), nil
}

// rawSession creates the session the raw evaluations run in, as stui-lsp
// creates its workspace session once.
func rawSession(s *zmq.Socket) (string, error) {
	params, _ := json.Marshal(stuiproto.CreateSessionParams{ClientID: "bench-raw"})
	req, _ := json.Marshal(stuiproto.Request{ID: "raw-session", Command: stuiproto.CmdCreateSession, Parameters: params})
	if _, err := s.SendMessage("", req); err != nil {
		return "", err
	}
	frames, err := s.RecvMessageBytes(0)
	if err != nil {
		return "", fmt.Errorf("raw create_session: %w", err)
	}
	rep, err := stuiproto.DecodeReply(frames[len(frames)-1])
	if err != nil {
		return "", fmt.Errorf("raw create_session: %w", err)
	}
	if err := rep.Err(stuiproto.CmdCreateSession); err != nil {
		return "", err
	}
	var sess stuiproto.Session
	if err := json.Unmarshal(rep.Result, &sess); err != nil || sess.SessionID == "" {
		return "", fmt.Errorf("raw create_session answered %s", rep.Result)
	}
	return sess.SessionID, nil
}

// rawEvaluateParams are the parameters stui-lsp sends for the bench's
// stui.evaluate with its default settings.
func rawEvaluateParams(session string) json.RawMessage {
	p, _ := json.Marshal(stuiproto.EvaluateParams{Code: "3 + 4", SessionID: session, EvaluationMode: stuiproto.ModeDisplay, MaxResultChars: 10000, TimeoutMS: 30000})
	return p
}

// checkRawEvaluation checks that the backend evaluated: a baseline that
// measured errors would be no baseline.
// It decodes with the decoder the bench's editor uses (see readMessage).
func checkRawEvaluation(frames [][]byte) error {
	var rep stuiproto.Reply
	if err := jsonv2.Unmarshal(frames[len(frames)-1], &rep); err != nil {
		return fmt.Errorf("raw evaluate: %w", err)
	}
	if err := rep.Err(stuiproto.CmdEvaluate); err != nil {
		return fmt.Errorf("raw evaluate: %w", err)
	}
	if rep.Status != stuiproto.StatusSuccess {
		return fmt.Errorf("raw evaluate: a reply with status %q", rep.Status)
	}
	var res stuiproto.EvaluateResult
	if err := jsonv2.Unmarshal(rep.Result, &res); err != nil || res.Result != "7" {
		return fmt.Errorf("raw evaluate 3 + 4 answered %s", rep.Result)
	}
	return nil
}

// pipeEcho is the stdio baseline: cat(1) in a process of its own, echoing a
// message the size of a hover request through two pipes, as an editor's
// request and the server's reply cross them.
type pipeEcho struct {
	cmd *exec.Cmd
	w   io.WriteCloser
	r   io.Reader
	msg []byte
	buf []byte
}

func newPipeEcho() (*pipeEcho, error) {
	cmd := exec.Command("cat")
	w, r, err := stdioPipes(cmd)
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	msg := []byte(`Content-Length: 160` + "\r\n\r\n" + `{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///tmp/ws/BenchPoint.class.st"},"position":{"line":9,"character":3}}}`)
	return &pipeEcho{cmd: cmd, w: w, r: r, msg: msg, buf: make([]byte, len(msg))}, nil
}

func (p *pipeEcho) roundTrip() (time.Duration, error) {
	start := time.Now()
	if _, err := p.w.Write(p.msg); err != nil {
		return 0, err
	}
	if _, err := io.ReadFull(p.r, p.buf); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func (p *pipeEcho) close() {
	p.w.Close()
	_ = p.cmd.Wait()
}
