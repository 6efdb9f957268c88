package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeClient is node, for a test that drives a client nobody here wrote
// (an npm package) against the real binary. Each of needs, a path below the
// repository's root (a package.json or a .bin entry in some node_modules),
// must exist. Without node or one of them the test skips and says what
// installs it, except in CI, where scripts/setup.sh --editors installs them
// all and a missing one fails the test.
func nodeClient(t *testing.T, install string, needs ...string) string {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: scripts/setup.sh --editors installs it (%s)", what, install)
		}
		t.Skipf("skipping: %s is missing (run %s)", what, install)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range needs {
		if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
			missing(rel)
		}
	}
	return node
}

// runNodeTests runs script, a node:test file in dir, with env added to this
// process's environment, and fails the test when a test fails or when the
// servers' stderr, which node passes on, shows a data race (a build with
// STUI_E2E_RACE) or a panic. Its output goes to the test's log.
func runNodeTests(t *testing.T, node, dir, script string, env []string, nodeFlags ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := append(append([]string{"--test", "--test-reporter=spec"}, nodeFlags...), script)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test %s: %v\n%s", script, err, out)
	}
	for _, bad := range []string{"DATA RACE", "panic:"} {
		if strings.Contains(string(out), bad) {
			t.Fatalf("%q in the output:\n%s", bad, out)
		}
	}
	t.Logf("%s", out)
}
