package test

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConnRawRequest drives a Conn from DialRaw against a fake server that
// checks the bytes it gets, sends a heartbeat before each answer and
// answers OK, then an error.
func TestConnRawRequest(t *testing.T) {
	t.Parallel()
	want := "  V2" + "PUB t\n\x00\x00\x00\x02hi" + "NOP\n" + "SUB t c\n" + "NOP\n"
	addr, done := startFakeServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		got := make([]byte, len("  V2PUB t\n\x00\x00\x00\x02hi"))
		_, err := io.ReadFull(r, got)
		assert.NoError(t, err)
		sendFrames(t, c, frame(protocol.FrameTypeResponse, "_heartbeat_"), frame(protocol.FrameTypeResponse, "OK"))
		rest := make([]byte, len("NOP\nSUB t c\n"))
		_, err = io.ReadFull(r, rest)
		assert.NoError(t, err)
		sendFrames(t, c, frame(protocol.FrameTypeResponse, "_heartbeat_"), frame(protocol.FrameTypeError, "E_INVALID x"))
		// The second NOP answers the second heartbeat.
		last := make([]byte, len("NOP\n"))
		_, err = io.ReadFull(r, last)
		assert.NoError(t, err)
		assert.Equal(t, want, string(got)+string(rest)+string(last))
	})
	c, err := DialRaw(addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Request("PUB t", []byte("hi")))
	err = c.Request("SUB t c", nil)
	var fe *FrameError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, FrameError{FrameType: protocol.FrameTypeError, Data: "E_INVALID x"}, *fe)
	<-done
	_, _, err = c.Frame(time.Second)
	assert.True(t, IsClosedError(err), "read after the server closed: %v", err)
}
