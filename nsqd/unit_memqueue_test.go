package nsqd

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seqMsgs returns n messages whose Timestamp is their sequence number,
// starting at from.
func seqMsgs(from, n int) []*Message {
	ms := make([]*Message, n)
	for i := range ms {
		ms[i] = &Message{Timestamp: int64(from + i)}
	}
	return ms
}

func mustPush(t *testing.T, q *memQueue, ms []*Message) {
	t.Helper()
	for _, m := range ms {
		require.True(t, q.push(m), "push of message %d refused with %d queued, limit %d", m.Timestamp, q.len(), q.limit)
	}
}

// expectPops pops len(want) messages and checks they are exactly want.
func expectPops(t *testing.T, q *memQueue, want []*Message) {
	t.Helper()
	for i, w := range want {
		require.Same(t, w, q.pop(), "pop %d, want message %d", i, w.Timestamp)
	}
}

func pendingSignal(q *memQueue) bool {
	select {
	case <-q.ready:
		return true
	default:
		return false
	}
}

func TestMemQueueFIFO(t *testing.T) {
	q := newMemQueue(100)
	ms := seqMsgs(0, 100)
	mustPush(t, q, ms)
	require.EqualValues(t, 100, q.len(), "len")
	expectPops(t, q, ms)
	require.Nil(t, q.pop(), "pop of empty queue")
	require.EqualValues(t, 0, q.len(), "len")
}

func TestMemQueueLimitZeroNeverAccepts(t *testing.T) {
	q := newMemQueue(0)
	for i := 0; i < 3; i++ {
		require.False(t, q.push(&Message{}), "queue with limit 0 accepted a message")
	}
	require.EqualValues(t, 0, q.len(), "limit-0 queue holds something: len")
	require.Nil(t, q.pop(), "limit-0 queue holds something: len")
	require.Nil(t, q.head, "limit-0 queue holds a block")
	require.False(t, pendingSignal(q), "refused push signalled a consumer")
}

func TestMemQueueLimitReached(t *testing.T) {
	for _, limit := range []int{1, 3, 16, 17, 40} {
		q := newMemQueue(int64(limit))
		ms := seqMsgs(0, limit)
		mustPush(t, q, ms)
		require.False(t, q.push(&Message{Timestamp: -1}), "limit %d: push accepted over the limit", limit)
		require.LessOrEqual(t, slots(q), limit, "limit %d: more slots than the limit", limit)
		// One slot frees, one more fits, and order is kept.
		expectPops(t, q, ms[:1])
		extra := &Message{Timestamp: int64(limit)}
		require.True(t, q.push(extra), "limit %d: push refused after a pop", limit)
		require.False(t, q.push(&Message{Timestamp: -1}), "limit %d: push accepted over the limit after wrap", limit)
		expectPops(t, q, append(ms[1:], extra))
	}
}

// slots counts the slots of the blocks a queue holds.
func slots(q *memQueue) int {
	n := 0
	for b := q.head; b != nil; b = b.next {
		n += len(b.msgs)
	}
	return n
}

func TestMemQueueGrowsByChainingBlocks(t *testing.T) {
	q := newMemQueue(1000)
	first := seqMsgs(0, 12)
	mustPush(t, q, first)
	expectPops(t, q, first[:8])
	head := q.head
	require.Len(t, head.msgs, firstBlock, "first block")
	require.Equal(t, 8, q.hi, "oldest slot")
	more := seqMsgs(12, 100) // fills the first block, then chains 32, 64
	mustPush(t, q, more)
	require.Same(t, head, q.head, "growing moved the queued messages")
	require.Equal(t, firstBlock+32+64, slots(q), "slots")
	expectPops(t, q, first[8:])
	expectPops(t, q, more[:4]) // the rest of the first block
	// The used-up first block is dropped and kept aside, cleared.
	require.NotSame(t, head, q.head, "used-up block still heads the queue")
	require.Same(t, head, q.spare, "used-up block not kept aside")
	for i, m := range head.msgs {
		require.Nil(t, m, "used-up block still references message %d", i)
	}
	expectPops(t, q, more[4:])
}

func TestMemQueueBlocksStopAtMax(t *testing.T) {
	q := newMemQueue(100000)
	mustPush(t, q, seqMsgs(0, 5000))
	for b := q.head; b != nil; b = b.next {
		require.LessOrEqual(t, len(b.msgs), maxBlock, "block size")
	}
	require.Equal(t, 5000, q.len())
}

// TestMemQueueSteadyFlowAllocatesNothing: a queue that keeps a backlog of
// several blocks while messages flow through it reuses the block it kept
// aside instead of allocating one per block's worth of messages.
func TestMemQueueSteadyFlowAllocatesNothing(t *testing.T) {
	q := newMemQueue(100000)
	m := &Message{}
	for range 3 * maxBlock {
		q.push(m)
	}
	allocs := testing.AllocsPerRun(10, func() {
		for range 4 * maxBlock {
			q.push(m)
			q.pop()
		}
	})
	require.Zero(t, allocs, "allocations per %d messages through the queue", 4*maxBlock)
}

func TestMemQueueShrinksWhenEmptied(t *testing.T) {
	q := newMemQueue(10000)
	ms := seqMsgs(0, 600) // the last block has 512 slots
	mustPush(t, q, ms)
	require.Greater(t, len(q.tail.msgs), shrinkAbove, "last block")
	expectPops(t, q, ms[:599])
	require.NotNil(t, q.head, "block released while a message remains")
	expectPops(t, q, ms[599:])
	require.Nil(t, q.head, "emptied large block kept")
	require.Nil(t, q.tail, "emptied large block kept")
	require.Nil(t, q.spare, "emptied queue keeps a spare block")
	again := seqMsgs(600, 20)
	mustPush(t, q, again)
	expectPops(t, q, again)

	// A small block is kept for reuse, started over.
	require.NotNil(t, q.head, "small block")
	require.Same(t, q.head, q.tail, "emptied queue keeps more than one block")
	require.LessOrEqual(t, len(q.head.msgs), shrinkAbove, "small block")
	require.Zero(t, q.hi, "small block: oldest slot")
	require.Zero(t, q.ti, "small block: next free slot")
	for _, m := range q.head.msgs {
		require.Nil(t, m, "emptied block still references a message")
	}
}

func TestMemQueueScanCrossesBlocks(t *testing.T) {
	q := newMemQueue(1000)
	ms := seqMsgs(0, 70)
	mustPush(t, q, ms)
	expectPops(t, q, ms[:5])
	var got []*Message
	q.scan(func(m *Message) bool { got = append(got, m); return true })
	require.Equal(t, ms[5:], got, "scan")
	got = got[:0]
	q.scan(func(m *Message) bool { got = append(got, m); return len(got) < 20 })
	require.Equal(t, ms[5:25], got, "scan stopped by f")
}

func TestMemQueuePopBatch(t *testing.T) {
	q := newMemQueue(100)
	ms := seqMsgs(0, 10)
	mustPush(t, q, ms)
	pendingSignal(q)

	dst := make([]*Message, 4)
	var got []*Message
	for _, want := range []int{4, 4, 2, 0} {
		n := q.popBatch(dst)
		require.Equal(t, want, n, "popBatch")
		got = append(got, dst[:n]...)
		require.Equal(t, q.len() > 0, pendingSignal(q), "after popBatch: signal pending as messages remain")
	}
	for i := range ms {
		require.Equal(t, ms[i], got[i], "batch order broken at %d", i)
	}
	require.EqualValues(t, 0, q.popBatch(nil), "popBatch(nil)")
}

func TestMemQueueDrain(t *testing.T) {
	q := newMemQueue(100)
	ms := seqMsgs(0, 30)
	mustPush(t, q, ms)
	q.pop()
	var got []*Message
	q.drain(func(m *Message) { got = append(got, m) })
	require.Len(t, got, 29, "drained")
	for i, m := range got {
		require.Equal(t, ms[i+1], m, "drain order broken at %d", i)
	}
	require.EqualValues(t, 0, q.len(), "len")
	q.drain(func(*Message) { require.FailNow(t, "drain of empty queue called f") })
	// The queue is usable after a drain.
	mustPush(t, q, ms[:2])
	expectPops(t, q, ms[:2])
}

// TestMemQueueDrainAllowsPushFromCallback checks drain holds no lock while
// calling f.
func TestMemQueueDrainAllowsPushFromCallback(t *testing.T) {
	q := newMemQueue(10)
	mustPush(t, q, seqMsgs(0, 3))
	other := newMemQueue(10)
	n := 0
	q.drain(func(m *Message) {
		n++
		_ = q.len()
		other.push(m)
	})
	require.EqualValues(t, 3, n, "drained")
	require.EqualValues(t, 3, other.len(), "drained")
}

func TestMemQueueSignals(t *testing.T) {
	q := newMemQueue(10)
	require.False(t, pendingSignal(q), "new queue has a pending signal")
	mustPush(t, q, seqMsgs(0, 3))
	require.True(t, pendingSignal(q), "push did not signal")
	require.False(t, pendingSignal(q), "more than one signal pending for three pushes")
	q.pop() // two remain: passes the wake-up on
	require.True(t, pendingSignal(q), "pop with messages remaining did not signal")
	q.pop()
	pendingSignal(q)
	q.pop() // none remain: no signal
	require.False(t, pendingSignal(q), "pop of the last message signalled")
}

// TestMemQueueConcurrent runs producers against consumers that only look
// at the queue after a wake-up on q.ready: if a wake-up were lost, the
// remaining messages would never be consumed. Every message must be seen
// exactly once. Run with -race.
func TestMemQueueConcurrent(t *testing.T) {
	const (
		producers   = 4
		perProducer = 5000
		consumers   = 4
		total       = producers * perProducer
	)
	q := newMemQueue(64) // small, so producers often find it full
	seen := make([]atomic.Int32, total)
	var consumed atomic.Int64
	done := make(chan struct{})
	var doneOnce sync.Once
	record := func(m *Message) {
		seen[m.Timestamp].Add(1)
		if consumed.Add(1) == total {
			doneOnce.Do(func() { close(done) })
		}
	}

	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Go(func() {
			for i := 0; i < perProducer; i++ {
				m := &Message{Timestamp: int64(p*perProducer + i)}
				for !q.push(m) {
					runtime.Gosched()
				}
			}
		})
	}
	for c := 0; c < consumers; c++ {
		batch := c%2 == 1
		wg.Go(func() {
			dst := make([]*Message, 7)
			for {
				select {
				case <-q.ready:
				case <-done:
					return
				}
				if batch {
					n := q.popBatch(dst)
					for _, m := range dst[:n] {
						record(m)
					}
				} else if m := q.pop(); m != nil {
					record(m)
				}
			}
		})
	}

	select {
	case <-done:
	case <-time.After(20 * time.Second):
		assert.Fail(t, "a wake-up was lost", "consumed %d of %d messages", consumed.Load(), total)
		doneOnce.Do(func() { close(done) })
	}
	wg.Wait()
	for i := range seen {
		require.EqualValues(t, 1, seen[i].Load(), "times message %d was seen", i)
	}
	require.EqualValues(t, 0, q.len(), "len")
}

// TestMemQueueConcurrentFIFOPerProducer checks that one consumer sees
// each producer's messages in the order they were pushed.
func TestMemQueueConcurrentFIFOPerProducer(t *testing.T) {
	const producers, perProducer = 3, 3000
	q := newMemQueue(32)
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Go(func() {
			for i := 0; i < perProducer; i++ {
				m := &Message{Timestamp: int64(p), Attempts: uint16(i)}
				for !q.push(m) {
					runtime.Gosched()
				}
			}
		})
	}
	next := make([]int, producers)
	timeout := time.After(20 * time.Second)
	for got := 0; got < producers*perProducer; {
		select {
		case <-q.ready:
		case <-timeout:
			require.FailNow(t, "stalled", "after %d messages", got)
		}
		for m := q.pop(); m != nil; m = q.pop() {
			require.Equal(t, next[m.Timestamp], int(m.Attempts), "producer %d: got %d, want %d", m.Timestamp, m.Attempts, next[m.Timestamp])
			next[m.Timestamp]++
			got++
		}
	}
	wg.Wait()
}

func BenchmarkMemQueuePushPop(b *testing.B) {
	b.ReportAllocs()
	q := newMemQueue(1024)
	m := &Message{}
	for b.Loop() {
		q.push(m)
		q.pop()
	}
}

func TestMemQueuePushBatchStopsAtLimit(t *testing.T) {
	q := newMemQueue(50)
	first := seqMsgs(0, 30)
	require.Equal(t, 30, q.pushBatch(first))
	require.True(t, pendingSignal(q), "pushBatch did not signal")
	require.False(t, pendingSignal(q), "more than one signal for one batch")
	more := seqMsgs(30, 30)
	require.Equal(t, 20, q.pushBatch(more), "batch over the limit")
	require.True(t, pendingSignal(q), "pushBatch did not signal")
	require.Zero(t, q.pushBatch(more[20:]), "batch into a full queue")
	require.False(t, pendingSignal(q), "a batch nothing of which was taken signalled")
	expectPops(t, q, append(first, more[:20]...))
	require.Zero(t, q.len())
}

// BenchmarkMemQueueBacklog queues a backlog of 100,000 messages and then
// drains it, as a burst of publishes with no consumer keeping up does:
// per message pushed and popped.
func BenchmarkMemQueueBacklog(b *testing.B) {
	const backlog = 100000
	b.ReportAllocs()
	m := &Message{}
	for b.Loop() {
		q := newMemQueue(backlog)
		for range backlog {
			q.push(m)
		}
		for q.pop() != nil {
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*backlog), "ns/msg")
}
