package statsd

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrefix(t *testing.T) {
	cases := []struct {
		template, addr string
		port           int
		want           string
	}{
		{"nsq.%s", "myhost.example", 37231, "nsq.myhost_example_37231."},
		{"nsq.%s.", "10.0.0.1", 4151, "nsq.10_0_0_1_4151."},
		{"%s.nsq.%s", "h", 1, "h_1.nsq.h_1."},
		{"plain", "h", 1, "plain."},
		{"plain.", "h", 1, "plain."},
		{"nsq.%s", "::1", 4151, "nsq.[__1]_4151."},
		{"", "myhost", 4151, ""},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, Prefix(tc.template, tc.addr, tc.port), "Prefix(%q, %q, %d)", tc.template, tc.addr, tc.port)
	}
}

func TestClientLines(t *testing.T) {
	var buf bytes.Buffer
	c := NewClient(&buf, "nsq.h_4151.")
	c.Incr("topic.t.message_count", 42)
	c.Gauge("topic.t.depth", 0)
	c.Incr("mem.gc_runs", -3)
	c.Gauge("topic.t.e2e_processing_latency_99", 9223372036854775807)
	want := "nsq.h_4151.topic.t.message_count:42|c\n" +
		"nsq.h_4151.topic.t.depth:0|g\n" +
		"nsq.h_4151.mem.gc_runs:-3|c\n" +
		"nsq.h_4151.topic.t.e2e_processing_latency_99:9223372036854775807|g\n"
	require.Equal(t, want, buf.String())
	buf.Reset()
	NewClient(&buf, "").Gauge("x", 1)
	require.Equal(t, "x:1|g\n", buf.String(), "no prefix: %q", buf.String())
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	w.n++
	return 0, errors.New("boom")
}

func TestClientReturnsWriteError(t *testing.T) {
	require.Error(t, NewClient(&failWriter{}, "").Incr("a", 1), "error swallowed")
}

// udpPair returns a receiving socket and a connection that sends to it.
func udpPair(t *testing.T) (net.PacketConn, net.Conn) {
	t.Helper()
	rx, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { rx.Close() })
	tx, err := net.Dial("udp", rx.LocalAddr().String())
	require.NoError(t, err)
	t.Cleanup(func() { tx.Close() })
	return rx, tx
}

func receive(t *testing.T, rx net.PacketConn, n int) []string {
	t.Helper()
	rx.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 65536)
	var got []string
	for range n {
		k, _, err := rx.ReadFrom(buf)
		require.NoError(t, err, "after %d datagrams", len(got))
		got = append(got, string(buf[:k]))
	}
	return got
}

func TestClientOverUDP(t *testing.T) {
	rx, tx := udpPair(t)
	c := NewClient(tx, "nsq.a_1.")
	c.Incr("topic.t.message_count", 7)
	c.Gauge("topic.t.channel.c.clients", 2)
	got := receive(t, rx, 2)
	require.Equal(t, "nsq.a_1.topic.t.message_count:7|c\n", got[0], "datagrams %q", got)
	require.Equal(t, "nsq.a_1.topic.t.channel.c.clients:2|g\n", got[1], "datagrams %q", got)
}
