package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/stui-lsp/stui-lsp/internal/launch"
	"github.com/stui-lsp/stui-lsp/lsp"
	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

const imageUsage = `usage: stui-lsp image start|stop|status [DIR]

Starts, stops or checks the image of the workspace folder DIR (default: the
current directory), as its .stui.json says: {"image": {"command": ...,
"args": [...], "cwd": ..., "env": {...}, "endpoint": ..., "keepRunning": ...}}.
An image started here keeps running until "stui-lsp image stop"; an editor's
stui-lsp attaches to it.
`

// imageStartTimeout bounds the wait for a started image's first answer.
const imageStartTimeout = 2 * time.Minute

// runImage serves `stui-lsp image start|stop|status [DIR]`.
func runImage(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || len(args) > 2 {
		fmt.Fprint(stderr, imageUsage)
		return 2
	}
	dir := "."
	if len(args) == 2 {
		dir = args[1]
	}
	c, err := launch.Load(dir, nil)
	if errors.Is(err, launch.ErrNotConfigured) {
		fmt.Fprintf(stderr, "stui-lsp image: %s has no %s with an image command\n\n%s", dir, launch.FileName, imageUsage)
		return 2
	}
	var ws *launch.Workspace
	if err == nil {
		ws, err = launch.Prepare(dir, c)
	}
	if err != nil {
		fmt.Fprintln(stderr, "stui-lsp image:", err)
		return 2
	}
	ping := func(ctx context.Context) (*stuiproto.PingResult, error) { return pingWorkspaceImage(ctx, cfg, ws) }
	switch args[0] {
	case "start":
		return imageStart(ctx, ws, ping, stdout, stderr)
	case "stop":
		stopped, err := launch.StopPID(ws)
		switch {
		case err != nil:
			fmt.Fprintln(stderr, "stui-lsp image stop:", err)
			return 1
		case stopped:
			fmt.Fprintln(stdout, "stopped the image of", ws.Folder)
		default:
			fmt.Fprintln(stdout, "no image of", ws.Folder, "is running")
		}
		return 0
	case "status":
		return imageStatus(ctx, ws, ping, stdout)
	}
	fmt.Fprint(stderr, imageUsage)
	return 2
}

func imageStart(ctx context.Context, ws *launch.Workspace, ping func(context.Context) (*stuiproto.PingResult, error), stdout, stderr io.Writer) int {
	if !ws.NobodyListens() {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := ping(pctx)
		cancel()
		if err == nil {
			fmt.Fprintln(stdout, "an image already answers at", ws.Endpoint)
			return 0
		}
	}
	pid, exited, err := launch.StartDetachedWatched(ws)
	if err != nil {
		fmt.Fprintln(stderr, "stui-lsp image start:", err)
		return 1
	}
	fmt.Fprintf(stderr, "started %s (pid %d); waiting for it to answer at %s\n", ws.Config.Command, pid, ws.Endpoint)
	wctx, cancel := context.WithTimeout(ctx, imageStartTimeout)
	defer cancel()
	// An image that fails before it answers never will: say so at once,
	// with how it ended, rather than after the whole wait. One that exits
	// with status 0 may have handed over to a process of its own (a
	// launcher script), so the wait goes on.
	failed := make(chan error, 1)
	go func() {
		select {
		case werr := <-exited:
			if werr != nil {
				failed <- werr
				cancel()
			}
		case <-wctx.Done():
		}
	}()
	lastSaid := time.Duration(0)
	err = launch.WaitReady(wctx, func(ctx context.Context) error { _, err := ping(ctx); return err }, func(waited time.Duration) {
		if waited-lastSaid >= 5*time.Second {
			lastSaid = waited
			fmt.Fprintf(stderr, "still waiting (%ds)\n", int(waited.Seconds()))
		}
	})
	if err != nil {
		select {
		case werr := <-failed:
			err = fmt.Errorf("the image (pid %d) ended before it answered: %v", pid, werr)
			_ = os.Remove(ws.PIDFile())
		default:
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "stui-lsp image start: %v\nits output (%s) ends with:\n%s", err, ws.LogFile(), logTail(ws.LogFile(), 20))
		return 1
	}
	fmt.Fprintf(stdout, "image running (pid %d) at %s\n", pid, ws.Endpoint)
	if ws.TokenFile != "" {
		fmt.Fprintln(stdout, "token file", ws.TokenFile)
	}
	return 0
}

func imageStatus(ctx context.Context, ws *launch.Workspace, ping func(context.Context) (*stuiproto.PingResult, error), stdout io.Writer) int {
	fmt.Fprintf(stdout, "folder      %s\ncommand     %s\nendpoint    %s\n", ws.Folder, strings.Join(append([]string{ws.Config.Command}, ws.Config.Args...), " "), ws.Endpoint)
	if ws.TokenFile != "" {
		fmt.Fprintf(stdout, "token file  %s\n", ws.TokenFile)
	}
	if pid, ok := launch.ReadPID(ws); ok {
		fmt.Fprintf(stdout, "process     %d (running)\n", pid)
	} else {
		fmt.Fprintln(stdout, "process     none started here is running")
	}
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	res, err := ping(pctx)
	if err != nil {
		fmt.Fprintf(stdout, "image       does not answer (%v)\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "image       answers: %s %s, %s, up %ds\n", res.Dialect, res.DialectVersion, res.ImageName, res.Uptime)
	return 0
}

// pingWorkspaceImage pings the workspace's image with its generated token,
// or with the usual token and keys when the configuration names the
// endpoint.
func pingWorkspaceImage(ctx context.Context, cfg config, ws *launch.Workspace) (*stuiproto.PingResult, error) {
	var opts []stuiclient.Option
	var err error
	if ws.TokenFile != "" {
		var tok string
		tok, err = launch.ReadToken(ws.TokenFile)
		opts = []stuiclient.Option{stuiclient.WithToken(tok)}
	} else {
		opts, err = clientOptions(cfg)
	}
	if err != nil {
		return nil, err
	}
	c, err := stuiclient.New(ws.Endpoint, opts...)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var res stuiproto.PingResult
	if err := stuiproto.Call(ctx, c, stuiproto.PingCommand, stuiproto.PingParams{}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// dialWithTokenFile connects the language server to an image it launched,
// with the token generated for it.
func dialWithTokenFile(log *zap.Logger) func(endpoint, tokenFile string) (lsp.Image, error) {
	return func(endpoint, tokenFile string) (lsp.Image, error) {
		tok, err := launch.ReadToken(tokenFile)
		if err != nil {
			return nil, err
		}
		return stuiclient.New(endpoint, stuiclient.WithToken(tok), stuiclient.WithLogger(log.Named("stui")))
	}
}

// logTail is the last n lines of a file, for a failed start.
func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")\n"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}
