package test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/stretchr/testify/require"
)

// DefaultTimeout bounds every read and write of a Conn unless its Timeout is
// changed.
const DefaultTimeout = 5 * time.Second

// MaxFrameSize is the largest frame a Conn accepts.
const MaxFrameSize = 64 << 20

// Conn is a raw V2 protocol client for tests. Methods that take no
// testing.TB report failures on the TB given to Dial, so call them from the
// test's own goroutine; ReadFrame only returns errors and is safe anywhere.
type Conn struct {
	// Timeout is the deadline applied to each read and write.
	Timeout time.Duration
	// KeepHeartbeats makes NextFrame and the Expect methods return
	// "_heartbeat_" response frames instead of skipping them.
	KeepHeartbeats bool

	tb   testing.TB
	conn net.Conn
	r    *bufio.Reader
	w    io.Writer
}

// Dial connects to a V2 server at addr (no magic sent) and closes the
// connection when the test ends.
func Dial(t testing.TB, addr string) *Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, DefaultTimeout)
	require.NoError(t, err, "dial %s", addr)
	return NewConn(t, nc)
}

// DialV2 connects to addr and sends the V2 magic.
func DialV2(t testing.TB, addr string) *Conn {
	t.Helper()
	c := Dial(t, addr)
	c.SendMagic()
	return c
}

// NewConn wraps an established connection and closes it when the test ends.
func NewConn(t testing.TB, nc net.Conn) *Conn {
	c := newConn(nc)
	c.tb = t
	t.Cleanup(func() { nc.Close() })
	return c
}

func newConn(nc net.Conn) *Conn {
	return &Conn{Timeout: DefaultTimeout, conn: nc, r: bufio.NewReader(nc), w: nc}
}

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.conn }

// Close closes the connection.
func (c *Conn) Close() error { return c.conn.Close() }

// CloseWrite half-closes a TCP connection so that the server reads EOF while
// its replies can still be read.
func (c *Conn) CloseWrite() {
	c.tb.Helper()
	cw, ok := c.conn.(interface{ CloseWrite() error })
	if !ok {
		require.Failf(c.tb, "cannot half-close", "%T has no CloseWrite", c.conn)
	}
	require.NoError(c.tb, cw.CloseWrite(), "close write")
}

// SetStream replaces the byte streams after a protocol upgrade (TLS,
// snappy, deflate). If w has a Flush() error method it is called after every
// write. Bytes already buffered from the old reader are discarded.
func (c *Conn) SetStream(r io.Reader, w io.Writer) {
	c.r = bufio.NewReader(r)
	c.w = w
}

// Send writes b as it is.
func (c *Conn) Send(b []byte) {
	c.tb.Helper()
	require.NoError(c.tb, c.write(b), "write %q", truncate(b))
}

func (c *Conn) write(b []byte) error {
	if err := c.conn.SetWriteDeadline(time.Now().Add(c.Timeout)); err != nil {
		return err
	}
	if _, err := c.w.Write(b); err != nil {
		return err
	}
	if f, ok := c.w.(interface{ Flush() error }); ok {
		return f.Flush()
	}
	return nil
}

// SendMagic sends "  V2".
func (c *Conn) SendMagic() {
	c.tb.Helper()
	c.Send([]byte(protocol.MagicV2))
}

// Cmd sends line followed by "\n".
func (c *Conn) Cmd(line string) {
	c.tb.Helper()
	c.Send([]byte(line + "\n"))
}

// CmdBody sends line, "\n", the 4-byte big-endian length of body and body.
func (c *Conn) CmdBody(line string, body []byte) {
	c.tb.Helper()
	c.CmdSizedBody(line, uint32(len(body)), body)
}

// CmdSizedBody is CmdBody with an arbitrary declared size: use it to send
// sizes that do not match the body, or negative ones (0xFFFFFFFF is -1).
func (c *Conn) CmdSizedBody(line string, size uint32, body []byte) {
	c.tb.Helper()
	c.Send(AppendCmd(nil, line, size, body))
}

// AppendCmd appends to b the bytes of a command with a body: line, "\n",
// the 4-byte big-endian size and body. Send the result of several to
// pipeline them in one write.
func AppendCmd(b []byte, line string, size uint32, body []byte) []byte {
	b = append(b, line...)
	b = append(b, '\n')
	b = append(b, Uint32(size)...)
	return append(b, body...)
}

// ReadFrame reads the next frame, heartbeats included, within Timeout.
func (c *Conn) ReadFrame() (frameType int32, data []byte, err error) {
	if err := c.conn.SetReadDeadline(time.Now().Add(c.Timeout)); err != nil {
		return 0, nil, err
	}
	return protocol.ReadFrame(c.r, MaxFrameSize)
}

// NextFrame reads the next frame, skipping heartbeats unless KeepHeartbeats
// is set, and fails the test on a read error.
func (c *Conn) NextFrame(t testing.TB) (int32, []byte) {
	t.Helper()
	for {
		ft, data, err := c.ReadFrame()
		require.NoError(t, err, "reading frame")
		if !c.KeepHeartbeats && isHeartbeat(ft, data) {
			continue
		}
		return ft, data
	}
}

func isHeartbeat(ft int32, data []byte) bool {
	return ft == protocol.FrameTypeResponse && bytes.Equal(data, protocol.HeartbeatBytes)
}

// ExpectFrame fails the test unless the next frame has exactly this type
// and data. Heartbeats are skipped unless want is the heartbeat itself.
func (c *Conn) ExpectFrame(t testing.TB, frameType int32, want string) {
	t.Helper()
	var ft int32
	var data []byte
	if isHeartbeat(frameType, []byte(want)) {
		var err error
		ft, data, err = c.ReadFrame()
		require.NoError(t, err, "reading frame, want %s %q", FrameTypeName(frameType), want)
	} else {
		ft, data = c.NextFrame(t)
	}
	if ft != frameType || string(data) != want {
		require.Failf(t, "unexpected frame", "got %s frame %q, want %s frame %q",
			FrameTypeName(ft), truncate(data), FrameTypeName(frameType), want)
	}
}

// ExpectResponse expects a response frame (type 0) with exactly want.
func (c *Conn) ExpectResponse(t testing.TB, want string) {
	t.Helper()
	c.ExpectFrame(t, protocol.FrameTypeResponse, want)
}

// ExpectOK expects the response "OK".
func (c *Conn) ExpectOK(t testing.TB) {
	t.Helper()
	c.ExpectResponse(t, "OK")
}

// ExpectError expects an error frame (type 1) with exactly want.
func (c *Conn) ExpectError(t testing.TB, want string) {
	t.Helper()
	c.ExpectFrame(t, protocol.FrameTypeError, want)
}

// ExpectFatal expects the error frame want followed by the server closing
// the connection.
func (c *Conn) ExpectFatal(t testing.TB, want string) {
	t.Helper()
	c.ExpectError(t, want)
	c.ExpectClosed(t)
}

// ExpectClosed fails the test unless the server closes the connection
// (EOF or reset) within Timeout without sending another frame. Heartbeats
// are skipped unless KeepHeartbeats is set.
func (c *Conn) ExpectClosed(t testing.TB) {
	t.Helper()
	for {
		ft, data, err := c.ReadFrame()
		switch {
		case err == nil && !c.KeepHeartbeats && isHeartbeat(ft, data):
			continue
		case err == nil:
			require.Failf(t, "connection not closed", "want connection closed, got %s frame %q",
				FrameTypeName(ft), truncate(data))
		case IsClosedError(err):
			return
		default:
			require.Failf(t, "connection not closed", "want connection closed, got error: %v", err)
		}
	}
}

// IsClosedError reports whether err from a read means the peer closed the
// connection cleanly (EOF before any byte of a frame) or reset it.
func IsClosedError(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// IsTimeout reports whether err is a deadline expiry.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// Pending waits up to d for the next byte from the server without consuming
// it. It reports whether one arrived, or the read error (EOF, reset) that
// ended the wait early; a timeout is not an error.
func (c *Conn) Pending(d time.Duration) (bool, error) {
	return c.pendingUntil(time.Now().Add(d))
}

func (c *Conn) pendingUntil(deadline time.Time) (bool, error) {
	if err := c.conn.SetReadDeadline(deadline); err != nil {
		return false, err
	}
	_, err := c.r.Peek(1)
	if IsTimeout(err) {
		return false, nil
	}
	return err == nil, err
}

// ExpectNoFrame fails the test if any frame other than a heartbeat arrives,
// or the connection ends, within d. No byte is consumed when nothing arrives,
// so the Conn stays usable afterwards.
func (c *Conn) ExpectNoFrame(t testing.TB, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		pending, err := c.pendingUntil(deadline)
		require.NoError(t, err, "want no frame for %s", d)
		if !pending {
			return
		}
		ft, data, err := c.ReadFrame()
		require.NoError(t, err, "want no frame for %s", d)
		if c.KeepHeartbeats || !isHeartbeat(ft, data) {
			require.Failf(t, "unexpected frame", "want no frame for %s, got %s frame %q",
				d, FrameTypeName(ft), truncate(data))
		}
	}
}

// ReadMessage reads the next frame, which must be a message frame.
func (c *Conn) ReadMessage(t testing.TB) Message {
	t.Helper()
	ft, data := c.NextFrame(t)
	if ft != protocol.FrameTypeMessage {
		require.Failf(t, "unexpected frame", "want message frame, got %s frame %q", FrameTypeName(ft), truncate(data))
	}
	m, err := ParseMessage(data)
	require.NoError(t, err, "message frame %q", truncate(data))
	return m
}

// ReadMessages reads n message frames.
func (c *Conn) ReadMessages(t testing.TB, n int) []Message {
	t.Helper()
	msgs := make([]Message, 0, n)
	for range n {
		msgs = append(msgs, c.ReadMessage(t))
	}
	return msgs
}

// Identify sends IDENTIFY with fields as its JSON body. It returns nil if the
// server answered "OK", else the decoded JSON response; an error frame
// fails the test.
func (c *Conn) Identify(t testing.TB, fields map[string]any) map[string]any {
	t.Helper()
	body, err := json.Marshal(fields)
	require.NoError(t, err, "marshal IDENTIFY body")
	c.CmdBody("IDENTIFY", body)
	ft, data := c.NextFrame(t)
	if ft != protocol.FrameTypeResponse {
		require.Failf(t, "unexpected frame", "IDENTIFY %s: got %s frame %q", body, FrameTypeName(ft), truncate(data))
	}
	if string(data) == "OK" {
		return nil
	}
	var resp map[string]any
	require.NoError(t, json.Unmarshal(data, &resp), "IDENTIFY response %q", data)
	return resp
}

// FrameTypeName names a frame type for messages.
func FrameTypeName(ft int32) string {
	switch ft {
	case protocol.FrameTypeResponse:
		return "response"
	case protocol.FrameTypeError:
		return "error"
	case protocol.FrameTypeMessage:
		return "message"
	}
	return fmt.Sprintf("type-%d", ft)
}

func truncate(b []byte) []byte {
	const max = 512
	if len(b) > max {
		return append(b[:max:max], "..."...)
	}
	return b
}

// Sub sends SUB topic channel and expects "OK".
func (c *Conn) Sub(t testing.TB, topic, channel string) {
	t.Helper()
	c.Cmd("SUB " + topic + " " + channel)
	c.ExpectOK(t)
}

// Pub sends PUB topic with body and expects "OK".
func (c *Conn) Pub(t testing.TB, topic string, body []byte) {
	t.Helper()
	c.CmdBody("PUB "+topic, body)
	c.ExpectOK(t)
}
