package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// addClientFlags registers on fs the flags that say how to reach the image:
// --endpoint, --token-file and the CURVE key files, read into cfg. Every
// subcommand that talks to the image takes them with the same meaning.
func addClientFlags(fs *flag.FlagSet, cfg *config) {
	fs.StringVar(&cfg.endpoint, "endpoint", "", "image endpoint (default: $STUI_ENDPOINT, else the per-user ipc socket)")
	fs.StringVar(&cfg.tokenFile, "token-file", "", "shared-secret file (default: the token itself in $STUI_TOKEN, else the per-user token file if present)")
	fs.StringVar(&cfg.curveServerKey, "curve-server-key", "", "the image's CURVE public key file; with --curve-secret-key, encrypts and authenticates the connection")
	fs.StringVar(&cfg.curveSecretKey, "curve-secret-key", "", "this client's CURVE secret key file (mode 0600), as made by stui-lsp keygen")
}

// addLogFlags registers --log-file and --log-level, for the subcommands that
// serve a protocol on stdio and so must log elsewhere.
func addLogFlags(fs *flag.FlagSet, cfg *config) {
	fs.StringVar(&cfg.logFile, "log-file", "", "write the log to this file instead of stderr")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn, error")
}

// parseFlags parses a subcommand's flags. done means the command ends here
// with code: 0 after -h, which prints the subcommand's usage, and 2 after a
// flag error, which is one line on the flag set's output (the flag package
// would follow it with the whole usage).
func parseFlags(fs *flag.FlagSet, args []string) (code int, done bool) {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return 0, true
	default:
		fmt.Fprintf(out, "%s: %v (%s -h for help)\n", fs.Name(), err, fs.Name())
		return 2, true
	}
}

// newFlagSet is a subcommand's flag set whose -h prints usage, then the
// flags; errors go to stderr.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	return fs
}

// smallSubcommand is one of the subcommands that run parses itself: its
// usage (what -h prints before the flags) and which flags it takes.
type smallSubcommand struct {
	usage            string
	clientFlags, log bool
}

// smallSubcommands are the subcommands run handles, "serve" being none
// named; the larger ones (bench, mcp, conformance, test, dap) have files and
// flag sets of their own.
var smallSubcommands = map[string]smallSubcommand{
	"serve": {usage: usage, clientFlags: true, log: true},
	"help":  {usage: usage, clientFlags: true, log: true},
	"ping": {clientFlags: true, usage: `usage: stui-lsp ping [flags]

Checks that an image answers at the endpoint, and prints its protocol
version, name and the round trip.
`},
	"eval": {clientFlags: true, usage: `usage: stui-lsp eval [flags] CODE

Evaluates CODE in the image and prints the result, e.g. stui-lsp eval '3 + 4'.
`},
	"doctor": {clientFlags: true, usage: `usage: stui-lsp doctor [flags]

Self-check: the libzmq version, the endpoint and where it came from, the
token in use, and whether an image answers there.
`},
	"image": {clientFlags: true, usage: imageUsage},
	"check": {usage: `usage: stui-lsp check PATH...

Reports the Smalltalk syntax errors of the files and folders given, as
file:line:col, with stui-lsp's own parser; no image is needed.
`},
	"keygen": {usage: `usage: stui-lsp keygen PREFIX

Makes a CURVE key pair: PREFIX.key (the secret key, mode 0600) and
PREFIX.pub (the public key to give the other side).
`},
	"version": {usage: `usage: stui-lsp version

Prints stui-lsp's version and the STUI protocol version it speaks.
`},
}

// flagSet is the subcommand's flag set, reading into cfg.
func (c smallSubcommand) flagSet(name string, cfg *config, stderr io.Writer) *flag.FlagSet {
	fsName := "stui-lsp " + name
	if name == "serve" || name == "help" {
		fsName = "stui-lsp"
	}
	fs := flag.NewFlagSet(fsName, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if c.clientFlags {
		addClientFlags(fs, cfg)
	}
	if c.log {
		addLogFlags(fs, cfg)
	}
	if c.usage == usage {
		fs.Bool("stdio", true, "serve on stdin/stdout (the default; accepted for editors that pass it)")
	}
	fs.Usage = func() {
		fmt.Fprint(stderr, c.usage)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			if c.usage != usage {
				fmt.Fprint(stderr, "\nFlags:\n")
			}
			fs.PrintDefaults()
		}
	}
	return fs
}
