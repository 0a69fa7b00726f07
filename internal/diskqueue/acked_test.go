package diskqueue

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func ackedOptions(t *testing.T, dir string) Options {
	o := testOptions(t, dir, newLogRecorder(t))
	o.Acked = true
	o.SyncEvery = 1
	return o
}

// readRecords receives n records.
func readRecords(t *testing.T, q Interface, n int) []Record {
	t.Helper()
	var out []Record
	for range n {
		out = append(out, <-q.ReadChan())
	}
	return out
}

// copyDir copies the regular files of dir: what a kill -9 would leave.
func copyDir(t *testing.T, dir string) string {
	t.Helper()
	to := t.TempDir()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue // a temporary file renamed since the listing: as if copied before it was made
		}
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(to, e.Name()), b, 0o600))
	}
	return to
}

// Records read but not done come back after a restart, those done ahead of
// them do not, and the metadata file keeps the oldest open one as the read
// position (what NSQ would read from).
func TestAckedRestartSkipsDoneRecords(t *testing.T) {
	dir := t.TempDir()
	o := ackedOptions(t, dir)
	q := open(t, o)
	var all [][]byte
	for i := range 8 { // segments of 3, 3 and 2 records (MaxBytesPerFile 100)
		all = append(all, msg(i, "x"))
	}
	put(t, q, all...)
	recs := readRecords(t, q, 8)
	for _, i := range []int{1, 3, 4, 6} {
		q.Done(recs[i].Pos)
	}
	expectDepth(t, q, 0)
	// With SyncEvery 1 every Done syncs; wait for the last one.
	eventually(t, "the sidecar lists 4 records", func() bool {
		fi, err := os.Stat(filepath.Join(dir, "T.diskqueue.done.dat"))
		return err == nil && fi.Size() == 4*doneRecLen
	})
	require.Equal(t, "8\n0,0\n2,62\n", readFile(t, dir, "T.diskqueue.meta.dat"))
	crashed := copyDir(t, dir)
	require.NoError(t, q.Close())

	for _, d := range []string{dir, crashed} { // clean close, and kill -9
		q2 := open(t, ackedOptions(t, d))
		expectDepth(t, q2, 4)
		again := readRecords(t, q2, 4)
		for k, i := range []int{0, 2, 5, 7} {
			require.Equal(t, all[i], again[k].Data)
		}
		expectNothing(t, q2)
		require.NoError(t, q2.Close())
	}
}

// Segments are deleted only once the low-water mark has passed them.
func TestAckedKeepsSegmentsUntilDone(t *testing.T) {
	dir := t.TempDir()
	q := open(t, ackedOptions(t, dir))
	for i := range 7 { // segments of 3, 3 and 1 records
		put(t, q, msg(i, "x"))
	}
	recs := readRecords(t, q, 7)
	for _, r := range recs[1:] {
		q.Done(r.Pos)
	}
	eventually(t, "metadata synced", func() bool { return exists(dir, "T.diskqueue.done.dat") })
	require.True(t, exists(dir, "T.diskqueue.000000.dat"), "segment of the open record deleted")
	require.True(t, exists(dir, "T.diskqueue.000001.dat"))
	q.Done(recs[0].Pos)
	eventually(t, "segments behind the mark deleted", func() bool {
		return !exists(dir, "T.diskqueue.000000.dat") && !exists(dir, "T.diskqueue.000001.dat")
	})
	eventually(t, "the sidecar removed when nothing is open", func() bool {
		return !exists(dir, "T.diskqueue.done.dat")
	})
	require.Equal(t, "0\n2,31\n2,31\n", readFile(t, dir, "T.diskqueue.meta.dat"))
}

// A queue opened without Acked still honours a sidecar left by one opened
// with it, then removes the sidecar.
func TestSidecarReadWithoutAcked(t *testing.T) {
	dir := t.TempDir()
	q := open(t, ackedOptions(t, dir))
	put(t, q, msg(0, "a"), msg(1, "b"), msg(2, "c"))
	recs := readRecords(t, q, 3)
	q.Done(recs[1].Pos)
	eventually(t, "sidecar written", func() bool { return exists(dir, "T.diskqueue.done.dat") })
	require.NoError(t, q.Close())

	o := testOptions(t, dir, newLogRecorder(t))
	o.SyncEvery = 1
	q2 := open(t, o)
	expectDepth(t, q2, 2)
	expectRecords(t, q2, msg(0, "a"), msg(2, "c"))
	eventually(t, "sidecar removed", func() bool { return !exists(dir, "T.diskqueue.done.dat") })
}

// Empty forgets the open records and the sidecar.
func TestAckedEmpty(t *testing.T) {
	dir := t.TempDir()
	q := open(t, ackedOptions(t, dir))
	put(t, q, msg(0, "a"), msg(1, "b"))
	recs := readRecords(t, q, 2)
	q.Done(recs[1].Pos)
	eventually(t, "sidecar written", func() bool { return exists(dir, "T.diskqueue.done.dat") })
	require.NoError(t, q.Empty())
	q.Done(recs[0].Pos) // unknown now: ignored
	put(t, q, msg(2, "c"))
	expectRecords(t, q, msg(2, "c"))
	require.False(t, exists(dir, "T.diskqueue.done.dat"))
}

// A damaged record after records still open: the segment is rewritten
// from the oldest open record, whose position moves, and a restart still
// delivers the open records.
func TestAckedCorruptionKeepsOpenRecords(t *testing.T) {
	dir := t.TempDir()
	o := ackedOptions(t, dir)
	o.MaxBytesPerFile = 1 << 20
	o.Validate = validMsg
	q := open(t, o)
	put(t, q, msg(0, "a"), msg(1, "b"), msg(2, "c"))
	recs := readRecords(t, q, 2)
	q.Done(recs[1].Pos)
	require.NoError(t, q.Close())
	// Damage the third record's ID, then reopen and read it.
	fn := filepath.Join(dir, "T.diskqueue.000000.dat")
	b, err := os.ReadFile(fn)
	require.NoError(t, err)
	b[2*(4+27)+4+12] = 'Z'
	require.NoError(t, os.WriteFile(fn, b, 0o600))
	q2 := open(t, o)
	expectRecords(t, q2, msg(0, "a"))
	expectNothing(t, q2)
	require.NoError(t, q2.Close())
	q3 := open(t, o)
	expectRecords(t, q3, msg(0, "a"))
}
