package diskqueue

import (
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// batchOf builds 40-byte payloads with IDs from..to-1.
func batchOf(from, to int) [][]byte {
	var b [][]byte
	for i := from; i < to; i++ {
		b = append(b, msg(i, "0123456789"))
	}
	return b
}

// PutBatch keeps the order of its records and of the writes around it,
// across segment rolls, and counts every record in the depth.
func TestPutBatchOrderAndDepth(t *testing.T) {
	q := open(t, testOptions(t, t.TempDir(), newLogRecorder(t)))
	all := batchOf(0, 8)
	put(t, q, all[0])
	n, err := q.PutBatch(all[1:6]) // 2 records to a 100-byte segment: rolls twice
	require.NoError(t, err)
	require.Equal(t, 5, n)
	expectDepth(t, q, 6)
	put(t, q, all[6])
	n, err = q.PutBatch(all[7:])
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = q.PutBatch(nil)
	require.NoError(t, err)
	require.Zero(t, n)
	expectDepth(t, q, 8)
	expectRecords(t, q, all...)
	expectDepth(t, q, 0)
}

// A record that Put would refuse ends the batch: the records before it
// are written, it and those after it are not.
func TestPutBatchStopsAtRefusedRecord(t *testing.T) {
	q := open(t, testOptions(t, t.TempDir(), newLogRecorder(t)))
	b := batchOf(0, 4)
	b[2] = []byte("short")
	n, err := q.PutBatch(b)
	require.ErrorContains(t, err, "invalid message write size")
	require.Equal(t, 2, n)
	expectDepth(t, q, 2)
	put(t, q, msg(9, "after"))
	expectRecords(t, q, b[0], b[1], msg(9, "after"))
	expectDepth(t, q, 0)
}

// A failed sync takes back every record of the batch it was to make
// durable; the queue goes on once the disk does.
func TestPutBatchFailedSyncFailsTheBatch(t *testing.T) {
	q, f, _ := faultyQueue(t, 1)
	put(t, q, msg(0, "kept"))
	f.segmentSync.Store(true)
	n, err := q.PutBatch(batchOf(1, 4))
	require.ErrorIs(t, err, errInjected)
	require.Zero(t, n)
	expectDepth(t, q, 1)
	f.segmentSync.Store(false)
	n, err = q.PutBatch(batchOf(4, 6))
	require.NoError(t, err)
	require.Equal(t, 2, n)
	expectRecords(t, q, append([][]byte{msg(0, "kept")}, batchOf(4, 6)...)...)
	expectDepth(t, q, 0)
}

// A roll inside the batch makes its first records durable; when the sync
// due at the end fails, only the records after the roll are taken back.
func TestPutBatchFailedSyncSparesRecordsARollMadeDurable(t *testing.T) {
	var calls atomic.Int32
	o := testOptions(t, t.TempDir(), newLogRecorder(t))
	o.SyncEvery = 3
	o.fileOps = fileOps{sync: func(file *os.File) error {
		if !strings.Contains(file.Name(), ".meta.dat") && calls.Add(1) == 2 {
			return errInjected // the sync due after the roll's fsync
		}
		return file.Sync()
	}}
	q := open(t, o)
	b := batchOf(0, 3) // 40-byte records: the third one rolls
	n, err := q.PutBatch(b)
	require.ErrorIs(t, err, errInjected)
	require.Equal(t, 2, n)
	expectDepth(t, q, 2)
	n, err = q.PutBatch(batchOf(3, 4))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	expectRecords(t, q, b[0], b[1], msg(3, "0123456789"))
}

// Records a PutBatch acknowledged are on disk: a copy of the directory
// taken without closing the queue (what a kill -9 leaves) reads them all,
// in order, for a plain and an acknowledged queue.
func TestPutBatchSurvivesCrashCopy(t *testing.T) {
	for _, acked := range []bool{false, true} {
		dir := t.TempDir()
		o := testOptions(t, dir, newLogRecorder(t))
		o.Acked = acked
		q := open(t, o)
		all := batchOf(0, 7)
		put(t, q, all[0])
		n, err := q.PutBatch(all[1:])
		require.NoError(t, err)
		require.Equal(t, 6, n)
		crashed := copyDir(t, dir)
		o.DataPath = crashed
		q2 := open(t, o)
		expectDepth(t, q2, 7)
		expectRecords(t, q2, all...)
		require.NoError(t, q2.Close())
		require.NoError(t, q.Close())
	}
}

// A closed queue refuses a batch.
func TestPutBatchClosed(t *testing.T) {
	q := open(t, testOptions(t, t.TempDir(), newLogRecorder(t)))
	require.NoError(t, q.Close())
	n, err := q.PutBatch(batchOf(0, 2))
	require.ErrorIs(t, err, ErrClosed)
	require.Zero(t, n)
}
