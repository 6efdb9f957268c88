//go:build !unix

package main

// runWithAwakeMonitor does nothing where a process cannot run itself again
// in place: the server keeps Go's defaults there (cores_other.go).
func runWithAwakeMonitor([]string) {}
