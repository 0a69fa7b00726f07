package diskqueue

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

var somePositions = []Pos{{0, 0}, {0, 31}, {3, 1 << 40}, {1 << 33, 7}}

func encodeDone(pos []Pos) []byte {
	var b []byte
	for _, p := range pos {
		b = appendDoneRec(b, p)
	}
	return b
}

func TestDoneLogReplayAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d")
	l, got, err := openDoneLog(path)
	require.NoError(t, err)
	require.Empty(t, got)
	require.NoError(t, l.append(somePositions[:2]))
	require.NoError(t, l.append(somePositions[2:]))
	require.NoError(t, l.sync())
	_, got, err = openDoneLog(path)
	require.NoError(t, err)
	require.Equal(t, somePositions, got)
	// Reopened, appending continues after what is there.
	l2, _, err := openDoneLog(path)
	require.NoError(t, err)
	require.EqualValues(t, 4, l2.recs)
	require.NoError(t, l2.append([]Pos{{9, 9}}))
	_, got, err = openDoneLog(path)
	require.NoError(t, err)
	require.Equal(t, append(append([]Pos{}, somePositions...), Pos{9, 9}), got)
}

// A file cut at any byte replays the whole records before the cut, is cut
// back to them, and takes appends again.
func TestDoneLogTornTailAtEveryCut(t *testing.T) {
	full := encodeDone(somePositions)
	for cut := 0; cut <= len(full); cut++ {
		path := filepath.Join(t.TempDir(), "d")
		require.NoError(t, os.WriteFile(path, full[:cut], 0o600))
		l, got, err := openDoneLog(path)
		whole := cut / doneRecLen
		samePos(t, somePositions[:whole], got, "cut %d", cut)
		if cut%doneRecLen != 0 {
			require.Error(t, err, "cut %d", cut)
		} else {
			require.NoError(t, err, "cut %d", cut)
		}
		fi, serr := os.Stat(path)
		require.NoError(t, serr)
		require.EqualValues(t, whole*doneRecLen, fi.Size(), "cut %d", cut)
		require.NoError(t, l.append([]Pos{{5, 5}}))
		_, got, err = openDoneLog(path)
		require.NoError(t, err)
		require.Equal(t, append(append([]Pos{}, somePositions[:whole]...), Pos{5, 5}), got, "cut %d", cut)
	}
}

func TestDoneLogBadChecksumEndsReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d")
	b := encodeDone(somePositions)
	b[doneRecLen+3] ^= 0x40 // second record's segment number
	require.NoError(t, os.WriteFile(path, b, 0o600))
	_, got, err := openDoneLog(path)
	require.Error(t, err)
	require.Equal(t, somePositions[:1], got)
}

func TestDoneLogRewrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d")
	l, _, err := openDoneLog(path)
	require.NoError(t, err)
	require.NoError(t, l.append(somePositions))
	require.NoError(t, l.rewrite(somePositions[3:]))
	require.EqualValues(t, 1, l.recs)
	require.NoError(t, l.append(somePositions[:1]))
	_, got, err := openDoneLog(path)
	require.NoError(t, err)
	require.Equal(t, []Pos{somePositions[3], somePositions[0]}, got)
	require.NoError(t, l.rewrite(nil))
	require.NoFileExists(t, path)
}

// The sidecar is compacted once it is mostly records behind the mark.
func TestAckedCompactsSidecar(t *testing.T) {
	dir := t.TempDir()
	o := ackedOptions(t, dir)
	o.MaxBytesPerFile = 1 << 30
	o.SyncEvery = 1 << 30
	q := open(t, o).(*diskQueue)
	n := 2*doneLogSlack + 10
	for i := range n + 1 {
		put(t, q, msg(i, "x"))
	}
	recs := readRecords(t, q, n+1)
	for _, r := range recs[1:] { // all ahead of the first, still open
		q.Done(r.Pos)
	}
	require.NoError(t, q.Close()) // syncs: every one is in the sidecar
	require.EqualValues(t, n*doneRecLen, fileSize(filepath.Join(dir, "T.diskqueue.done.dat")))

	q2 := open(t, o)
	r := <-q2.ReadChan()
	require.Equal(t, recs[0].Data, r.Data)
	q2.Done(r.Pos)
	require.NoError(t, q2.Close())
	require.False(t, exists(dir, "T.diskqueue.done.dat"), "nothing ahead of the mark: no sidecar")
	require.Equal(t, "0\n0,"+itoa(int64(n+1)*31)+"\n0,"+itoa(int64(n+1)*31)+"\n",
		readFile(t, dir, "T.diskqueue.meta.dat"))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// samePos compares position lists, nil and empty alike.
func samePos(t *testing.T, want, got []Pos, msgAndArgs ...any) {
	t.Helper()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	require.Equal(t, want, got, msgAndArgs...)
}

// FuzzDoneLog: any file content replays a prefix of whole records without
// panicking, and that prefix re-encodes to the bytes it came from.
func FuzzDoneLog(f *testing.F) {
	f.Add(encodeDone(somePositions))
	f.Add(encodeDone(somePositions)[:45])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		pos, good := parseDoneLog(data)
		require.EqualValues(t, 0, good%doneRecLen, "prefix %d of %d bytes for %d records", good, len(data), len(pos))
		require.LessOrEqual(t, good, len(data), "prefix %d of %d bytes for %d records", good, len(data), len(pos))
		require.Equal(t, len(pos), good/doneRecLen, "prefix %d of %d bytes for %d records", good, len(data), len(pos))
		require.Equal(t, string(data[:good]), string(encodeDone(pos)), "records do not re-encode to their bytes")
		path := filepath.Join(t.TempDir(), "d")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		_, got, _ := openDoneLog(path)
		require.Len(t, got, len(pos), "open replayed %d records, file %d bytes; parse %d, %d", len(got), fileSize(path), len(pos), good)
		require.Equal(t, int64(good), fileSize(path), "open replayed %d records, file %d bytes; parse %d, %d", len(got), fileSize(path), len(pos), good)
	})
}
