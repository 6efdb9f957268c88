package e2e

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// counterTonel is the Tonel file of stui-testimage's Counter: increment's
// statement is on line 11.
const counterTonel = `Class {
	#name : #Counter,
	#superclass : #Object,
	#instVars : [ 'count' ],
	#category : #Demo
}

{ #category : #operations }
Counter >> increment [
	"Add one to my count."
	count := self count + 1
]
`

// TestDAPWithTheDebugClient drives `stui-lsp dap` with Microsoft's
// DebugClient (@vscode/debugadapter-testsupport, in e2e/dap) over stdio,
// against the real stui-testimage: launch, stopped on error, stack,
// variables, evaluate in a frame, a step, restart frame, continue,
// terminate, breakpoints, pause, attach to the next error, malformed input,
// and the image down or dying.
// Afterwards the image has no breakpoint and no suspended process left.
// scripts/install-dap-e2e.sh installs the client; without node or its
// packages the test skips, except in CI, where they are installed and their
// absence fails it.
func TestDAPWithTheDebugClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds stui-lsp and stui-testimage and runs node; not in -short mode")
	}
	node := nodeClient(t, "scripts/install-dap-e2e.sh", "e2e/dap/node_modules/@vscode/debugadapter-testsupport/package.json")
	lspBin := buildCommand(t, "stui-lsp")
	imageBin := buildCommand(t, "stui-testimage")

	image := exec.Command(imageBin)
	stdin, _ := image.StdinPipe()
	stdout, _ := image.StdoutPipe()
	image.Stderr = os.Stderr
	if err := image.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); image.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	endpoint := strings.TrimSpace(line)

	workspace := t.TempDir()
	if err := os.WriteFile(filepath.Join(workspace, "Counter.class.st"), []byte(counterTonel), 0o644); err != nil {
		t.Fatal(err)
	}
	runNodeTests(t, node, "dap", "dap.test.mjs", []string{"STUI_LSP_BIN=" + lspBin, "STUI_TESTIMAGE_BIN=" + imageBin,
		"STUI_ENDPOINT=" + endpoint, "DAP_WORKSPACE=" + workspace, "STUI_TOKEN="}, "--test-concurrency=1")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client, err := stuiclient.New(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var list stuiproto.DebugListResult
	if err := stuiproto.Call(ctx, client, stuiproto.DebugListCommand, stuiproto.DebugListParams{}, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Breakpoints) != 0 {
		t.Errorf("breakpoints left in the image after disconnect: %+v", list.Breakpoints)
	}
	if len(list.Sessions) != 0 {
		t.Errorf("processes left suspended after terminate and disconnect: %+v", list.Sessions)
	}
}
