package stuiproto

import "time"

// CmdTranscript (1.2) reads what the image wrote to its Transcript, waiting
// up to wait_ms for something new: a client keeps one such request waiting
// and sees each write about one round trip after it happens.
const CmdTranscript = "transcript"

// MaxTranscriptWait caps wait_ms.
const MaxTranscriptWait = 10 * time.Second

type TranscriptParams struct {
	// After is the seq of the last entry the client has (0: none).
	After int64 `json:"after"`
	// WaitMS is how long the server may hold the request when it has no
	// entry after After (0: answer at once; at most MaxTranscriptWait).
	WaitMS int `json:"wait_ms"`
	// MaxEntries caps the entries of one reply (default 500).
	MaxEntries int `json:"max_entries,omitempty"`
}

// TranscriptEntry is one write to the Transcript, as flushed: its text may
// hold several lines, or part of one.
type TranscriptEntry struct {
	Seq  int64  `json:"seq"`
	Text string `json:"text"`
}

type TranscriptResult struct {
	Entries []TranscriptEntry `json:"entries"`
	// Next is the seq to send as after next time.
	Next int64 `json:"next"`
	// Dropped counts the entries after After that the server no longer
	// holds: its buffer is bounded, and a flood overwrites the oldest.
	Dropped int64 `json:"dropped"`
	// Epoch names this run of the server; seqs start again when it changes
	// (the image restarted), and a client then asks from after 0.
	Epoch string `json:"epoch"`
}

// TranscriptMargin is how much longer than wait_ms a caller waits for the
// reply, so that the server's answer at the end of the wait arrives first.
const TranscriptMargin = 2 * time.Second

func transcriptWait(p TranscriptParams) time.Duration {
	w := min(time.Duration(max(p.WaitMS, 0))*time.Millisecond, MaxTranscriptWait)
	return w + TranscriptMargin
}

// TranscriptCommand is the protocol's transcript command.
var TranscriptCommand = Command[TranscriptParams, TranscriptResult]{Name: CmdTranscript, wait: transcriptWait}
