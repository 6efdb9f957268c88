package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// Status is the outcome of one check.
type Status string

// Statuses. A check is skipped when the image cannot be made to show the
// behaviour (the reason says why), never to hide a failure.
const (
	StatusOK   Status = "ok"
	StatusFail Status = "FAIL"
	StatusSkip Status = "skip"
)

// Result is one check's outcome.
type Result struct {
	Name     string        `json:"name"`
	Status   Status        `json:"status"`
	Detail   string        `json:"detail"`
	Duration time.Duration `json:"-"`
}

// MarshalJSON writes the duration in milliseconds.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		plain
		DurationMS float64 `json:"duration_ms"`
	}{plain(r), ms(r.Duration)})
}

// Summary counts the results by status.
type Summary struct {
	OK      int `json:"ok"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Total   int `json:"total"`
}

// Report is the whole run: what was asked, of whom, and what came back. Its
// JSON form is meant to be pasted into an issue as it is.
type Report struct {
	Tool          string                `json:"tool"`
	ClientVersion string                `json:"client_version"`
	Protocol      string                `json:"client_protocol_version"`
	Endpoint      string                `json:"endpoint"`
	TokenUsed     bool                  `json:"token_used"`
	StartedAt     time.Time             `json:"started_at"`
	Duration      time.Duration         `json:"-"`
	Ping          *stuiproto.PingResult `json:"ping"`
	System        *stuiproto.SystemInfo `json:"system_info"`
	Results       []Result              `json:"results"`
	Summary       Summary               `json:"summary"`
	LeftBehind    []string              `json:"left_behind"`
}

// MarshalJSON writes the duration in milliseconds.
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return json.Marshal(struct {
		*plain
		DurationMS float64 `json:"duration_ms"`
	}{(*plain)(r), ms(r.Duration)})
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool { return r.Summary.Failed > 0 }

func (r *Report) add(res Result) {
	r.Results = append(r.Results, res)
	r.Summary.Total++
	switch res.Status {
	case StatusOK:
		r.Summary.OK++
	case StatusFail:
		r.Summary.Failed++
	default:
		r.Summary.Skipped++
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// nameWidth aligns the check names in text output.
const nameWidth = 38

// WriteLine writes one check as one line: status, name, duration, detail.
func WriteLine(w io.Writer, res Result) {
	dur := ""
	if res.Status != StatusSkip {
		dur = shortDuration(res.Duration)
	}
	line := fmt.Sprintf("%-4s  %-*s %8s  %s", res.Status, nameWidth, res.Name, dur, oneLine(res.Detail))
	fmt.Fprintln(w, strings.TrimRight(line, " "))
}

// WriteHeader writes who is asked, and whether with a token, before the
// first check.
func WriteHeader(w io.Writer, endpoint string, withToken bool) {
	token := "no token: the token checks do not apply"
	if withToken {
		token = "with a token: a missing or wrong one must be refused"
	}
	fmt.Fprintf(w, "stui-lsp conformance: %s (protocol %s), %s\n", endpoint, stuiproto.Version, token)
}

// WriteSummary writes the image's versions, what was left in the image and
// the counts.
func WriteSummary(w io.Writer, r *Report) {
	if p := r.Ping; p != nil {
		fmt.Fprintf(w, "image: %s %s, protocol %s, %s %s, %s\n", p.ServerName, p.ServerVersion,
			p.ProtocolVersion, p.Dialect, p.DialectVersion, p.ImageName)
	}
	if s := r.System; s != nil {
		fmt.Fprintf(w, "system: %s, VM %s, image format %s, %s\n", s.PharoVersion, s.VMVersion, s.ImageFormat, s.Platform)
	}
	for _, l := range r.LeftBehind {
		fmt.Fprintf(w, "left in the image: %s\n", l)
	}
	verdict := "PASS"
	if r.Failed() {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "%s: %d ok, %d failed, %d skipped, of %d checks in %s\n", verdict,
		r.Summary.OK, r.Summary.Failed, r.Summary.Skipped, r.Summary.Total, shortDuration(r.Duration))
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func shortDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
