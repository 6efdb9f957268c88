package lsp

import (
	"sync/atomic"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// lifecycleState is where the connection is in the LSP lifecycle.
type lifecycleState int32

const (
	stateUninitialized lifecycleState = iota
	stateInitializing
	stateRunning
	stateShutDown
)

func (st lifecycleState) String() string {
	switch st {
	case stateUninitialized:
		return "uninitialized"
	case stateInitializing:
		return "initializing"
	case stateRunning:
		return "running"
	case stateShutDown:
		return "shut down"
	}
	return "unknown"
}

// lifecycle is checked in one place, the middleware: nothing but initialize
// before initialize, nothing but exit after shutdown.
type lifecycle struct{ state atomic.Int32 }

func (l *lifecycle) get() lifecycleState   { return lifecycleState(l.state.Load()) }
func (l *lifecycle) set(st lifecycleState) { l.state.Store(int32(st)) }

func (l *lifecycle) acceptsCall(method string) error {
	st := l.get()
	switch {
	case method == protocol.MethodInitialize:
		if st != stateUninitialized {
			return jsonrpc2.NewError(jsonrpc2.InvalidRequest, "initialize was already received")
		}
		if !l.state.CompareAndSwap(int32(stateUninitialized), int32(stateInitializing)) {
			return jsonrpc2.NewError(jsonrpc2.InvalidRequest, "initialize was already received")
		}
		return nil
	case st == stateUninitialized || st == stateInitializing:
		return jsonrpc2.NewError(jsonrpc2.ServerNotInitialized, "server not initialized: send initialize first")
	case st == stateShutDown:
		return jsonrpc2.NewError(jsonrpc2.InvalidRequest, "server is shut down: only exit is accepted")
	}
	return nil
}

func (l *lifecycle) acceptsNotification(method string) bool {
	if method == protocol.MethodExit {
		return true
	}
	// Not even initialized while initialize is still running (possible in a
	// batch): the server's capabilities are being written then.
	return l.get() == stateRunning
}
