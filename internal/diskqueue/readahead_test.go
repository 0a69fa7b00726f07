package diskqueue

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type takerQueue interface {
	Interface
	Take(func([]byte) error) (bool, error)
	Peek(n int) ([][]byte, error)
}

// waitBuffered waits until the I/O loop has filled ReadChan's buffer with n
// records.
func waitBuffered(t *testing.T, q Interface, n int) {
	t.Helper()
	eventually(t, "records read ahead", func() bool { return len(q.ReadChan()) == n })
}

// An acknowledged queue reads ahead into ReadChan's buffer, yet the depth,
// Take and Peek see the buffered records as not consumed, in their order.
func TestAckedReadAheadStaysInOrder(t *testing.T) {
	o := ackedOptions(t, t.TempDir())
	o.MaxBytesPerFile = 1 << 20
	q := open(t, o).(takerQueue)
	var all [][]byte
	for i := range readAhead + 8 {
		all = append(all, msg(i, "x"))
	}
	put(t, q, all...)
	waitBuffered(t, q, readAhead)
	require.EqualValues(t, len(all), q.Depth())

	var took []byte
	ok, err := q.Take(func(p []byte) error { took = append([]byte(nil), p...); return nil })
	require.True(t, ok)
	require.NoError(t, err)
	assert.Equal(t, all[0], took, "Take gets the oldest record, waiting in the buffer")
	expectDepth(t, q, int64(len(all)-1))

	kept, err := q.Take(func([]byte) error { return errors.New("keep") })
	require.True(t, kept)
	require.Error(t, err)
	peeked, err := q.Peek(3)
	require.NoError(t, err)
	assert.Equal(t, all[1:4], peeked)
	expectDepth(t, q, int64(len(all)-1))
	expectRecords(t, q, all[1:]...)
	expectDepth(t, q, 0)
}

// Records passed over after a restart (finished ahead of the low-water
// mark) are passed over again when the buffer is taken back.
func TestAckedReadAheadUnreadKeepsSkips(t *testing.T) {
	dir := t.TempDir()
	o := ackedOptions(t, dir)
	q := open(t, o)
	var all [][]byte
	for i := range 8 {
		all = append(all, msg(i, "x"))
	}
	put(t, q, all...)
	recs := readRecords(t, q, 8)
	for _, i := range []int{1, 3, 4, 6} {
		q.Done(recs[i].Pos)
	}
	eventually(t, "the sidecar lists 4 records", func() bool {
		return sizeOf(dir, "T.diskqueue.done.dat") == 4*doneRecLen
	})
	require.NoError(t, q.Close())

	q2 := open(t, ackedOptions(t, dir)).(takerQueue)
	waitBuffered(t, q2, 4)
	require.EqualValues(t, 4, q2.Depth())
	peeked, err := q2.Peek(10)
	require.NoError(t, err)
	assert.Equal(t, [][]byte{all[0], all[2], all[5], all[7]}, peeked)
	ok, err := q2.Take(func([]byte) error { return nil })
	require.True(t, ok)
	require.NoError(t, err)
	expectRecords(t, q2, all[2], all[5], all[7])
	expectNothing(t, q2)
}

// Emptying an acknowledged queue drops the records read ahead too.
func TestAckedReadAheadEmpty(t *testing.T) {
	q := open(t, ackedOptions(t, t.TempDir()))
	for i := range 5 {
		put(t, q, msg(i, "x"))
	}
	waitBuffered(t, q, 5)
	require.NoError(t, q.Empty())
	require.EqualValues(t, 0, q.Depth())
	expectNothing(t, q)
	put(t, q, msg(9, "y"))
	expectRecords(t, q, msg(9, "y"))
}

// sizeOf is the size of dir/name, -1 when it cannot be read.
func sizeOf(dir, name string) int64 {
	fi, err := os.Stat(filepath.Join(dir, name))
	if err != nil {
		return -1
	}
	return fi.Size()
}
