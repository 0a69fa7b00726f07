package test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"strings"
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
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		defer c.Close()
		handle(c)
	}()
	return ln.Addr().String(), done
}

func sendFrames(t *testing.T, c net.Conn, frames ...[]byte) {
	for _, f := range frames {
		if _, err := c.Write(f); err != nil {
			t.Errorf("server write: %v", err)
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
	if ms := c.ReadMessages(t, 1); len(ms) != 1 || ms[0].ID != m.ID {
		t.Fatalf("ReadMessages: %+v", ms)
	}
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
	require.Equal(t, `got response frame "_heartbeat_", want response frame "OK"`, msg)
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
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("returned after %s", d)
	}
	close(release)
	failed, msg := runFake(func(tb testing.TB) { c.ExpectNoFrame(tb, 2*time.Second) })
	require.True(t, failed)
	require.Equal(t, `want no frame for 2s, got response frame "OK"`, msg)
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
	require.True(t, strings.HasPrefix(msg, "want connection closed, got error: "))
	close(release)
	c.Timeout = DefaultTimeout
	failed, msg = runFake(func(tb testing.TB) { c.ExpectClosed(tb) })
	require.True(t, failed)
	require.Equal(t, `want connection closed, got error frame "E_BAD_PROTOCOL"`, msg)
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
		want   string
	}{
		{func(tb testing.TB) { c.ExpectError(tb, "E_INVALID b") }, `got error frame "E_INVALID a", want error frame "E_INVALID b"`},
		{func(tb testing.TB) { c.ExpectError(tb, "E_INVALID b") }, `got response frame "E_INVALID b", want error frame "E_INVALID b"`},
		{func(tb testing.TB) { c.ReadMessage(tb) }, `want message frame, got response frame "OK"`},
		{func(tb testing.TB) { c.ExpectOK(tb) }, "reading frame: EOF"},
	}
	for i, tc := range cases {
		failed, msg := runFake(tc.expect)
		if !failed || msg != tc.want {
			t.Errorf("case %d: failed=%v msg=%q, want %q", i, failed, msg, tc.want)
		}
	}
}

func TestConnIdentify(t *testing.T) {
	t.Parallel()
	addr, _ := startFakeServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for _, resp := range []string{`{"max_rdy_count":2500,"tls_v1":false}`, "OK"} {
			line, err := r.ReadString('\n')
			if err != nil || line != "IDENTIFY\n" {
				t.Errorf("line %q, %v", line, err)
				return
			}
			var size uint32
			if err := binary.Read(r, binary.BigEndian, &size); err != nil {
				t.Errorf("size: %v", err)
				return
			}
			body := make([]byte, size)
			if _, err := io.ReadFull(r, body); err != nil {
				t.Errorf("body: %v", err)
				return
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil || m["client_id"] != "x" {
				t.Errorf("body %s: %v", body, err)
			}
			sendFrames(t, c, frame(protocol.FrameTypeResponse, resp))
		}
	})
	c := Dial(t, addr)
	got := c.Identify(t, map[string]any{"client_id": "x", "feature_negotiation": true})
	require.Equal(t, float64(2500), got["max_rdy_count"], "response")
	require.Equal(t, false, got["tls_v1"], "response")
	if got := c.Identify(t, map[string]any{"client_id": "x"}); got != nil {
		t.Fatalf("OK response gave %v", got)
	}
}

func TestFrameTypeName(t *testing.T) {
	t.Parallel()
	for ft, want := range map[int32]string{0: "response", 1: "error", 2: "message", 7: "type-7"} {
		if got := FrameTypeName(ft); got != want {
			t.Errorf("%d: %q", ft, got)
		}
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
	if ok, err := c.Pending(20 * time.Millisecond); ok || err != nil {
		t.Fatalf("nothing sent: pending=%v err=%v", ok, err)
	}
	close(release)
	if ok, err := c.Pending(DefaultTimeout); !ok || err != nil {
		t.Fatalf("frame sent: pending=%v err=%v", ok, err)
	}
	c.ExpectOK(t)
	if ok, err := c.Pending(DefaultTimeout); ok || !IsClosedError(err) {
		t.Fatalf("closed: pending=%v err=%v", ok, err)
	}
}
