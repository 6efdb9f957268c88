// Package stuiclient is the Go client of the STUI protocol (docs/protocol.md):
// it sends JSON requests to a Pharo image over ZeroMQ and decodes the replies
// into the types of package stuiproto.
//
// One Client keeps many requests in flight over a single DEALER socket. A
// caller sends its own request while the connection is up, under a mutex that
// serializes every use of the socket. One goroutine, the socket's owner,
// waits in Go's netpoller on the socket's ZMQ_FD, reads the replies and hands
// each, matched by id, to its caller's channel; it also follows the socket's
// monitor events, sends what callers could not (the connection down, a full
// queue) and recreates the socket when it fails. Every frame the client sends
// starts with an empty delimiter, so a ROUTER server (which answers out of
// order) and a plain REP server (which answers one request at a time) both
// understand it.
//
// The files follow that ownership: call.go is the caller's side (Call and
// its direct send), owner.go the owner goroutine's loop, wakeup.go how a
// caller or the monitor watcher wakes the owner, reply.go the decoding of a
// reply (pure Go, no socket), and socket.go the sockets themselves, the only
// file that calls libzmq. client.go holds the state they share and which
// mutex guards what.
//
// Every call has a deadline: the context's, or the client's default timeout.
// Errors are typed: ErrDeadline, ErrUnavailable, ErrCanceled, ErrReplyTooLarge,
// ErrBadReply and ErrClosed work with errors.Is; an error reply from the image
// is a *stuiproto.RemoteError; Ping reports a *VersionMismatchError.
//
// The package needs cgo and libzmq (Debian: libzmq3-dev to build, libzmq5 to
// run). Code that only speaks about the protocol should import stuiproto.
package stuiclient
