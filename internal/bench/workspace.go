package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/stui-lsp/stui-lsp/smalltalk/index"
)

// WorkspaceReport is what `stui-lsp bench --workspace DIR` measures: the
// server opening DIR as an editor does, with no image, then 1,000 mixed
// requests, then `stui-lsp check` over DIR.
type WorkspaceReport struct {
	Files int `json:"workspace_files"`
	Bytes int `json:"workspace_bytes"`
	// IndexMS is from the initialized notification to the server's
	// "indexed workspace" message.
	IndexMS float64 `json:"workspace_index_ms"`
	// RSSMB is the server's VmRSS once indexed; RSSAfterMB after the mixed
	// requests.
	RSSMB      float64 `json:"workspace_rss_mb"`
	RSSAfterMB float64 `json:"workspace_rss_after_mb"`
	// RSSSettledMB is RSS again a few seconds after the requests, once the
	// server has collected and returned its garbage.
	RSSSettledMB float64 `json:"workspace_rss_settled_mb"`
	// IndexCPUms is the server's CPU time (user and system) from its start
	// to the index being complete: robust where the wall clock is not on a
	// loaded machine.
	IndexCPUms float64 `json:"workspace_index_cpu_ms"`
	Requests   int     `json:"workspace_requests"`

	SymbolP50ms     float64 `json:"workspace_symbol_p50_ms"`
	SymbolP99ms     float64 `json:"workspace_symbol_p99_ms"`
	ReferencesP50ms float64 `json:"references_p50_ms"`
	ReferencesP99ms float64 `json:"references_p99_ms"`
	References      int     `json:"references_results"` // how many senders the references answer held
	CompletionP50ms float64 `json:"completion_p50_ms"`
	CompletionP99ms float64 `json:"completion_p99_ms"`
	HoverP50ms      float64 `json:"workspace_hover_p50_ms"`
	// EditTokens is a one-character edit in the largest file followed by
	// semanticTokens/full.
	EditTokensP50ms float64 `json:"edit_tokens_p50_ms"`
	EditTokensP99ms float64 `json:"edit_tokens_p99_ms"`
	EditFileKB      float64 `json:"edit_file_kb"`
	// RenameTokens is every other edit: one character typed at the end of a
	// method's selector in its header (or taken away again), so that a
	// selector comes and another goes, as when a method is being named,
	// followed by semanticTokens/full. The workspace/symbol after it is the
	// next request.
	RenameTokensP50ms float64 `json:"rename_tokens_p50_ms"`
	RenameTokensP99ms float64 `json:"rename_tokens_p99_ms"`

	// Checkout is a checkout-like rewrite of up to 500 files of a
	// generated corpus (--corpus only: the bench never writes to a folder
	// it was given), reported to the server as an editor's file watcher
	// does; CheckoutMS is from the report to a workspace/symbol answer that
	// finds the last file's new class.
	CheckoutFiles int     `json:"checkout_files,omitempty"`
	CheckoutMS    float64 `json:"checkout_ms,omitempty"`

	CheckSeconds float64 `json:"check_seconds"`
	CheckMBPerS  float64 `json:"check_mb_per_s"`
}

// probe is a playground the bench opens in the workspace to ask from: a
// send of the busy selector (references), an unfinished selector
// (completion) and a class name (hover).
const probeName = "StuiBenchProbe.st"

const editFileSize = 200 << 10

// unaryHeader finds a Tonel method header of a unary instance method, its
// selector the first group: "Morph >> bounds [".
var unaryHeader = regexp.MustCompile(`(?m)^[A-Za-z0-9_]+ >> ([a-z][A-Za-z0-9_]*) \[`)

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// workspace opens cfg.Workspace in a server of its own.
func (b *run) workspace(ctx context.Context) error {
	w := &WorkspaceReport{}
	b.rep.WorkspaceReport = w
	dir, err := filepath.Abs(b.cfg.Workspace)
	if err != nil {
		return err
	}
	sources, err := index.FindSources(ctx, dir, func(string, error) {})
	if err != nil {
		return err
	}
	w.Files = len(sources)
	biggest, bigSize := "", 0
	var classes []string
	classRe := regexp.MustCompile(`#name : #?'?([A-Za-z0-9_]+)`)
	busy, busySends := "printOn:", 0
	for i, s := range sources {
		src, err := os.ReadFile(s.Target)
		if err != nil {
			continue
		}
		w.Bytes += len(src)
		// The edited file is the one closest to 200 KB (Morph's size in
		// Pharo), the size the edit floor speaks of.
		if abs(len(src)-editFileSize) < abs(bigSize-editFileSize) {
			biggest, bigSize = s.Path, len(src)
		}
		if i%7 == 0 {
			if m := classRe.FindSubmatch(src); m != nil {
				classes = append(classes, string(m[1]))
			}
		}
		busySends += bytes.Count(src, []byte(busy))
	}
	if len(classes) == 0 || biggest == "" {
		return fmt.Errorf("%s holds no Tonel classes", dir)
	}
	if busySends == 0 {
		busy = "new"
	}

	// No image: the floors are the index's. The endpoint is a socket
	// nobody listens on.
	none := "ipc://" + filepath.Join(b.tmp, "no-image.sock")
	e, err := startEditor(ctx, b.cfg.Exe, nil, none, dir, filepath.Join(b.tmp, "cache"), b.profile("workspace"), b.lspEnv(), false)
	if err != nil {
		return err
	}
	defer e.close()
	// The server says so in a window/logMessage; older builds only wrote
	// it to their log, which is watched too.
	deadline := time.Now().Add(5 * time.Minute)
	var indexedAt time.Time
	for indexedAt.IsZero() {
		select {
		case <-e.indexed:
			indexedAt = e.indexedAt
		case <-time.After(2 * time.Millisecond):
			if strings.Contains(e.log.String(), "indexed workspace") {
				indexedAt = time.Now()
			}
		case <-ctx.Done():
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no \"indexed workspace\" message within 5 minutes\nstui-lsp log:\n%s", e.log)
		}
	}
	w.IndexMS = float64(indexedAt.Sub(e.initializedSent).Microseconds()) / 1e3
	if cpu, err := procCPU(e.pid); err == nil {
		w.IndexCPUms = float64(cpu.Microseconds()) / 1e3
	}
	time.Sleep(200 * time.Millisecond)
	rss, _, err := procStatus(e.pid)
	if err != nil {
		return err
	}
	w.RSSMB = float64(rss) / 1024

	probeText := fmt.Sprintf("| x |\nx := %s new.\nx %s Transcript.\nx prin\n", classes[0], strings.TrimSuffix(busy, ":")+":")
	probe, err := e.open(probeName, probeText)
	if err != nil {
		return err
	}
	bigText, err := os.ReadFile(biggest)
	if err != nil {
		return err
	}
	w.EditFileKB = float64(len(bigText)) / 1024
	bigURI := "file://" + biggest
	if err := e.notify("textDocument/didOpen", map[string]any{
		"textDocument": map[string]any{"uri": bigURI, "languageId": "smalltalk", "version": 1, "text": string(bigText)},
	}); err != nil {
		return err
	}
	// Edits go inside a method: after the first tab that starts a line in
	// the middle of the file.
	editAt := bytes.Index(bigText[len(bigText)/2:], []byte("\n\t"))
	if editAt < 0 {
		editAt = len(bigText) / 2
	} else {
		editAt += len(bigText)/2 + 2
	}
	editLine := bytes.Count(bigText[:editAt], []byte("\n"))
	// The renamed method is the first unary one after the edited line.
	headerLine, headerEnd := -1, 0
	if loc := unaryHeader.FindSubmatchIndex(bigText[editAt:]); loc != nil {
		headerLine = bytes.Count(bigText[:editAt+loc[0]], []byte("\n"))
		headerEnd = loc[3] - loc[0] // the selector's end, on its line (the match starts the line)
	}
	version := 1

	queries := []string{}
	for i, c := range classes {
		if i%5 == 0 {
			n := min(len(c), 3+i%6)
			queries = append(queries, c[:n])
		}
	}
	queries = append(queries, "printOn", "initialize", "at:put:", "OCM", "new")
	r := rand.New(rand.NewPCG(1, 2))
	var symbols, refs, completions, hovers, edits, renames latencies
	n := 1000
	if b.cfg.Quick {
		n = 400
	}
	w.Requests = n
	for i := 0; i < n; i++ {
		var err error
		t := time.Now()
		switch i % 5 {
		case 0:
			_, err = e.call(ctx, "workspace/symbol", map[string]any{"query": queries[r.IntN(len(queries))]})
			symbols = append(symbols, time.Since(t))
		case 1:
			var res json.RawMessage
			res, err = e.call(ctx, "textDocument/references", map[string]any{
				"textDocument": map[string]any{"uri": probe}, "position": map[string]any{"line": 2, "character": 3},
				"context": map[string]any{"includeDeclaration": false},
			})
			refs = append(refs, time.Since(t))
			var ls []json.RawMessage
			if json.Unmarshal(res, &ls) == nil {
				w.References = len(ls)
			}
		case 2:
			_, err = e.call(ctx, "textDocument/completion", map[string]any{
				"textDocument": map[string]any{"uri": probe}, "position": map[string]any{"line": 3, "character": 6},
			})
			completions = append(completions, time.Since(t))
		case 3:
			_, err = e.hover(ctx, probe, 1, 6)
			hovers = append(hovers, time.Since(t))
		case 4:
			// Edits alternate between a method's body and, every other
			// pair, its header; each one is typed and then taken away.
			version++
			rename := headerLine >= 0 && (version/2)%2 == 1
			line, char := editLine, 1
			if rename {
				line, char = headerLine, headerEnd
			}
			text := "x"
			if version%2 == 1 {
				text = ""
			}
			rng := map[string]any{"start": map[string]any{"line": line, "character": char}, "end": map[string]any{"line": line, "character": char}}
			if text == "" {
				rng["end"] = map[string]any{"line": line, "character": char + 1}
			}
			if err = e.notify("textDocument/didChange", map[string]any{
				"textDocument":   map[string]any{"uri": bigURI, "version": version},
				"contentChanges": []any{map[string]any{"range": rng, "text": text}},
			}); err == nil {
				_, err = e.call(ctx, "textDocument/semanticTokens/full", map[string]any{"textDocument": map[string]any{"uri": bigURI}})
			}
			if rename {
				renames = append(renames, time.Since(t))
			} else {
				edits = append(edits, time.Since(t))
			}
		}
		if err != nil {
			return fmt.Errorf("request %d: %w\nstui-lsp log:\n%s", i, err, e.log)
		}
	}
	if rss, _, err = procStatus(e.pid); err != nil {
		return err
	}
	w.RSSAfterMB = float64(rss) / 1024
	time.Sleep(6 * time.Second)
	if rss, _, err = procStatus(e.pid); err != nil {
		return err
	}
	w.RSSSettledMB = float64(rss) / 1024
	ms := func(l latencies, p float64) float64 { return l.sorted().pct(p) / 1e3 }
	w.SymbolP50ms, w.SymbolP99ms = ms(symbols, 50), ms(symbols, 99)
	w.ReferencesP50ms, w.ReferencesP99ms = ms(refs, 50), ms(refs, 99)
	w.CompletionP50ms, w.CompletionP99ms = ms(completions, 50), ms(completions, 99)
	w.HoverP50ms = ms(hovers, 50)
	w.EditTokensP50ms, w.EditTokensP99ms = ms(edits, 50), ms(edits, 99)
	if len(renames) > 0 {
		w.RenameTokensP50ms, w.RenameTokensP99ms = ms(renames, 50), ms(renames, 99)
	}

	if b.cfg.Corpus > 0 {
		if err := w.checkout(ctx, e, sources); err != nil {
			return err
		}
	}

	t := time.Now()
	out, err := exec.CommandContext(ctx, b.cfg.Exe, "check", dir).CombinedOutput()
	w.CheckSeconds = time.Since(t).Seconds()
	if err != nil && !bytes.Contains(out, []byte("file")) {
		return fmt.Errorf("stui-lsp check %s: %v\n%s", dir, err, out)
	}
	w.CheckMBPerS = float64(w.Bytes) / (1 << 20) / w.CheckSeconds
	return nil
}

// checkout rewrites up to 500 class files under new class names, as a
// checkout replaces files (write a temporary file, rename it over), tells
// the server, and times until the server's answers show the last one.
func (w *WorkspaceReport) checkout(ctx context.Context, e *editor, sources []index.Source) error {
	var changes []map[string]any
	last := ""
	for i, s := range sources {
		if len(changes) == 500 || len(changes) >= len(sources)/2 {
			break
		}
		if !strings.HasSuffix(s.Path, ".class.st") {
			continue
		}
		last = fmt.Sprintf("CheckedOut%05d", i)
		src := fmt.Sprintf("Class { #name : #%s, #superclass : #Object }\n\n%s >> checkedOut [ ^ self printOn: nil ]\n", last, last)
		tmp := s.Path + ".checkout"
		if err := os.WriteFile(tmp, []byte(src), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, s.Path); err != nil {
			return err
		}
		changes = append(changes, map[string]any{"uri": "file://" + s.Path, "type": 2})
	}
	t := time.Now()
	if err := e.notify("workspace/didChangeWatchedFiles", map[string]any{"changes": changes}); err != nil {
		return err
	}
	for {
		res, err := e.call(ctx, "workspace/symbol", map[string]any{"query": last})
		if err != nil {
			return err
		}
		if bytes.Contains(res, []byte(`"`+last+`"`)) {
			break
		}
		if time.Since(t) > time.Minute {
			return fmt.Errorf("the checkout of %d files is not in the index after a minute", len(changes))
		}
	}
	w.CheckoutFiles, w.CheckoutMS = len(changes), float64(time.Since(t).Microseconds())/1e3
	return nil
}
