package statsd

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkClientIncr formats one line straight to a writer.
func BenchmarkClientIncr(b *testing.B) {
	c := NewClient(io.Discard, "nsq.myhost_example_4151.")
	b.ReportAllocs()
	for b.Loop() {
		c.Incr("topic.some_topic.channel.some_channel.message_count", 123456789)
	}
}

// BenchmarkPush builds and packs the lines of a push of 100 channels
// (about 1000 lines) into 508-byte datagrams, reusing the Packer.
func BenchmarkPush(b *testing.B) {
	p := NewPacker(508)
	c := NewClient(p, "nsq.myhost_example_4151.")
	b.ReportAllocs()
	for b.Loop() {
		p.Reset()
		for i := range 1000 {
			c.Gauge("topic.some_topic.channel.some_channel.depth", int64(i))
		}
		require.NoError(b, Spread(io.Discard, p.Packets(), 0, nil))
	}
}
