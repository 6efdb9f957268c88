// Command stui-testimage serves the STUI protocol from stuitest's TEST
// backend, for end-to-end tests and demos of stui-lsp and the editor plugins.
// It is not a Smalltalk image: it evaluates a tiny arithmetic subset of
// Smalltalk (see package stuitest) and answers the code-browsing commands from
// a few classes it defines at start-up, among them Counter in package Demo.
//
// It binds an ephemeral loopback tcp port (or the address given with
// -endpoint), prints the endpoint as the first line of stdout, and serves
// until stdin reaches end of file or it receives SIGINT or SIGTERM:
//
//	$ stui-testimage
//	tcp://127.0.0.1:40123
//	$ stui-lsp --endpoint tcp://127.0.0.1:40123   # in the editor
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/stui-lsp/stui-lsp/stuiclient"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuitest"
)

func main() {
	endpoint := flag.String("endpoint", "", "bind this endpoint (e.g. tcp://127.0.0.1:5555) instead of an ephemeral port")
	ignoreStdin := flag.Bool("ignore-stdin", false, "keep serving when stdin closes (stop with SIGINT or SIGTERM)")
	tokenFile := flag.String("token-file", "", "refuse, with PermissionDenied, every request without the token in this file (mode 0600)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "stui-testimage: a TEST backend for the STUI protocol (not a Smalltalk image).")
		fmt.Fprintln(flag.CommandLine.Output(), "Prints its endpoint on the first line of stdout and serves until stdin closes.")
		flag.PrintDefaults()
	}
	flag.Parse()

	backend := stuitest.NewBackend()
	populate(backend)
	populateTests(backend)

	srv := stuitest.NewUnstartedServer(backend)
	if *endpoint != "" {
		srv.Endpoint = *endpoint
	}
	if *tokenFile != "" {
		tok, err := stuiclient.LoadToken(*tokenFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "stui-testimage:", err)
			os.Exit(2)
		}
		srv.RequireToken(tok)
	}
	if err := start(srv); err != nil {
		fmt.Fprintln(os.Stderr, "stui-testimage:", err)
		os.Exit(1)
	}
	defer srv.Close()
	fmt.Println(srv.Endpoint)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !*ignoreStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}
	<-ctx.Done()
}

// start turns the panic of a failed bind into an error.
func start(srv *stuitest.Server) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	srv.Start()
	return nil
}

// populate defines the classes the editor tests and demos hover, browse and
// complete.
func populate(b *stuitest.Backend) {
	b.AddClass(stuitest.ClassFixture{
		Name:     "Object",
		Package:  "Kernel-Objects",
		Comment:  "I am the root of most classes.",
		IsSystem: true,
		Methods: []stuitest.MethodFixture{
			{Category: "printing", Source: "printString\n\t\"Answer a String whose characters describe the receiver.\"\n\t^ self class name"},
			{Category: "accessing", Source: "yourself\n\t\"Answer the receiver.\"\n\t^ self"},
		},
	})
	b.AddClass(stuitest.ClassFixture{
		Name:         "Counter",
		Superclass:   "Object",
		Package:      "Demo",
		Comment:      "I count up from zero. Un café, s'il vous plaît: my comment is not ASCII.",
		InstanceVars: []string{"count"},
		Methods: []stuitest.MethodFixture{
			{Category: "operations", Source: "increment\n\t\"Add one to my count.\"\n\tcount := self count + 1"},
			{Category: "accessing", Source: "count\n\t\"Answer how often I was incremented.\"\n\t^ count ifNil: [ 0 ]"},
			// The test backend parses no pragmas: the <example> pragma of the Tonel
			// source in the editor tests is left out here.
			{Category: "examples", ClassSide: true, Source: "exampleIncrement\n\t\"Answer how far a new counter counts in one step.\"\n\t| c |\n\tc := self new.\n\tc increment.\n\t^ c count"},
		},
	})
	b.AddClass(stuitest.ClassFixture{
		Name:       "CounterTest",
		Superclass: "Object",
		Package:    "Demo-Tests",
		Comment:    "I test Counter.",
		Methods: []stuitest.MethodFixture{
			{Category: "tests", Source: "testIncrement\n\t| c |\n\tc := Counter new.\n\tc increment.\n\t^ c count = 1"},
		},
	})
}
