//go:build !unix

package main

import (
	"io"
	"os"
)

// pollable is unix only: elsewhere stdin keeps Go's blocking read, and the
// server Go's default of one scheduler slot per core.
func pollable(*os.File, ...int) (io.ReadCloser, bool) { return nil, false }
