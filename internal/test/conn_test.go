package test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startFakeServer accepts one connection on 127.0.0.1 and runs handle on it
// in a goroutine; the returned channel closes when handle returns.
func startFakeServer(t *testing.T, handle func(c net.Conn)) (string, <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if !assert.NoError(t, err, "accept") {
			return
		}
		defer c.Close()
		handle(c)
	}()
	return ln.Addr().String(), done
}

func sendFrames(t *testing.T, c net.Conn, frames ...[]byte) {
	for _, f := range frames {
		if _, err := c.Write(f); !assert.NoError(t, err, "server write") {
			return
		}
	}
}

func frame(ft int32, data string) []byte { return protocol.AppendFrame(nil, ft, []byte(data)) }

func TestConnWritesExactBytes(t *testing.T) {
	t.Parallel()
	addr, _ := startFakeServer(t, func(c net.Conn) {
		all, err := io.ReadAll(c)
		assert.NoError(t, err, "server read")
		sendFrames(t, c, frame(protocol.FrameTypeResponse, string(all)))
	})
	c := DialV2(t, addr)
	c.Cmd("NOP")
	c.CmdBody("PUB t", []byte("hi"))
	c.CmdSizedBody("MPUB t", 0xFFFFFFFF, nil)
	c.Send([]byte("raw"))
	c.CloseWrite()
	want := "  V2" + "NOP\n" + "PUB t\n\x00\x00\x00\x02hi" + "MPUB t\n\xff\xff\xff\xff" + "raw"
	c.ExpectResponse(t, want)
	c.ExpectClosed(t)
}

func TestConnReadsFrames(t *testing.T) {
	t.Parallel()
	msg := binary.BigEndian.AppendUint64(nil, 1234567890)
	msg = binary.BigEndian.AppendUint16(msg, 3)
	msg = append(msg, "0a1b2c3d4e5f6789payload"...)
	addr, _ := startFakeServer(t, func(c net.Conn) {
		sendFrames(t, c,
			frame(protocol.FrameTypeResponse, "_heartbeat_"),
			frame(protocol.FrameTypeResponse, "OK"),
			frame(protocol.FrameTypeError, "E_INVALID invalid command "),
			frame(protocol.FrameTypeMessage, string(msg)),
			frame(protocol.FrameTypeMessage, string(msg)),
			frame(protocol.FrameTypeResponse, "_heartbeat_"),
		)
	})
	c := Dial(t, addr)
	c.ExpectOK(t)
	c.ExpectError(t, "E_INVALID invalid command ")
	m := c.ReadMessage(t)
	require.EqualValues(t, 1234567890, m.Timestamp, "message")
	require.EqualValues(t, 3, m.Attempts, "message")
	require.Equal(t, "0a1b2c3d4e5f6789", m.ID, "message")
	require.Equal(t, "payload", string(m.Body), "message")
	ms := c.ReadMessages(t, 1)
	require.Len(t, ms, 1, "ReadMessages: %+v", ms)
	require.Equal(t, m.ID, ms[0].ID, "ReadMessages: %+v", ms)
	c.ExpectClosed(t)
}

func TestConnKeepHeartbeats(t *testing.T) {
	t.Parallel()
	addr, _ := startFakeServer(t, func(c net.Conn) {
		sendFrames(t, c,
			frame(protocol.FrameTypeResponse, "_heartbeat_"),
			frame(protocol.FrameTypeResponse, "_heartbeat_"),
			frame(protocol.FrameTypeResponse, "OK"),
		)
	})
	c := Dial(t, addr)
	c.ExpectResponse(t, "_heartbeat_")
	c.KeepHeartbeats = true
	failed, msg := runFake(func(tb testing.TB) { c.ExpectOK(tb) })
	require.True(t, failed)
	require.Contains(t, msg, `got response frame "_heartbeat_", want response frame "OK"`)
	c.ExpectOK(t)
}

func TestConnExpectNoFrame(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	addr, _ := startFakeServer(t, func(c net.Conn) {
		sendFrames(t, c, frame(protocol.FrameTypeResponse, "_heartbeat_"))
		<-release
		sendFrames(t, c, frame(protocol.FrameTypeResponse, "OK"))
		io.Copy(io.Discard, c)
	})
	c := Dial(t, addr)
	start := time.Now()
	c.ExpectNoFrame(t, 50*time.Millisecond)
	require.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "ExpectNoFrame returned early")
	close(release)
	failed, msg := runFake(func(tb testing.TB) { c.ExpectNoFrame(tb, 2*time.Second) })
	require.True(t, failed)
	require.Contains(t, msg, `want no frame for 2s, got response frame "OK"`)
}

func TestConnExpectClosedFailures(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	addr, _ := startFakeServer(t, func(c net.Conn) {
		<-release
		sendFrames(t, c, frame(protocol.FrameTypeError, "E_BAD_PROTOCOL"))
		io.Copy(io.Discard, c)
	})
	c := Dial(t, addr)
	c.Timeout = 30 * time.Millisecond
	failed, msg := runFake(func(tb testing.TB) { c.ExpectClosed(tb) })
	require.True(t, failed)
	require.Contains(t, msg, "want connection closed, got error: ")
	require.Contains(t, msg, "timeout")
	close(release)
	c.Timeout = DefaultTimeout
	failed, msg = runFake(func(tb testing.TB) { c.ExpectClosed(tb) })
	require.True(t, failed)
	require.Contains(t, msg, `want connection closed, got error frame "E_BAD_PROTOCOL"`)
}

func TestConnExpectMismatch(t *testing.T) {
	t.Parallel()
	addr, _ := startFakeServer(t, func(c net.Conn) {
		sendFrames(t, c,
			frame(protocol.FrameTypeError, "E_INVALID a"),
			frame(protocol.FrameTypeResponse, "E_INVALID b"),
			frame(protocol.FrameTypeResponse, "OK"),
		)
	})
	c := Dial(t, addr)
	cases := []struct {
		expect func(tb testing.TB)
		want   []string // each must be in the failure message
	}{
		{func(tb testing.TB) { c.ExpectError(tb, "E_INVALID b") }, []string{`got error frame "E_INVALID a", want error frame "E_INVALID b"`}},
		{func(tb testing.TB) { c.ExpectError(tb, "E_INVALID b") }, []string{`got response frame "E_INVALID b", want error frame "E_INVALID b"`}},
		{func(tb testing.TB) { c.ReadMessage(tb) }, []string{`want message frame, got response frame "OK"`}},
		{func(tb testing.TB) { c.ExpectOK(tb) }, []string{"reading frame", "EOF"}},
	}
	for i, tc := range cases {
		returned := false
		failed, msg := runFake(func(tb testing.TB) {
			tc.expect(tb)
			returned = true
		})
		assert.True(t, failed, "case %d: did not fail", i)
		assert.False(t, returned, "case %d: went on after the failure", i)
		for _, w := range tc.want {
			assert.Contains(t, msg, w, "case %d", i)
		}
	}
}

func TestConnIdentify(t *testing.T) {
	t.Parallel()
	addr, _ := startFakeServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for _, resp := range []string{`{"max_rdy_count":2500,"tls_v1":false}`, "OK"} {
			line, err := r.ReadString('\n')
			if !assert.NoError(t, err, "line") || !assert.Equal(t, "IDENTIFY\n", line) {
				return
			}
			var size uint32
			if !assert.NoError(t, binary.Read(r, binary.BigEndian, &size), "size") {
				return
			}
			body := make([]byte, size)
			if _, err := io.ReadFull(r, body); !assert.NoError(t, err, "body") {
				return
			}
			var m map[string]any
			if assert.NoError(t, json.Unmarshal(body, &m), "body %s", body) {
				assert.Equal(t, "x", m["client_id"], "body %s", body)
			}
			sendFrames(t, c, frame(protocol.FrameTypeResponse, resp))
		}
	})
	c := Dial(t, addr)
	got := c.Identify(t, map[string]any{"client_id": "x", "feature_negotiation": true})
	require.Equal(t, float64(2500), got["max_rdy_count"], "response")
	require.Equal(t, false, got["tls_v1"], "response")
	require.Nil(t, c.Identify(t, map[string]any{"client_id": "x"}), "OK response")
}

func TestFrameTypeName(t *testing.T) {
	t.Parallel()
	for ft, want := range map[int32]string{0: "response", 1: "error", 2: "message", 7: "type-7"} {
		assert.Equal(t, want, FrameTypeName(ft), "frame type %d", ft)
	}
}

func TestConnPending(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	addr, _ := startFakeServer(t, func(c net.Conn) {
		<-release
		sendFrames(t, c, frame(protocol.FrameTypeResponse, "OK"))
	})
	c := Dial(t, addr)
	ok, err := c.Pending(20 * time.Millisecond)
	require.NoError(t, err, "nothing sent")
	require.False(t, ok, "nothing sent")
	close(release)
	ok, err = c.Pending(DefaultTimeout)
	require.NoError(t, err, "frame sent")
	require.True(t, ok, "frame sent")
	c.ExpectOK(t)
	ok, err = c.Pending(DefaultTimeout)
	require.False(t, ok, "closed")
	require.True(t, IsClosedError(err), "closed: err=%v", err)
}
