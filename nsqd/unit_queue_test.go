package nsqd

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/diskqueue"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

// fakeBackend is an in-memory BackendQueue: records wait in a buffered
// channel, and the next failures puts fail as a full disk would.
type fakeBackend struct {
	ch       chan diskqueue.Record
	failures atomic.Int32
	puts     atomic.Int32
	batches  atomic.Int32
	dones    atomic.Int32
}

var errFakeFull = errors.New("no space left on device")

func newFakeBackend() *fakeBackend { return &fakeBackend{ch: make(chan diskqueue.Record, 1024)} }

func (f *fakeBackend) Put(b []byte) error {
	f.puts.Add(1)
	if f.failures.Load() > 0 {
		f.failures.Add(-1)
		return errFakeFull
	}
	f.ch <- diskqueue.Record{Data: append([]byte(nil), b...)}
	return nil
}
func (f *fakeBackend) ReadChan() <-chan diskqueue.Record { return f.ch }

// PutBatch puts each record in order, up to the first refused, and counts
// the batch.
func (f *fakeBackend) PutBatch(b [][]byte) (int, error) {
	f.batches.Add(1)
	for i, r := range b {
		if err := f.Put(r); err != nil {
			return i, err
		}
	}
	return len(b), nil
}
func (f *fakeBackend) Done(diskqueue.Pos) { f.dones.Add(1) }
func (f *fakeBackend) Close() error       { return nil }
func (f *fakeBackend) Delete() error      { return nil }
func (f *fakeBackend) Depth() int64       { return int64(len(f.ch)) }
func (f *fakeBackend) Empty() error {
	for len(f.ch) > 0 {
		<-f.ch
	}
	return nil
}

// fakeDeps builds queue dependencies without an NSQD: options with
// memQueue as --mem-queue-size, a data path in a temporary directory, the
// log in the test log and a fake backend per queue name.
type fakeDeps struct {
	queueDeps
	mu       sync.Mutex
	backends map[string]*fakeBackend
	health   atomic.Pointer[error]
}

func newFakeDeps(t *testing.T, memQueue int64) *fakeDeps {
	opts := NewOptions()
	opts.MemQueueSize = memQueue
	opts.DataPath = t.TempDir()
	opts.Logger = test.NewLogger(t)
	opts.LogLevel = lg.DEBUG
	d := &fakeDeps{backends: make(map[string]*fakeBackend)}
	d.queueDeps = queueDeps{
		opts:   func() *Options { return opts },
		logf:   func(lvl lg.Level, f string, args ...any) { lg.Logf(opts.Logger, opts.LogLevel, lvl, f, args...) },
		notify: func(any, bool) {},
		setHealth: func(err error) {
			d.health.Store(&err)
		},
		newBackend: func(name string, ephemeral bool) BackendQueue { return d.backend(name) },
	}
	return d
}

// backend returns the fake backend of the queue name, creating it.
func (d *fakeDeps) backend(name string) *fakeBackend {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.backends[name]
	if !ok {
		b = newFakeBackend()
		d.backends[name] = b
	}
	return b
}

func testMessage(id string, body string) *Message {
	var mid MessageID
	copy(mid[:], id)
	return NewMessage(mid, []byte(body))
}

func TestQueueMemoryThenBackend(t *testing.T) {
	d := newFakeDeps(t, 2)
	q := newQueue(&d.queueDeps, "q", "TOPIC(q)", false)
	for _, id := range []string{"000000000000000a", "000000000000000b", "000000000000000c"} {
		require.NoError(t, q.put(testMessage(id, "x"), 0))
	}
	require.Equal(t, 2, q.mem.len())
	require.EqualValues(t, 1, q.backend.Depth())
	require.EqualValues(t, 3, q.depth())
	n, err := q.flushMem()
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.EqualValues(t, 3, q.backend.Depth())
	m, wait, err := q.decode((<-d.backend("q").ch).Data)
	require.NoError(t, err)
	require.Zero(t, wait)
	require.Equal(t, "000000000000000c", string(m.ID[:]))
}

// A deferred message written to the backend keeps its deadline, which is
// handed back once when the record is read.
func TestQueueDeferredDeadlineThroughBackend(t *testing.T) {
	d := newFakeDeps(t, 0)
	q := newQueue(&d.queueDeps, "q", "TOPIC(q)", false)
	m := testMessage("000000000000000a", "later")
	require.NoError(t, q.put(m, time.Now().Add(time.Hour).UnixNano()))
	b := (<-d.backend("q").ch).Data
	_, wait, err := q.decode(b)
	require.NoError(t, err)
	require.Greater(t, wait, 59*time.Minute)
	_, wait, _ = q.decode(b)
	require.Zero(t, wait, "the deadline is handed back once")
}

func TestChannelPutDeliverFinishRequeue(t *testing.T) {
	d := newFakeDeps(t, 10)
	c := newChannel("t", "c", &d.queueDeps, func(*Channel) {})
	require.NoError(t, c.PutMessage(testMessage("000000000000000a", "a")))
	require.NoError(t, c.PutMessage(testMessage("000000000000000b", "b")))
	var queued []string
	c.ScanQueued(func(m *Message) bool { queued = append(queued, string(m.Body)); return true })
	require.Equal(t, []string{"a", "b"}, queued)

	a := c.popQueued()
	require.NoError(t, c.StartInFlightTimeout(a, 1, time.Minute))
	require.ErrorIs(t, c.FinishMessage(2, a.ID), errNotOwner)
	require.NoError(t, c.FinishMessage(1, a.ID))
	require.ErrorIs(t, c.FinishMessage(1, a.ID), errNotInFlight)

	b := c.popQueued()
	require.NoError(t, c.StartInFlightTimeout(b, 1, time.Minute))
	inFlight := 0
	c.ScanInFlight(func(*Message) bool { inFlight++; return true })
	require.Equal(t, 1, inFlight)
	require.NoError(t, c.RequeueMessage(1, b.ID, time.Hour))
	require.Equal(t, 1, c.deferredCount())
	require.Zero(t, c.inFlightCount())
	require.True(t, c.processDeferredQueue(time.Now().Add(2*time.Hour).UnixNano()))
	require.Same(t, b, c.popQueued())
	require.EqualValues(t, 1, c.requeueCount.Load())
	require.EqualValues(t, 2, c.messageCount.Load())
}

func TestChannelTimeoutRequeues(t *testing.T) {
	d := newFakeDeps(t, 10)
	c := newChannel("t", "c", &d.queueDeps, func(*Channel) {})
	require.NoError(t, c.PutMessage(testMessage("000000000000000a", "a")))
	m := c.popQueued()
	require.NoError(t, c.StartInFlightTimeout(m, 1, time.Millisecond))
	require.True(t, c.processInFlightQueue(time.Now().Add(time.Second).UnixNano()))
	require.EqualValues(t, 1, c.timeoutCount.Load())
	require.Same(t, m, c.popQueued())
}

func TestTopicFansOutToEveryChannel(t *testing.T) {
	d := newFakeDeps(t, 10)
	top := newTopic("t", &d.queueDeps, func(*Topic) {})
	defer top.Close()
	top.Start()
	c1, c2 := top.GetChannel("one"), top.GetChannel("two")
	require.NoError(t, top.PutMessage(testMessage("000000000000000a", "a")))
	test.Eventually(t, 5*time.Second, func() bool { return c1.Depth() == 1 && c2.Depth() == 1 })
	m1, m2 := c1.popQueued(), c2.popQueued()
	require.NotSame(t, m1, m2)
	require.Equal(t, m1.ID, m2.ID)
}

// A message that the topic's pump moves to a channel whose disk is full
// is held and retried, not dropped; the other channels get it once.
func TestTopicRetriesChannelWhenDiskFull(t *testing.T) {
	d := newFakeDeps(t, 0)
	top := newTopic("t", &d.queueDeps, func(*Topic) {})
	defer top.Close()
	full, ok := top.GetChannel("full"), top.GetChannel("ok")
	// Not started: the message waits in the topic's backend.
	require.NoError(t, top.PutMessage(testMessage("000000000000000a", "a")))
	require.EqualValues(t, 1, top.Depth())
	d.backend("t:full").failures.Store(1 << 20)
	top.retryEvery = 10 * time.Millisecond
	top.Start()
	test.Eventually(t, 5*time.Second, func() bool { return d.backend("t:full").puts.Load() >= 3 })
	require.Zero(t, d.backend("t").dones.Load(), "topic record finished while a channel lacks its copy")
	require.EqualValues(t, 1, d.backend("t:ok").puts.Load(), "a channel that has its copy gets no other")
	d.backend("t:full").failures.Store(0)
	test.Eventually(t, 10*time.Second, func() bool { return full.Depth() == 1 },
		"the channel whose disk was full never got the message")
	// The topic's record is finished only once every channel has its copy.
	test.Eventually(t, 5*time.Second, func() bool { return d.backend("t").dones.Load() == 1 })
	require.EqualValues(t, 1, ok.Depth())
	require.EqualValues(t, 1, d.backend("t:ok").puts.Load())
	require.Zero(t, top.Depth())
}

// A clean shutdown that cannot write what the channels hold (memory,
// in-flight, deferred) to disk reports it; the daemon exits non-zero.
func TestTopicCloseReportsFlushFailure(t *testing.T) {
	d := newFakeDeps(t, 10)
	top := newTopic("t", &d.queueDeps, func(*Topic) {})
	top.Start()
	c := top.GetChannel("c")
	require.NoError(t, top.PutMessage(testMessage("000000000000000a", "a")))
	require.NoError(t, top.PutMessage(testMessage("000000000000000b", "b")))
	test.Eventually(t, 5*time.Second, func() bool { return c.Depth() == 2 })
	m := c.popQueued()
	require.NoError(t, c.StartInFlightTimeout(m, 1, time.Minute))
	d.backend("t:c").failures.Store(1 << 20)
	err := top.Close()
	require.ErrorIs(t, err, errFakeFull)
}

// A message REQ'd with a delay whose finished original record is read
// again after a crash (its done mark was lost) waits for the deadline
// kept in the journal instead of being delivered a second time at once.
func TestChannelRereadRecordOfDeferredMessageWaits(t *testing.T) {
	d := newFakeDeps(t, 0)
	c := newChannel("t", "c", &d.queueDeps, func(*Channel) {})
	require.NoError(t, c.PutMessage(testMessage("000000000000000a", "a")))
	rec := <-c.src.disk
	m := c.fromDisk(rec)
	require.NotNil(t, m)
	require.NoError(t, c.StartInFlightTimeout(m, 1, time.Minute))
	require.NoError(t, c.RequeueMessage(1, m.ID, time.Hour))
	require.Equal(t, 1, c.deferredCount())

	// Restart: the journal is replayed and the original record, read
	// again from the low-water mark, must not be delivered.
	restarted := newChannel("t", "c", &d.queueDeps, func(*Channel) {})
	require.Equal(t, 1, restarted.deferredCount())
	require.Nil(t, restarted.fromDisk(rec), "the record of a deferred message was delivered at once")
	require.Equal(t, 1, restarted.deferredCount())
}

// deadlineCheckBackend notes, at each Put, whether the queue already knows
// a deadline for a message: a record must never be on disk without it.
type deadlineCheckBackend struct {
	*fakeBackend
	q     **queue
	known []bool
}

func (b *deadlineCheckBackend) Put(data []byte) error {
	b.known = append(b.known, (*b.q).deferred.dueN.Load() > 0)
	return b.fakeBackend.Put(data)
}

// A deferred message written to the disk queue has its deadline recorded
// before its record, so that a crash between the two cannot leave a
// record that is delivered at once; a failed write forgets the deadline.
func TestQueueDeadlineRecordedBeforeRecord(t *testing.T) {
	d := newFakeDeps(t, 0)
	var q *queue
	b := &deadlineCheckBackend{fakeBackend: newFakeBackend(), q: &q}
	d.newBackend = func(string, bool) BackendQueue { return b }
	q = newQueue(&d.queueDeps, "q", "TOPIC(q)", false)
	require.NoError(t, q.put(testMessage("000000000000000a", "later"), time.Now().Add(time.Hour).UnixNano()))
	require.Equal(t, []bool{true}, b.known)

	b.failures.Store(1)
	require.Error(t, q.put(testMessage("000000000000000b", "lost"), time.Now().Add(time.Hour).UnixNano()))
	require.EqualValues(t, 1, q.deferred.dueN.Load(), "the deadline of a record not written is forgotten")
}
