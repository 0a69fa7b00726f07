package nsqd_test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/klauspost/compress/flate"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// Delivery throughput of a plain, a snappy and a deflate consumer: b.N
// messages of 100–1000 bytes are queued in the channel beforehand, then a
// raw client subscribes and FINs them all through its compressed stream.
// wire-B/msg is what the server sent per message on the socket.
func BenchmarkDeliverCompression(b *testing.B) {
	for _, mode := range []string{"plain", "snappy", "deflate"} {
		b.Run(mode, func(b *testing.B) { xBenchDeliver(b, mode) })
	}
}

// xBenchBodies are log-like bodies of 100–1000 bytes, about as
// compressible as real JSON events.
var xBenchBodies = func() [][]byte {
	rng := rand.New(rand.NewPCG(42, 42))
	out := make([][]byte, 512)
	for i := range out {
		size := 100 + rng.IntN(901)
		b := make([]byte, 0, size+64)
		for len(b) < size {
			b = fmt.Appendf(b, `{"ts":%d,"level":"info","user":%d,"action":"view","path":"/items/%d"}`,
				1700000000+rng.IntN(1e6), rng.IntN(1e5), rng.IntN(1e4))
		}
		out[i] = b[:size]
	}
	return out
}()

func xBenchDeliver(b *testing.B, mode string) {
	n := xBenchNSQD(b)
	n.CreateChannel(b, "t", "c")
	total := xBenchPublish(b, n, b.N)

	// Raw socket: the stream is switched to snappy or deflate by hand.
	nc := test.Dial(b, n.TCPAddr).NetConn()
	counted := &xCountingReader{r: nc}
	r, w, flush := xBenchUpgrade(b, nc, counted, mode)

	b.ReportAllocs()
	b.SetBytes(total / int64(b.N))
	b.ResetTimer()
	io.WriteString(w, "SUB t c\nRDY 2500\n")
	flush()
	xBenchExpectOK(b, r)
	var buf []byte
	for got := 0; got < b.N; {
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		ft, data, err := xBenchReadFrame(r, &buf)
		if err != nil { // testify only on failure: its Helper call costs more than a frame
			require.NoError(b, err, "after %d messages", got)
		}
		if ft != protocol.FrameTypeMessage {
			if ft == protocol.FrameTypeResponse && string(data) == "_heartbeat_" {
				io.WriteString(w, "NOP\n")
				continue
			}
			require.FailNow(b, "unexpected frame", "%d %q", ft, data)
		}
		w.Write([]byte("FIN "))
		w.Write(data[10:26])
		w.Write([]byte{'\n'})
		got++
		if got%500 == 0 || got == b.N {
			flush()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(counted.n)/float64(b.N), "wire-B/msg")
}

// xBenchNSQD starts a quiet nsqd; all b.N messages stay in memory.
func xBenchNSQD(b *testing.B) *testcluster.NSQD {
	b.Helper()
	return startNSQD(b, testcluster.Quiet(), func(o *nsqd.Options) {
		o.MemQueueSize = int64(max(b.N, 1000))
	})
}

// xBenchPublish queues count messages with MPUB batches over one TCP
// connection and returns their total size.
func xBenchPublish(b *testing.B, n *testcluster.NSQD, count int) int64 {
	b.Helper()
	nc := test.Dial(b, n.TCPAddr).NetConn()
	defer nc.Close()
	w := bufio.NewWriterSize(nc, 256<<10)
	r := bufio.NewReader(nc)
	w.WriteString(protocol.MagicV2)
	var total int64
	for sent := 0; sent < count; {
		batch := make([][]byte, 0, 1000)
		for ; sent < count && len(batch) < cap(batch); sent++ {
			body := xBenchBodies[sent%len(xBenchBodies)]
			batch = append(batch, body)
			total += int64(len(body))
		}
		mpub := test.MPUBBody(batch)
		w.WriteString("MPUB t\n")
		w.Write(binary.BigEndian.AppendUint32(nil, uint32(len(mpub))))
		w.Write(mpub)
		require.NoError(b, w.Flush())
		xBenchExpectOK(b, r)
	}
	return total
}

// xBenchUpgrade identifies with the given compression and returns the
// reader and writer of the resulting stream and a flush function. Bytes
// from the server are read through counted.
func xBenchUpgrade(b *testing.B, nc net.Conn, counted io.Reader, mode string) (io.Reader, io.Writer, func()) {
	b.Helper()
	fields := map[string]any{"feature_negotiation": true, "output_buffer_size": 64 << 10}
	if mode != "plain" {
		fields[mode] = true
	}
	body, _ := json.Marshal(fields)
	cmd := append([]byte(protocol.MagicV2+"IDENTIFY\n"), binary.BigEndian.AppendUint32(nil, uint32(len(body)))...)
	_, err := nc.Write(append(cmd, body...))
	require.NoError(b, err)
	// Read the JSON frame without reading ahead into the upgraded stream.
	var buf []byte
	ft, data, err := xBenchReadFrame(counted, &buf)
	require.NoError(b, err, "IDENTIFY")
	require.Equal(b, protocol.FrameTypeResponse, ft, "IDENTIFY: %q", data)
	switch mode {
	case "snappy":
		r := bufio.NewReaderSize(snappy.NewReader(counted), 64<<10)
		w := snappy.NewBufferedWriter(nc)
		xBenchExpectOK(b, r)
		return r, w, func() { w.Flush() }
	case "deflate":
		r := bufio.NewReaderSize(flate.NewReader(counted), 64<<10)
		fw, err := flate.NewWriter(nc, 6)
		require.NoError(b, err)
		w := bufio.NewWriter(fw)
		xBenchExpectOK(b, r)
		return r, w, func() { w.Flush(); fw.Flush() }
	}
	w := bufio.NewWriter(nc)
	return bufio.NewReaderSize(counted, 64<<10), w, func() { w.Flush() }
}

// xBenchReadFrame reads a frame into *buf, reusing it.
func xBenchReadFrame(r io.Reader, buf *[]byte) (int32, []byte, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	size := int(binary.BigEndian.Uint32(hdr[:4])) - 4
	if size < 0 || size > test.MaxFrameSize {
		return 0, nil, fmt.Errorf("bad frame size %d", size+4)
	}
	if cap(*buf) < size {
		*buf = make([]byte, size)
	}
	data := (*buf)[:size]
	if _, err := io.ReadFull(r, data); err != nil {
		return 0, nil, err
	}
	return int32(binary.BigEndian.Uint32(hdr[4:])), data, nil
}

func xBenchExpectOK(b *testing.B, r io.Reader) {
	b.Helper()
	var buf []byte
	ft, data, err := xBenchReadFrame(r, &buf)
	require.NoError(b, err)
	require.Equal(b, "response OK", test.FrameTypeName(ft)+" "+string(data))
}

// xCountingReader counts the bytes read through it.
type xCountingReader struct {
	r io.Reader
	n int64
}

func (c *xCountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
