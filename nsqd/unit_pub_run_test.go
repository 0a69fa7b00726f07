package nsqd

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// runMessages returns n messages with distinct ids and bodies "m0".."m<n-1>".
func runMessages(n int) []*Message {
	ms := make([]*Message, n)
	for i := range ms {
		ms[i] = testMessage(fmt.Sprintf("%016x", i+1), fmt.Sprint("m", i))
	}
	return ms
}

// bodiesIn decodes every record waiting in the fake backend.
func bodiesIn(t *testing.T, q *queue, b *fakeBackend) []string {
	var out []string
	for len(b.ch) > 0 {
		m, _, err := q.decode((<-b.ch).Data)
		require.NoError(t, err)
		out = append(out, string(m.Body))
	}
	return out
}

// With --mem-queue-size=0 a run of messages goes to each channel's disk
// queue in one write, in order, and counts once per message.
func TestTopicPutMessageRunOneDiskWritePerChannel(t *testing.T) {
	d := newFakeDeps(t, 0)
	top := newTopic("t", &d.queueDeps, func(*Topic) {})
	defer top.Close()
	top.Start()
	one, two := top.GetChannel("one"), top.GetChannel("two")
	n, err := top.PutMessageRun(runMessages(10))
	require.NoError(t, err)
	require.Equal(t, 10, n)
	want := []string{"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"}
	for _, c := range []*Channel{one, two} {
		b := d.backend("t:" + c.name)
		require.EqualValues(t, 1, b.batches.Load(), "disk writes of channel %s", c.name)
		require.Equal(t, want, bodiesIn(t, c.q, b), "channel %s", c.name)
		require.EqualValues(t, 10, c.messageCount.Load(), "channel %s", c.name)
	}
	require.EqualValues(t, 10, top.messageCount.Load())
	require.Zero(t, d.backend("t").puts.Load(), "the run went through the topic's own queue")
}

// shortBackend takes only room more records, then fails as a full disk.
type shortBackend struct {
	*fakeBackend
	room int
}

func (b *shortBackend) PutBatch(recs [][]byte) (int, error) {
	k := min(len(recs), b.room)
	b.room -= k
	n, err := b.fakeBackend.PutBatch(recs[:k])
	if err == nil && k < len(recs) {
		err = errFakeFull
	}
	return n, err
}

// A channel whose disk fills part-way through a run stops it there: the
// run reports as published only the messages every channel took, with the
// disk's error, and counts only those.
func TestTopicPutMessageRunStopsWhereAChannelsDiskFilled(t *testing.T) {
	d := newFakeDeps(t, 0)
	short := &shortBackend{fakeBackend: newFakeBackend(), room: 4}
	d.newBackend = func(name string, _ bool) BackendQueue {
		if name == "t:short" {
			return short
		}
		return d.backend(name)
	}
	top := newTopic("t", &d.queueDeps, func(*Topic) {})
	defer top.Close()
	top.Start()
	top.GetChannel("ok")
	top.GetChannel("short")
	n, err := top.PutMessageRun(runMessages(10))
	require.ErrorIs(t, err, errFakeFull)
	require.Equal(t, 4, n)
	require.EqualValues(t, 4, top.messageCount.Load())
	require.Len(t, short.ch, 4)
}

// A run to a topic with no channel yet waits in the topic's queue, in
// order.
func TestTopicPutMessageRunQueuesWithoutChannels(t *testing.T) {
	for _, memQueue := range []int64{0, 4, 100} {
		t.Run(fmt.Sprint("mem-queue-size=", memQueue), func(t *testing.T) {
			d := newFakeDeps(t, memQueue)
			top := newTopic("t", &d.queueDeps, func(*Topic) {})
			defer top.Close()
			ms := runMessages(10)
			n, err := top.PutMessageRun(ms)
			require.NoError(t, err)
			require.Equal(t, 10, n)
			require.EqualValues(t, 10, top.Depth())
			var got []*Message
			for m := top.q.mem.pop(); m != nil; m = top.q.mem.pop() {
				got = append(got, m)
			}
			require.Len(t, got, int(min(memQueue, 10)), "in memory")
			require.Equal(t, bodiesOf(ms[:len(got)]), bodiesOf(got), "memory queue order")
			require.Equal(t, bodiesOf(ms[len(got):]), bodiesIn(t, top.q, d.backend("t")), "disk queue order")
		})
	}
}

func bodiesOf(ms []*Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Body))
	}
	return out
}

// bufferedPUBs takes whole PUBs to its topic from the start of the buffer
// and stops at the first command that is anything else: another topic, a
// body not yet all there, a size the command loop would refuse, or the
// limit of bodies it may fill.
func TestBufferedPUBs(t *testing.T) {
	run := appendPUB(appendPUB(nil, "t", []byte("one")), "t", []byte("two!"))
	cases := []struct {
		name  string
		tail  []byte
		limit int
		want  []string
	}{
		{"all of the buffer", nil, 8, []string{"one", "two!"}},
		{"up to the limit", appendPUB(nil, "t", []byte("x")), 2, []string{"one", "two!"}},
		{"another topic", appendPUB(nil, "u", []byte("x")), 8, []string{"one", "two!"}},
		{"a topic with the same prefix", appendPUB(nil, "tt", []byte("x")), 8, []string{"one", "two!"}},
		{"another command", []byte("NOP\n"), 8, []string{"one", "two!"}},
		{"a body not all there", appendPUB(nil, "t", []byte("body"))[:10], 8, []string{"one", "two!"}},
		{"an empty body", appendPUB(nil, "t", nil), 8, []string{"one", "two!"}},
		{"a body over the maximum", appendPUB(nil, "t", make([]byte, 11)), 8, []string{"one", "two!"}},
		{"a body at the maximum", appendPUB(nil, "t", []byte("0123456789")), 8, []string{"one", "two!", "0123456789"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			buf := append(append([]byte(nil), run...), tc.tail...)
			bodies := make([][]byte, tc.limit)
			n, span, total := bufferedPUBs(buf, "t", 10, bodies)
			var got []string
			wantSpan, wantTotal := 0, 0
			for _, b := range bodies[:n] {
				got = append(got, string(b))
				wantSpan += len("PUB t\n") + 4 + len(b)
				wantTotal += len(b)
			}
			require.Equal(t, tc.want, got)
			require.Equal(t, wantSpan, span)
			require.Equal(t, wantTotal, total)
		})
	}
	n, span, total := bufferedPUBs([]byte("PUB"), "t", 10, make([][]byte, 4))
	require.Zero(t, n+span+total, "a partial command")
}

// A run into channels whose memory queues have room for only part of it
// fills each memory queue first and sends the rest to its disk queue, in
// order, counting every message once.
func TestTopicPutMessageRunFillsChannelMemoryThenDisk(t *testing.T) {
	d := newFakeDeps(t, 4)
	top := newTopic("t", &d.queueDeps, func(*Topic) {})
	defer top.Close()
	top.Start()
	one, two := top.GetChannel("one"), top.GetChannel("two")
	n, err := top.PutMessageRun(runMessages(10))
	require.NoError(t, err)
	require.Equal(t, 10, n)
	for _, c := range []*Channel{one, two} {
		var inMem []string
		for m := c.popQueued(); m != nil; m = c.popQueued() {
			inMem = append(inMem, string(m.Body))
		}
		require.Equal(t, []string{"m0", "m1", "m2", "m3"}, inMem, "memory queue of channel %s", c.name)
		require.Equal(t, []string{"m4", "m5", "m6", "m7", "m8", "m9"}, bodiesIn(t, c.q, d.backend("t:"+c.name)), "disk queue of channel %s", c.name)
		require.EqualValues(t, 10, c.messageCount.Load(), "channel %s", c.name)
	}
}
