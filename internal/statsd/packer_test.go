package statsd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPackerPacksWholeLines(t *testing.T) {
	p := NewPacker(20)
	for _, l := range []string{"aaaaaaaa\n", "bbbbbbbbb\n", "c\n", "dddddddddddddddddd\n", "eeeeeeeeeeeeeeeeeeeeeeeeee\n", "f\n"} {
		n, err := p.Write([]byte(l))
		require.Equal(t, len(l), n, "Write = %d, %v", n, err)
		require.NoError(t, err, "Write = %d, %v", n, err)
	}
	p.Write(nil)
	want := []string{
		"aaaaaaaa\nbbbbbbbbb\n",        // exactly 20
		"c\n",                          // next line would make 21
		"dddddddddddddddddd\n",         // 19
		"eeeeeeeeeeeeeeeeeeeeeeeeee\n", // oversized line alone
		"f\n",
	}
	got := p.Packets()
	require.Equal(t, fmt.Sprintf("%q", want), fmt.Sprintf("%q", got))
	require.Len(t, p.Packets(), len(want), "Packets not idempotent")
	p.Reset()
	require.Empty(t, p.Packets(), "Reset left packets")
	p.Write([]byte("x\n"))
	require.Equal(t, [][]byte{[]byte("x\n")}, p.Packets(), "after reset")
}

func TestPackerTinySize(t *testing.T) {
	p := NewPacker(0)
	p.Write([]byte("a\n"))
	p.Write([]byte("b\n"))
	require.Len(t, p.Packets(), 2)
}

func TestPackerPacketsAreIndependent(t *testing.T) {
	p := NewPacker(4)
	p.Write([]byte("ab\n"))
	p.Write([]byte("cd\n"))
	got := p.Packets()
	got[0] = append(got[0], 'X') // capacity is clipped: must not touch the next packet
	require.Equal(t, "cd\n", string(got[1]), "packet overwritten: %q", got[1])
}

func TestPackedMetricsOverUDP(t *testing.T) {
	const size = 508
	rx, tx := udpPair(t)
	p := NewPacker(size)
	c := NewClient(p, Prefix("nsq.%s", "myhost.example", 37231))
	var all strings.Builder
	for i := range 60 {
		c.Incr(fmt.Sprintf("topic.t%02d.message_count", i), int64(i*1000))
		c.Gauge(fmt.Sprintf("topic.t%02d.depth", i), int64(i))
		fmt.Fprintf(&all, "nsq.myhost_example_37231.topic.t%02d.message_count:%d|c\n", i, i*1000)
		fmt.Fprintf(&all, "nsq.myhost_example_37231.topic.t%02d.depth:%d|g\n", i, i)
	}
	packets := p.Packets()
	require.NoError(t, Spread(tx, packets, 0, nil))
	got := receive(t, rx, len(packets))
	var joined strings.Builder
	for i, d := range got {
		require.Equal(t, string(packets[i]), d, "datagram %d = %q", i, d)
		require.LessOrEqual(t, len(d), size, "datagram %d: %d bytes, ends %q", i, len(d), d[len(d)-1:])
		require.True(t, strings.HasSuffix(d, "\n"), "datagram %d: %d bytes, ends %q", i, len(d), d[len(d)-1:])
		// packing is greedy: the next datagram's first line did not fit
		if i+1 < len(got) {
			next := got[i+1][:strings.IndexByte(got[i+1], '\n')+1]
			require.Greater(t, len(d)+len(next), size, "datagram %d (%d bytes) could have taken %q", i, len(d), next)
		}
		joined.WriteString(d)
	}
	require.Equal(t, all.String(), joined.String(), "datagrams do not reassemble into the lines written")
	require.GreaterOrEqual(t, len(packets), 10, "only %d datagrams for %d bytes", len(packets), all.Len())
}
