package nsqd

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"net"
	"testing"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

// runInternalNSQD is the one starter of the tests inside package nsqd,
// which cannot use testcluster (it imports nsqd: an import cycle). The
// tests of package nsqd_test start theirs with startNSQD. It runs a silent
// nsqd on loopback ephemeral TCP and HTTP ports, without HTTPS, keeping its
// data in dataPath; configure adjusts the options and setup the daemon
// before it starts. The caller stops it with Exit.
func runInternalNSQD(dataPath string, configure func(*Options), setup ...func(*NSQD)) (*NSQD, error) {
	opts := quietLocalOptions(dataPath)
	configure(opts)
	n, err := New(opts)
	if err != nil {
		return nil, err
	}
	for _, f := range setup {
		f(n)
	}
	go n.Main()
	return n, nil
}

// quietLocalOptions: loopback listeners, no HTTPS, data in dataPath, no
// log output.
func quietLocalOptions(dataPath string) *Options {
	opts := NewOptions()
	opts.TCPAddress, opts.HTTPAddress, opts.HTTPSAddress = "127.0.0.1:0", "127.0.0.1:0", ""
	opts.DataPath = dataPath
	opts.Logger = lg.NilLogger{}
	opts.LogLevel = lg.ERROR
	return opts
}

// benchNSQD runs an nsqd for a benchmark (see runInternalNSQD) until it
// ends.
func benchNSQD(b *testing.B, memQueue int64, setup ...func(*NSQD)) *NSQD {
	b.Helper()
	n, err := runInternalNSQD(b.TempDir(), func(o *Options) { o.MemQueueSize = memQueue }, setup...)
	require.NoError(b, err)
	b.Cleanup(n.Exit)
	return n
}

// benchConn opens a pipelining connection: the raw socket behind a
// test.Conn, with 64 KiB buffers and the V2 magic queued.
func benchConn(b *testing.B, n *NSQD) (net.Conn, *bufio.Reader, *bufio.Writer) {
	b.Helper()
	conn := test.Dial(b, n.RealTCPAddr().String()).NetConn()
	w := bufio.NewWriterSize(conn, 64*1024)
	w.WriteString(protocol.MagicV2)
	return conn, bufio.NewReaderSize(conn, 64*1024), w
}

func appendPUB(dst []byte, topic string, body []byte) []byte {
	dst = append(dst, "PUB "+topic+"\n"...)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(body)))
	return append(dst, body...)
}

// readOKs reads n response frames, failing on anything but OK. Here and in
// the other measured loops testify is called only once a check has failed:
// its Helper call would cost more than what is measured.
func readOKs(b *testing.B, r *bufio.Reader, n int) {
	for i := 0; i < n; i++ {
		ft, data, err := protocol.ReadFrame(r, 0)
		if err != nil || ft != protocol.FrameTypeResponse || !bytes.Equal(data, protocol.OKBytes) {
			require.NoError(b, err, "frame %d", i)
			require.Equal(b, "response OK", test.FrameTypeName(ft)+" "+string(data), "frame %d", i)
		}
	}
}

func BenchmarkMessageEncode(b *testing.B) {
	m := NewMessage(MessageID{'0'}, make([]byte, 100))
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = m.appendTo(buf[:0])
	}
}

func BenchmarkMessageDecode(b *testing.B) {
	m := NewMessage(MessageID{'0'}, make([]byte, 100))
	enc := m.appendTo(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeMessage(enc); err != nil {
			require.NoError(b, err)
		}
	}
}

func BenchmarkFrameEncode(b *testing.B) {
	data := make([]byte, 100)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = protocol.AppendFrame(buf[:0], protocol.FrameTypeResponse, data)
	}
}

func BenchmarkFrameDecode(b *testing.B) {
	frame := protocol.AppendFrame(nil, protocol.FrameTypeMessage, make([]byte, 126))
	r := bytes.NewReader(frame)
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(frame)
		if _, _, err := protocol.ReadFrame(r, 0); err != nil {
			require.NoError(b, err)
		}
	}
}

// BenchmarkProtocolV2PUB pipelines PUBs of 100 bytes in batches of 64 on
// one connection over loopback.
func BenchmarkProtocolV2PUB(b *testing.B) { benchPUB(b, benchNSQD(b, 10000000)) }

// BenchmarkProtocolV2PUBDisk pipelines PUBs to a topic with a channel and
// --mem-queue-size=0, so every message is written to the channel's disk
// queue before its OK.
func BenchmarkProtocolV2PUBDisk(b *testing.B) {
	n := benchNSQD(b, 0)
	n.GetTopic("bench").GetChannel("ch")
	benchPUB(b, n)
}

func benchPUB(b *testing.B, n *NSQD) {
	_, r, w := benchConn(b, n)
	const batch = 64
	var cmds []byte
	for i := 0; i < batch; i++ {
		cmds = appendPUB(cmds, "bench", make([]byte, 100))
	}
	b.SetBytes(100)
	b.ReportAllocs()
	for i := 0; i < b.N; i += batch {
		w.Write(cmds)
		w.Flush()
		readOKs(b, r, batch)
	}
}

// BenchmarkProtocolV2MPUB publishes batches of 100 × 100 bytes.
func BenchmarkProtocolV2MPUB(b *testing.B) {
	n := benchNSQD(b, 10000000)
	_, r, w := benchConn(b, n)
	const batch = 100
	var body []byte
	body = binary.BigEndian.AppendUint32(body, batch)
	for i := 0; i < batch; i++ {
		body = binary.BigEndian.AppendUint32(body, 100)
		body = append(body, make([]byte, 100)...)
	}
	cmd := append([]byte("MPUB bench\n"), binary.BigEndian.AppendUint32(nil, uint32(len(body)))...)
	cmd = append(cmd, body...)
	b.SetBytes(100)
	b.ReportAllocs()
	for i := 0; i < b.N; i += batch {
		w.Write(cmd)
		w.Flush()
		readOKs(b, r, 1)
	}
}

// BenchmarkProtocolV2Deliver measures delivery of pre-published 100-byte
// messages to one consumer that FINs each, over loopback.
func BenchmarkProtocolV2Deliver(b *testing.B) { benchDeliver(b, 10000000, "") }

// BenchmarkProtocolV2DeliverDisk is BenchmarkProtocolV2Deliver with
// --mem-queue-size=0: every message is read from the channel's disk queue
// and every FIN goes through the durable bookkeeping.
func BenchmarkProtocolV2DeliverDisk(b *testing.B) { benchDeliver(b, 0, "") }

// BenchmarkProtocolV2DeliverUnbuffered is BenchmarkProtocolV2Deliver to a
// consumer with output buffering off, flushed after every delivery.
func BenchmarkProtocolV2DeliverUnbuffered(b *testing.B) {
	benchDeliver(b, 10000000, `{"output_buffer_size":-1}`)
}

// benchDeliver measures delivery to one consumer, which sends IDENTIFY
// with identify first unless it is empty.
func benchDeliver(b *testing.B, memQueue int64, identify string) {
	n := benchNSQD(b, memQueue)
	t := n.GetTopic("bench")
	t.GetChannel("ch")
	for i := 0; i < b.N; i++ {
		t.PutMessage(NewMessage(t.GenerateID(), make([]byte, 100)))
	}
	_, r, w := benchConn(b, n)
	if identify != "" {
		w.Write(test.AppendCmd(nil, "IDENTIFY", uint32(len(identify)), []byte(identify)))
		w.Flush()
		readOKs(b, r, 1)
	}
	w.WriteString("SUB bench ch\nRDY 2500\n")
	w.Flush()
	readOKs(b, r, 1)
	b.SetBytes(100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ft, data, err := protocol.ReadFrame(r, 0)
		if err != nil || ft != protocol.FrameTypeMessage {
			require.NoError(b, err, "frame %d", i)
			require.Equal(b, "message", test.FrameTypeName(ft), "frame %d: %q", i, data)
		}
		w.WriteString("FIN ")
		w.Write(data[10:26])
		w.WriteByte('\n')
		if r.Buffered() == 0 {
			w.Flush()
		}
	}
	w.Flush()
}

// BenchmarkTopicPutDisk measures publishing through the disk queue.
func BenchmarkTopicPutDisk(b *testing.B) {
	n := benchNSQD(b, 0)
	t := n.GetTopic("bench")
	body := make([]byte, 100)
	b.SetBytes(100)
	b.ReportAllocs()
	for b.Loop() {
		if err := t.PutMessage(NewMessage(t.GenerateID(), body)); err != nil {
			require.NoError(b, err)
		}
	}
}
