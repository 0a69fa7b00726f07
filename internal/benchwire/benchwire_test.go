package benchwire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/stretchr/testify/require"
)

func TestResultMatchesReference(t *testing.T) {
	// The line the reference bench_writer printed for 143600 messages.
	got := Result(1006256007*time.Nanosecond, 143600, 200)
	want := "duration: 1.006256007s - 27.219mb/s - 142707.223ops/s - 7.007us/op"
	require.Equal(t, want, got, "Result = %q", got)
}

func TestResultNothingMoved(t *testing.T) {
	got := Result(time.Second, 0, 200)
	want := "duration: 1s - 0.000mb/s - 0.000ops/s - +Infus/op"
	require.Equal(t, want, got, "Result = %q", got)
}

func TestParseDeadline(t *testing.T) {
	d, err := ParseDeadline("")
	require.NoError(t, err, "empty: %v %v", d, err)
	require.True(t, d.IsZero(), "empty: %v %v", d, err)
	d, err = ParseDeadline("2025-01-27 10:11:12")
	require.NoError(t, err)
	require.True(t, d.Equal(time.Date(2025, 1, 27, 10, 11, 12, 0, time.UTC)))
	_, err = ParseDeadline("2025-01-27T10:11:12Z")
	require.Error(t, err, "bad layout: err = %v", err)
	require.Contains(t, err.Error(), "--deadline", "bad layout: err = %v", err)
}

func TestMPUBBytes(t *testing.T) {
	m := NewMPUB("t", 2, 3)
	copy(m.Body(1), "xyz")
	want := "MPUB t\n" + "\x00\x00\x00\x12" + "\x00\x00\x00\x02" +
		"\x00\x00\x00\x03\x00\x00\x00" + "\x00\x00\x00\x03xyz"
	require.Equal(t, want, string(m.Bytes()), "MPUB")
	require.EqualValues(t, 2, m.Len(), "Len %d, body size %d", m.Len(), len(m.Body(0)))
	require.Len(t, m.Body(0), 3, "Len %d, body size %d", m.Len(), len(m.Body(0)))
}

func TestParseMessage(t *testing.T) {
	data := append(make([]byte, 10), "0123456789abcdefbody"...)
	id, body, err := ParseMessage(data)
	require.NoError(t, err)
	require.Equal(t, "0123456789abcdef", string(id))
	require.Equal(t, "body", string(body))
	_, _, err = ParseMessage(data[:25])
	require.Error(t, err, "short message: no error")
}

// pipe returns a Conn whose peer is the other end of an in-memory pipe.
func pipe(t *testing.T) (*Conn, net.Conn) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	c := &Conn{nc: a, r: bufio.NewReader(a), w: bufio.NewWriter(a)}
	return c, b
}

func frame(ft int32, data string) []byte {
	return protocol.AppendFrame(nil, ft, []byte(data))
}

func TestCommandsExactBytes(t *testing.T) {
	c, peer := pipe(t)
	c.Identify(map[string]any{"client_id": "x"})
	c.Sub("t", "c")
	c.Rdy(2500)
	c.Fin([]byte("0123456789abcdef"))
	c.Nop()
	want := "IDENTIFY\n\x00\x00\x00\x11{\"client_id\":\"x\"}" + "SUB t c\n" + "RDY 2500\n" +
		"FIN 0123456789abcdef\n" + "NOP\n"
	got := make([]byte, len(want))
	go c.Flush()
	_, err := io.ReadFull(peer, got)
	require.NoError(t, err, "wrote %q (%v)", got, err)
	require.Equal(t, want, string(got), "wrote %q (%v)", got, err)
}

func TestExpectOK(t *testing.T) {
	c, peer := pipe(t)
	go func() {
		io.Copy(io.Discard, io.LimitReader(peer, 4)) // the NOP
	}()
	go peer.Write(join(frame(0, "_heartbeat_"), frame(0, "OK"), frame(1, "E_INVALID nope")))
	require.NoError(t, c.ExpectOK(), "ExpectOK after heartbeat")
	err := c.ExpectOK()
	require.ErrorIs(t, err, ErrFrame, "error frame: %v", err)
	require.Contains(t, err.Error(), "E_INVALID nope", "error frame: %v", err)
}

func TestReadFrameBadSize(t *testing.T) {
	c, peer := pipe(t)
	go peer.Write(binary.BigEndian.AppendUint32(nil, 2))
	_, _, err := c.ReadFrame()
	require.Error(t, err, "size 2: no error")
}

func join(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
