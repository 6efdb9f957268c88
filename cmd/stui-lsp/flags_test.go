package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// Every subcommand answers -h with its own usage and exit 0, and a flag it
// does not know with one line on stderr and exit 2; nothing on stdout,
// which for serve, mcp and dap is a protocol stream.
func TestEverySubcommandHasItsOwnHelpAndAOneLineFlagError(t *testing.T) {
	generalUsage := strings.SplitN(usage, "\n", 2)[0]
	type helpCase struct {
		name string
		args []string
		// ownUsage is in the first line of -h, which is not the general
		// usage's first line unless general is set.
		ownUsage string
		general  bool
	}
	cases := []helpCase{
		{name: "serve", ownUsage: generalUsage, general: true},
		{name: "help", args: []string{"help"}, ownUsage: generalUsage, general: true},
		{name: "ping", args: []string{"ping"}, ownUsage: "usage: stui-lsp ping"},
		{name: "eval", args: []string{"eval"}, ownUsage: "usage: stui-lsp eval"},
		{name: "doctor", args: []string{"doctor"}, ownUsage: "usage: stui-lsp doctor"},
		{name: "check", args: []string{"check"}, ownUsage: "usage: stui-lsp check"},
		{name: "image", args: []string{"image"}, ownUsage: "usage: stui-lsp image"},
		{name: "keygen", args: []string{"keygen"}, ownUsage: "usage: stui-lsp keygen"},
		{name: "version", args: []string{"version"}, ownUsage: "usage: stui-lsp version"},
		{name: "test", args: []string{"test"}, ownUsage: "Usage: stui-lsp test"},
		{name: "dap", args: []string{"dap"}, ownUsage: "stui-lsp dap:"},
		{name: "mcp", args: []string{"mcp"}, ownUsage: "stui-lsp mcp:"},
		{name: "conformance", args: []string{"conformance"}, ownUsage: "Usage: stui-lsp conformance"},
		{name: "bench", args: []string{"bench"}, ownUsage: "Usage: stui-lsp bench"},
	}
	for name := range smallSubcommands {
		if !slices.ContainsFunc(cases, func(c helpCase) bool { return c.name == name }) {
			t.Errorf("subcommand %s is not in this table", name)
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append(tc.args, "-h"), strings.NewReader(""), &stdout, &stderr)
			first, _, _ := strings.Cut(stderr.String(), "\n")
			if code != 0 || !strings.Contains(first, tc.ownUsage) || (!tc.general && first == generalUsage) || stdout.Len() > 0 {
				t.Errorf("%v -h: exit %d, stdout %q, stderr starting %q; want 0 and its own usage (%q) on stderr",
					tc.args, code, stdout.String(), first, tc.ownUsage)
			}
			if !strings.Contains(stderr.String(), "-") && !tc.general {
				t.Errorf("%v -h lists no flags or arguments:\n%s", tc.args, stderr.String())
			}

			stdout.Reset()
			stderr.Reset()
			code = run(append(tc.args, "--no-such-flag"), strings.NewReader(""), &stdout, &stderr)
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], "-no-such-flag") || !strings.Contains(lines[0], " -h") || stdout.Len() > 0 {
				t.Errorf("%v --no-such-flag: exit %d, stdout %q, stderr %q; want 2 and one line naming the flag and -h",
					tc.args, code, stdout.String(), stderr.String())
			}
		})
	}
}

// One CURVE key without the other is a usage error that names the missing
// flag (it was "CURVE key: open : no such file or directory").
func TestCurveKeysGoTogether(t *testing.T) {
	for _, c := range []struct {
		cfg  config
		want string
	}{
		{config{curveServerKey: "image.pub"}, "--curve-server-key needs --curve-secret-key"},
		{config{curveSecretKey: "client.key"}, "--curve-secret-key needs --curve-server-key"},
	} {
		if _, err := clientOptions(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("clientOptions(%+v) = %v, want an error saying %q", c.cfg, err, c.want)
		}
	}
	if opt, err := loadCurve(config{}); opt != nil || err != nil {
		t.Errorf("no keys: %v, %v; want neither an option nor an error", opt, err)
	}
}
