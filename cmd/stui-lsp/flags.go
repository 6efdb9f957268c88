package main

import (
	"errors"
	"flag"
)

// addClientFlags registers on fs the flags that say how to reach the image:
// --endpoint, --token-file and the CURVE key files, read into cfg. Every
// subcommand that talks to the image takes them with the same meaning.
func addClientFlags(fs *flag.FlagSet, cfg *config) {
	fs.StringVar(&cfg.endpoint, "endpoint", "", "image endpoint (default: $STUI_ENDPOINT, else the per-user ipc socket)")
	fs.StringVar(&cfg.tokenFile, "token-file", "", "shared-secret file (default: $STUI_TOKEN, else the per-user token file if present)")
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
// with code: 0 after -h, 2 after a flag error (the flag package said which).
func parseFlags(fs *flag.FlagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		return 0, true
	default:
		return 2, true
	}
}
