package main

import (
	"net"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
)

// The run loop itself is tested in internal/daemon; these are the parts
// only nsqlookupd has.

func TestRunHelp(t *testing.T) {
	r := test.RunCommand(command, nil, "-h")
	test.Equal(t, 0, r.Code)
	if !strings.HasPrefix(r.Stderr, "Usage of nsqlookupd:\n") || !strings.Contains(r.Stderr, "-tombstone-lifetime") {
		t.Fatalf("usage: %q", r.Stderr)
	}
}

func TestRunBindFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	test.NoErr(t, err)
	defer ln.Close()
	r := test.RunCommand(command, nil, "--tcp-address="+ln.Addr().String(), "--http-address=127.0.0.1:0")
	test.Equal(t, 1, r.Code)
	if !strings.Contains(r.Logs, "FATAL: failed to instantiate nsqlookupd - listen ("+ln.Addr().String()+") failed - ") {
		t.Fatalf("logs %q", r.Logs)
	}
}
