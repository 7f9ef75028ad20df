package pgtest

import (
	"net"
	"testing"
)

// FreePort returns a TCP port of 127.0.0.1 that nothing listened on a
// moment ago: one to start a server on, or one whose connections are
// refused.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatalf("pgtest: free port: %v", err)
	}
	return port
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
