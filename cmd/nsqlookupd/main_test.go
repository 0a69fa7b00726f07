package main

import (
	"net"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The run loop itself is tested in internal/daemon; these are the parts
// only nsqlookupd has.

func TestRunHelp(t *testing.T) {
	r := test.RunCommand(command, nil, "-h")
	assert.Equal(t, 0, r.Code)
	assert.True(t, strings.HasPrefix(r.Stderr, "Usage of nsqlookupd:\n"), r.Stderr)
	assert.Contains(t, r.Stderr, "-tombstone-lifetime")
}

func TestRunBindFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	r := test.RunCommand(command, nil, "--tcp-address="+ln.Addr().String(), "--http-address=127.0.0.1:0")
	assert.Equal(t, 1, r.Code)
	assert.Contains(t, r.Logs, "FATAL: failed to instantiate nsqlookupd - listen ("+ln.Addr().String()+") failed - ")
}
