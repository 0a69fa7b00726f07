package diskqueue

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parked reports whether q's I/O loop has returned (and let go of its
// buffers) with the queue still open.
func parked(q Interface) bool { return q.(*diskQueue).gate.state.Load() == 0 }

func expectParked(t *testing.T, q Interface) {
	t.Helper()
	eventually(t, "the I/O loop parks", func() bool { return parked(q) })
	d := q.(*diskQueue)
	assert.Nil(t, d.writer, "write buffer kept")
	assert.Nil(t, d.reader, "read buffer kept")
	assert.Nil(t, d.writeFile, "write segment open")
	assert.Nil(t, d.readFile, "read segment open")
}

// A queue with nothing to read or sync runs no goroutine; a write starts
// one, which delivers the record and parks again once it is synced.
func TestIdleQueueParksAndWakes(t *testing.T) {
	o := testOptions(t, t.TempDir(), newLogRecorder(t))
	o.SyncEvery = 1
	q := open(t, o)
	require.True(t, parked(q), "a new empty queue starts its loop")

	for i := range 3 {
		put(t, q, msg(i, "x"))
		expectRecords(t, q, msg(i, "x"))
		expectParked(t, q)
	}
	expectDepth(t, q, 0)
	require.Equal(t, "0\n0,93\n0,93\n", readFile(t, q.(*diskQueue).dataPath, "T.diskqueue.meta.dat"))

	require.NoError(t, q.Empty())
	expectParked(t, q)
	require.NoError(t, q.Close())
	require.ErrorIs(t, q.Put(msg(9, "x")), ErrClosed)
}

// A queue that is not idle does not park: an unsynced write keeps the loop
// for the sync timer, unread records keep it for ReadChan.
func TestBusyQueueDoesNotPark(t *testing.T) {
	dir := t.TempDir()
	q := open(t, testOptions(t, dir, newLogRecorder(t))) // no sync until Close
	put(t, q, msg(0, "x"), msg(1, "y"))
	require.False(t, parked(q))
	expectRecords(t, q, msg(0, "x"))
	require.False(t, parked(q))
	require.NoError(t, q.Close())

	// Reopened with a record left, the loop starts to offer it.
	q2 := open(t, testOptions(t, dir, newLogRecorder(t)))
	require.False(t, parked(q2))
	expectRecords(t, q2, msg(1, "y"))
}

// With Acked, records read and not done do not keep the loop: a Done
// reaches a parked queue, which starts again to record it. The Done
// backlog is made only once records are handed out.
func TestParkedAckedQueueTakesDone(t *testing.T) {
	dir := t.TempDir()
	q := open(t, ackedOptions(t, dir))
	require.True(t, parked(q))
	require.Nil(t, q.(*diskQueue).doneCh, "a queue never read has a Done backlog")
	put(t, q, msg(0, "x"), msg(1, "y"))
	recs := readRecords(t, q, 2)
	expectParked(t, q)
	require.Equal(t, "2\n0,0\n0,62\n", readFile(t, dir, "T.diskqueue.meta.dat"))

	q.Done(recs[0].Pos)
	eventually(t, "the Done is synced", func() bool {
		return readFile(t, dir, "T.diskqueue.meta.dat") == "1\n0,31\n0,62\n"
	})
	expectParked(t, q)
	require.NoError(t, q.Close())

	q2 := open(t, ackedOptions(t, dir))
	again := readRecords(t, q2, 1)
	require.Equal(t, msg(1, "y"), again[0].Data)
	expectNothing(t, q2)
}

// Writers, a reader and Done calls racing with a loop that parks whenever
// it catches up (a sync after every operation) lose no record and no
// wake-up.
func TestParkingUnderConcurrentUse(t *testing.T) {
	o := ackedOptions(t, t.TempDir())
	q := open(t, o)
	const writers, each = 4, 200
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range each {
				if err := q.Put(msg(w*each+i, "x")); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	seen := make(map[string]bool)
	deadline := time.After(10 * time.Second)
	for len(seen) < writers*each {
		select {
		case r := <-q.ReadChan():
			seen[string(r.Data)] = true
			q.Done(r.Pos)
		case <-deadline:
			require.FailNowf(t, "records missing", "received %d of %d records", len(seen), writers*each)
		}
	}
	for range writers {
		require.NoError(t, <-errs)
	}
	require.Len(t, seen, writers*each)
	expectNothing(t, q)
	expectParked(t, q)
	expectDepth(t, q, 0)
}
