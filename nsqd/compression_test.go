package nsqd_test

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/klauspost/compress/flate"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	nsq "github.com/nsqio/go-nsq"
	"github.com/stretchr/testify/require"
)

// Black-box tests of snappy and deflate: IDENTIFY negotiation, the upgrade
// after the reply, their layering over TLS and the client fields of /stats.

// xSnappyStreamID is the snappy framing format's stream identifier chunk.
var xSnappyStreamID = []byte{0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59}

// xReadExactly reads n bytes from r within xWait (deadline on nc).
func xReadExactly(t testing.TB, nc net.Conn, r io.Reader, n int) []byte {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(xWait))
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	require.NoError(t, err, "reading %d bytes", n)
	return b
}

// xCompressedConn connects to n and negotiates mode ("snappy" or
// "deflate"), after TLS when tlsCfg is set; extra adds IDENTIFY fields.
// It reads the OK of every upgrade and returns a Conn that speaks
// through the compressed stream, plus the IDENTIFY response.
func xCompressedConn(t testing.TB, n *testcluster.NSQD, mode string, tlsCfg *tls.Config, extra map[string]any) (*test.Conn, map[string]any) {
	t.Helper()
	c, resp, _ := xCompressedConnCounting(t, n, mode, tlsCfg, extra)
	return c, resp
}

// xCompressedConnCounting is xCompressedConn that also counts the
// compressed bytes read from the server after the upgrade.
func xCompressedConnCounting(t testing.TB, n *testcluster.NSQD, mode string, tlsCfg *tls.Config, extra map[string]any) (*test.Conn, map[string]any, *xCountingReader) {
	t.Helper()
	c := test.DialV2(t, n.RealTCPAddr().String())
	// Compression runs inside each write's deadline.
	c.Timeout = 3 * xWait
	fields := map[string]any{"feature_negotiation": true, mode: true, "output_buffer_timeout": 25}
	if tlsCfg != nil {
		fields["tls_v1"] = true
	}
	for k, v := range extra {
		fields[k] = v
	}
	_, resp := xIdentifyRaw(t, c, fields)
	xWantFields(t, resp, map[string]any{mode: true, "tls_v1": tlsCfg != nil})
	nc := c.NetConn()
	var under io.ReadWriter = nc
	if tlsCfg != nil {
		tc := xHandshake(t, nc, tlsCfg)
		xExpectRawOK(t, nc, tc)
		under = tc
	}
	counted := &xCountingReader{r: under}
	switch mode {
	case "snappy":
		id := xReadExactly(t, nc, counted, len(xSnappyStreamID))
		require.Equal(t, xSnappyStreamID, id, "snappy stream starts % x, want % x")
		c.SetStream(snappy.NewReader(io.MultiReader(bytes.NewReader(id), counted)), snappy.NewBufferedWriter(under))
	case "deflate":
		level := int(resp["deflate_level"].(float64))
		w, err := flate.NewWriter(under, level)
		require.NoError(t, err)
		c.SetStream(flate.NewReader(counted), w)
	default:
		require.FailNow(t, "unknown compression", "%q", mode)
	}
	c.ExpectOK(t)
	return c, resp, counted
}

// xMixedBodies returns small and large bodies, compressible and not,
// several of them larger than a 64 KiB snappy chunk. Deflate has no
// chunks, and compressing large random bodies at level 9 is slow under the
// race detector, so xDeflateBodies keeps only one large compressible body.
func xMixedBodies(seed uint64) [][]byte { return xBodiesOf(seed, true) }

func xDeflateBodies(seed uint64) [][]byte { return xBodiesOf(seed, false) }

func xBodiesOf(seed uint64, chunky bool) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	text := func(n int) []byte {
		return []byte(strings.Repeat("the quick brown fox jumps over the lazy dog ", n/44+1))[:n]
	}
	out := [][]byte{[]byte("a"), text(100), random(100), text(200 << 10), random(16 << 10)}
	if chunky {
		out = append(out, text(65536), random(65536), text(65537), random(70000), random(300<<10))
	}
	for i := range 200 {
		out = append(out, fmt.Appendf(nil, "message %d %s", i, text(i*13)))
	}
	return out
}

// xMPUBRoundTrip publishes bodies with one MPUB on pub and requires sub to
// receive them in order.
func xMPUBRoundTrip(t testing.TB, pub, sub *test.Conn, topic string, bodies [][]byte) {
	t.Helper()
	pub.CmdBody("MPUB "+topic, test.MPUBBody(bodies))
	pub.ExpectOK(t)
	sub.Cmd(fmt.Sprintf("RDY %d", len(bodies)))
	for i, want := range bodies {
		m := sub.ReadMessage(t)
		require.Equal(t, want, m.Body, "MPUB message %d: got %d bytes, want %d", i, len(m.Body), len(want))
		sub.Cmd("FIN " + m.ID)
	}
}

// xExpectCompressionStats checks the snappy/deflate/tls fields of the
// client connected from c's local address.
func xExpectCompressionStats(t testing.TB, n *testcluster.NSQD, c *test.Conn, snappy, deflate, tls bool) {
	t.Helper()
	cs := xClientStats(t, n, xLocal(c))
	require.Equal(t, snappy, cs["snappy"], "client stats snappy")
	require.Equal(t, deflate, cs["deflate"], "client stats deflate")
	require.Equal(t, tls, cs["tls"], "client stats tls")
}

func TestSnappyUpgradeRawFrames(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c := mustConnect(t, n)
	_, resp := xIdentifyRaw(t, c, map[string]any{"feature_negotiation": true, "snappy": true, "output_buffer_timeout": 25})
	xWantFields(t, resp, map[string]any{"snappy": true, "deflate": false, "tls_v1": false})

	// The OK frame through the snappy stream, byte for byte: the stream
	// identifier, then an uncompressed chunk (type 0x01, length 14) with
	// the masked CRC-32C of the 10-byte frame.
	nc := c.NetConn()
	got := xReadExactly(t, nc, nc, len(xSnappyStreamID)+18)
	frame := []byte{0, 0, 0, 6, 0, 0, 0, 0, 'O', 'K'}
	crc := crc32.Checksum(frame, crc32.MakeTable(crc32.Castagnoli))
	want := append([]byte(nil), xSnappyStreamID...)
	want = append(want, 0x01, 0x0e, 0x00, 0x00)
	want = binary.LittleEndian.AppendUint32(want, (crc>>15|crc<<17)+0xa282ead8)
	want = append(want, frame...)
	require.Equal(t, want, got, "after the IDENTIFY response\n got % x\nwant % x")
	c.SetStream(snappy.NewReader(io.MultiReader(bytes.NewReader(got), nc)), snappy.NewBufferedWriter(nc))
	c.ExpectOK(t)

	sub, _ := xCompressedConn(t, n, "snappy", nil, nil)
	xSubscribe(t, sub, "t", "c")
	bodies := xMixedBodies(1)
	xPubSub(t, c, sub, "t", bodies)
	xMPUBRoundTrip(t, c, sub, "t", bodies)

	xExpectCompressionStats(t, n, c, true, false, false)
	xExpectCompressionStats(t, n, sub, true, false, false)
	st := mustChannelStats(t, n, "t", "c")
	require.Equal(t, uint64(2*len(bodies)), st.MessageCount, "channel message_count %d, want %d", st.MessageCount, 2*len(bodies))
}

func TestDeflateUpgradeRawFrames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		max, requested, want int
	}{
		{6, 0, 6},  // ≤0 means 6
		{6, 3, 3},  // as requested
		{4, 9, 4},  // clamped to --max-deflate-level
		{4, 0, 4},  // the default is clamped too
		{9, 9, 9},  // highest
		{9, 1, 1},  // lowest
		{1, -5, 1}, // negative means 6, clamped
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("max %d requested %d", tc.max, tc.requested), func(t *testing.T) {
			t.Parallel()
			n := startNSQD(t, func(o *nsqd.Options) { o.MaxDeflateLevel = tc.max })
			c := mustConnect(t, n)
			c.Timeout = 3 * xWait
			_, resp := xIdentifyRaw(t, c, map[string]any{
				"feature_negotiation": true, "deflate": true, "deflate_level": tc.requested, "output_buffer_timeout": 25,
			})
			xWantFields(t, resp, map[string]any{
				"deflate": true, "deflate_level": tc.want, "max_deflate_level": tc.max, "snappy": false,
			})
			// Everything after the JSON frame is raw DEFLATE; each server
			// flush is a sync flush (an empty stored block, 00 00 ff ff),
			// so the OK decodes without waiting for more output. (The
			// delivery loop's own idle flushes may add further empty
			// blocks behind it.)
			nc := c.NetConn()
			var seen bytes.Buffer
			fr := flate.NewReader(io.TeeReader(nc, &seen))
			xExpectRawOK(t, nc, fr)
			require.True(t, bytes.Contains(seen.Bytes(), []byte{0, 0, 0xff, 0xff}), "deflate bytes of the OK frame % x contain no sync flush", seen.Bytes())
			w, err := flate.NewWriter(nc, tc.want)
			require.NoError(t, err)
			c.SetStream(fr, w)

			sub, _ := xCompressedConn(t, n, "deflate", nil, map[string]any{"deflate_level": tc.requested})
			xSubscribe(t, sub, "t", "c")
			bodies := xDeflateBodies(uint64(tc.max*10 + tc.want))[:40]
			xPubSub(t, c, sub, "t", bodies)
			xMPUBRoundTrip(t, c, sub, "t", bodies)
			xExpectCompressionStats(t, n, c, false, true, false)
			xExpectCompressionStats(t, n, sub, false, true, false)
		})
	}
}

// Compressible messages take far fewer bytes on the wire; incompressible
// ones barely grow (snappy falls back to uncompressed chunks).
func TestCompressionShrinksWire(t *testing.T) {
	t.Parallel()
	text := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog "), 6000) // 264000 bytes
	random := make([]byte, len(text))
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	for _, mode := range []string{"snappy", "deflate"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			n := startNSQD(t, nil)
			sub, _, counted := xCompressedConnCounting(t, n, mode, nil, nil)
			xSubscribe(t, sub, "t", "c")
			mustPublish(t, n, "t", string(text))
			before := counted.n
			sub.Cmd("RDY 1")
			m := sub.ReadMessage(t)
			require.Equal(t, text, m.Body, "got %d bytes, want the text", len(m.Body))
			sub.Cmd("FIN " + m.ID)
			require.LessOrEqual(t, counted.n-before, int64(len(text)/10), "%s: wire bytes for a %d-byte compressible message", mode, len(text))
			mustPublish(t, n, "t", string(random))
			before = counted.n
			sub.Cmd("RDY 1")
			m = sub.ReadMessage(t)
			require.True(t, bytes.Equal(m.Body, random), "got %d bytes, want the random body", len(m.Body))
			got := counted.n - before
			require.GreaterOrEqual(t, got, int64(len(random)), "%s: wire bytes for a %d-byte incompressible message", mode, len(random))
			require.LessOrEqual(t, got, int64(len(random))*101/100, "%s: wire bytes for a %d-byte incompressible message", mode, len(random))
		})
	}
}

func TestCompressionNegotiation(t *testing.T) {
	t.Parallel()

	t.Run("both requested", func(t *testing.T) {
		t.Parallel()
		n := startNSQD(t, nil)
		c := mustConnect(t, n)
		c.CmdBody("IDENTIFY", []byte(`{"feature_negotiation":true,"snappy":true,"deflate":true}`))
		c.ExpectFatal(t, "E_IDENTIFY_FAILED cannot enable both deflate and snappy compression")
	})

	t.Run("snappy disabled", func(t *testing.T) {
		t.Parallel()
		n := startNSQD(t, func(o *nsqd.Options) { o.SnappyEnabled = false })
		c := mustConnect(t, n)
		_, resp := xIdentifyRaw(t, c, map[string]any{"feature_negotiation": true, "snappy": true})
		xWantFields(t, resp, map[string]any{"snappy": false, "deflate": false})
		xExpectPlainStream(t, n, c)
		// Asking for both is no conflict when only deflate is available.
		d, resp := xCompressedConn(t, n, "deflate", nil, map[string]any{"snappy": true})
		xWantFields(t, resp, map[string]any{"snappy": false})
		d.CmdBody("PUB t", []byte("deflated"))
		d.ExpectOK(t)
	})

	t.Run("deflate disabled", func(t *testing.T) {
		t.Parallel()
		n := startNSQD(t, func(o *nsqd.Options) { o.DeflateEnabled = false })
		c := mustConnect(t, n)
		_, resp := xIdentifyRaw(t, c, map[string]any{"feature_negotiation": true, "deflate": true, "deflate_level": 2})
		// The level is reported even though deflate is off: the default,
		// not the requested one.
		xWantFields(t, resp, map[string]any{"deflate": false, "deflate_level": 6, "snappy": false})
		xExpectPlainStream(t, n, c)
		s, resp := xCompressedConn(t, n, "snappy", nil, map[string]any{"deflate": true})
		xWantFields(t, resp, map[string]any{"deflate": false})
		s.CmdBody("PUB t", []byte("snappied"))
		s.ExpectOK(t)
	})

	t.Run("without feature negotiation", func(t *testing.T) {
		t.Parallel()
		n := startNSQD(t, nil)
		c := mustConnect(t, n)
		require.Nil(t, c.Identify(t, map[string]any{"snappy": true}), "IDENTIFY answer, want OK")
		xExpectPlainStream(t, n, c)
	})
}

// xExpectPlainStream requires c to keep speaking plaintext: nothing but
// the response follows, and stats show no compression.
func xExpectPlainStream(t testing.TB, n *testcluster.NSQD, c *test.Conn) {
	t.Helper()
	pending, err := c.Pending(50 * time.Millisecond)
	require.NoError(t, err, "after the IDENTIFY response")
	require.False(t, pending, "server sent more after the IDENTIFY response")
	c.CmdBody("PUB t", []byte("plain"))
	c.ExpectOK(t)
	xExpectCompressionStats(t, n, c, false, false, false)
}

func TestTLSThenCompression(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)
	for _, mode := range []string{"snappy", "deflate"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			n := startNSQD(t, xTLSOptions(certs, nil))
			pub, _ := xCompressedConn(t, n, mode, xClientTLS(t, certs), nil)
			sub, _ := xCompressedConn(t, n, mode, xClientTLS(t, certs), nil)
			xSubscribe(t, sub, "t", "c")
			bodies := xMixedBodies(7)[:30]
			if mode == "deflate" {
				bodies = xDeflateBodies(7)[:30]
			}
			xPubSub(t, pub, sub, "t", bodies)
			xMPUBRoundTrip(t, pub, sub, "t", bodies)
			snappy, deflate := mode == "snappy", mode == "deflate"
			xExpectCompressionStats(t, n, pub, snappy, deflate, true)
			xExpectCompressionStats(t, n, sub, snappy, deflate, true)
		})
	}
}

func TestCompressionGoNSQ(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)
	cases := []struct {
		name    string
		tls     bool
		snappy  bool
		deflate int // level; 0 = off
	}{
		{"snappy", false, true, 0},
		{"deflate level 5", false, false, 5},
		{"deflate level 9 over max", false, false, 9},
		{"tls and snappy", true, true, 0},
		{"tls and deflate", true, false, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := startNSQD(t, xTLSOptions(certs, nil))
			cfg := nsq.NewConfig()
			cfg.Snappy = tc.snappy
			if tc.deflate > 0 {
				cfg.Deflate, cfg.DeflateLevel = true, tc.deflate
			}
			if tc.tls {
				cfg.TlsV1 = true
				cfg.TlsConfig = &tls.Config{RootCAs: xCAPool(t, certs)}
			}
			bodies := xMixedBodies(3)
			if tc.deflate > 0 {
				bodies = xDeflateBodies(3)
			}
			xGoNSQRoundTrip(t, n, cfg, "t", bodies)
			clients := xClients(t, xPlainHTTP, n.URL())
			require.Len(t, clients, 2, "want the go-nsq producer and consumer in /stats")
			for _, cs := range clients {
				require.Equal(t, tc.snappy, cs["snappy"])
				require.Equal(t, (tc.deflate > 0), cs["deflate"])
				require.Equal(t, tc.tls, cs["tls"])
				ua, _ := cs["user_agent"].(string)
				require.True(t, strings.HasPrefix(ua, "go-nsq/"), "user_agent %q", ua)
			}
		})
	}
}
