package diskqueue

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func peekN(t testing.TB, q Interface, n int) [][]byte {
	t.Helper()
	recs, err := q.(Peeker).Peek(n)
	require.NoError(t, err)
	return recs
}

// peekID is the number msg encoded in a record's ID field.
func peekID(t testing.TB, rec []byte) int {
	t.Helper()
	id, err := strconv.ParseInt(string(rec[10:26]), 16, 64)
	require.NoError(t, err)
	return int(id)
}

func TestPeekOldestFirstAndNonDestructive(t *testing.T) {
	dir := t.TempDir()
	q := open(t, testOptions(t, dir, newLogRecorder(t)))
	var want [][]byte
	for i := range 10 {
		want = append(want, msg(i, "body"+strconv.Itoa(i)))
	}
	// 34-byte records in 100-byte segments: 5 segments and the metadata.
	put(t, q, want...)
	require.Len(t, listDir(t, dir), 6)

	assert.Equal(t, want[:4], peekN(t, q, 4))
	assert.Equal(t, want, peekN(t, q, 100), "a peek past the end returns what there is")
	assert.Equal(t, want[:4], peekN(t, q, 4), "peeking again sees the same records")
	assert.EqualValues(t, 10, q.Depth())

	expectRecords(t, q, want[:3]...)
	expectDepth(t, q, 7)
	assert.Equal(t, want[3:5], peekN(t, q, 2), "the peek starts at the first unconsumed record")
	expectRecords(t, q, want[3:]...)
	assert.Empty(t, peekN(t, q, 5))
}

func TestPeekAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir, newLogRecorder(t))
	q := NewWithOptions(o)
	put(t, q, msg(1, "a"), msg(2, "b"), msg(3, "c"), msg(4, "d"))
	expectRecords(t, q, msg(1, "a"))
	require.NoError(t, q.Close())
	_, err := q.(Peeker).Peek(1)
	assert.ErrorIs(t, err, ErrClosed)

	q = open(t, o)
	assert.Equal(t, [][]byte{msg(2, "b"), msg(3, "c")}, peekN(t, q, 2))
	expectRecords(t, q, msg(2, "b"), msg(3, "c"), msg(4, "d"))
}

// TestPeekReadsOnlyTheHead removes every segment after the first two: a
// peek that needs only the head must not notice.
func TestPeekReadsOnlyTheHead(t *testing.T) {
	dir := t.TempDir()
	log := newLogRecorder(t)
	q := open(t, testOptions(t, dir, log))
	for i := range 60 {
		put(t, q, msg(i, "x"))
	}
	files := listDir(t, dir)
	require.Greater(t, len(files), 10)
	for i := int64(2); i < 15; i++ {
		require.NoError(t, os.Remove(filepath.Join(dir, fmt.Sprintf("T.diskqueue.%06d.dat", i))))
	}
	recs := peekN(t, q, 6) // three records a segment
	require.Len(t, recs, 6)
	for i, r := range recs {
		assert.Equal(t, i, peekID(t, r))
	}
	assert.Zero(t, log.count(WARN)+log.count(ERROR))
	// Further on, missing segments are skipped as the reader skips them.
	recs = peekN(t, q, 9)
	require.Len(t, recs, 9)
	assert.Equal(t, 45, peekID(t, recs[6]), "segment 15 starts at record 45")
}

func TestPeekStopsAtDamage(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir, newLogRecorder(t))
	o.MaxBytesPerFile = 1 << 20
	bad := binary.BigEndian.AppendUint32(nil, 5) // shorter than MinMsgSize
	writeFile(t, dir, "T.diskqueue.000000.dat", record(msg(1, "a")), record(msg(2, "b")), bad, []byte("xxxxx"))
	q := open(t, o)
	recs := peekN(t, q, 10)
	assert.Equal(t, [][]byte{msg(1, "a"), msg(2, "b")}, recs)
}

func TestPeekByteBudget(t *testing.T) {
	defer func(v int64) { peekMaxBytes = v }(peekMaxBytes)
	peekMaxBytes = 100
	q := open(t, testOptions(t, t.TempDir(), newLogRecorder(t)))
	put(t, q, msg(1, "a"), msg(2, "b"), msg(3, "c"), msg(4, "d"))
	assert.Len(t, peekN(t, q, 4), 3, "27-byte payloads: a fourth would pass 100 bytes")
	peekMaxBytes = 10
	assert.Len(t, peekN(t, q, 4), 1, "one record is returned whatever its size")
}

// TestPeekWhileSegmentsRoll peeks continually while a writer fills tiny
// segments and a reader consumes and deletes them: every peek must be a
// gap-free run of records in order, never behind what was consumed.
func TestPeekWhileSegmentsRoll(t *testing.T) {
	const total = 3000
	dir := t.TempDir()
	o := testOptions(t, dir, newLogRecorder(t))
	o.Logf = nil
	o.SyncEvery = 50
	q := open(t, o)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range total {
			if !assert.NoError(t, q.Put(msg(i, "rolling"))) {
				return
			}
		}
	})
	var consumed sync.Map // highest id taken, under key 0
	wg.Go(func() {
		for i := range total {
			rec := <-q.ReadChan()
			if !assert.Equal(t, i, peekID(t, rec.Data), "read order") {
				return
			}
			consumed.Store(0, i)
		}
	})
	peeks := 0
	for {
		before, _ := consumed.Load(0)
		recs := peekN(t, q, 20)
		if len(recs) == 0 {
			if v, _ := consumed.Load(0); v == total-1 {
				break
			}
			continue
		}
		peeks++
		first := peekID(t, recs[0])
		if b, ok := before.(int); ok {
			require.Greater(t, first, b, "a peek never shows a record already consumed before it began")
		}
		for i, r := range recs {
			require.Equal(t, first+i, peekID(t, r), "records in order without gaps")
		}
	}
	wg.Wait()
	assert.Positive(t, peeks)
	// The I/O loop counts a record consumed just after handing it over, so
	// the depth reaches zero a moment after the reader has the last one.
	expectDepth(t, q, 0)
}

// TestPeekAcked: records read and not done are in the consumers' hands, not
// queued; after a restart, reading starts again at the low-water mark and
// the peek, like the reader, passes over the records finished ahead of it.
func TestPeekAcked(t *testing.T) {
	dir := t.TempDir()
	o := ackedOptions(t, dir)
	q := NewWithOptions(o)
	var want [][]byte
	for i := range 6 {
		want = append(want, msg(i, "a"))
	}
	put(t, q, want...)
	recs := readRecords(t, q, 4)
	assert.Equal(t, want[4:], peekN(t, q, 10), "records read are not queued")
	q.Done(recs[1].Pos)
	q.Done(recs[3].Pos)
	require.NoError(t, q.Close())

	q = open(t, o)
	unfinished := [][]byte{want[0], want[2], want[4], want[5]}
	assert.Equal(t, unfinished, peekN(t, q, 10))
	assert.Equal(t, unfinished[:2], peekN(t, q, 2))
	expectRecords(t, q, unfinished...)
}
