package diskqueue

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWrittenBytes checks the exact files: max-bytes-per-file 100 with
// 34-byte records gives 68-byte segments, and the metadata text layout.
func TestWrittenBytes(t *testing.T) {
	dir := t.TempDir()
	q := NewWithOptions(testOptions(t, dir, newLogRecorder(t)))
	var want [][]byte
	for i := range 6 {
		p := msg(i, fmt.Sprintf("msg%d", i))
		want = append(want, p)
		put(t, q, p)
	}
	require.NoError(t, q.Close())
	wantFiles := []string{
		"T.diskqueue.000000.dat", "T.diskqueue.000001.dat", "T.diskqueue.000002.dat",
		"T.diskqueue.meta.dat",
	}
	require.True(t, equalStrings(listDir(t, dir), wantFiles), "files")
	for i := range 3 {
		got := readFile(t, dir, fmt.Sprintf("T.diskqueue.%06d.dat", i))
		exp := string(record(want[2*i])) + string(record(want[2*i+1]))
		require.Equal(t, exp, got, "segment %d = %x (%d bytes)", i, got, len(got))
		require.Len(t, got, 68, "segment %d = %x (%d bytes)", i, got, len(got))
	}
	// The first record begins 00 00 00 1e, timestamp, 00 00 attempts, 16 hex.
	seg := readFile(t, dir, "T.diskqueue.000000.dat")
	require.True(t, strings.HasPrefix(seg, "\x00\x00\x00\x1e"), "record layout %x", seg[:34])
	require.Equal(t, "\x00\x00", seg[12:14], "record layout %x", seg[:34])
	require.Equal(t, "0000000000000000", seg[14:30], "record layout %x", seg[:34])
	require.Equal(t, "msg0", seg[30:34], "record layout %x", seg[:34])
	require.Equal(t, "6\n0,0\n2,68\n", readFile(t, dir, "T.diskqueue.meta.dat"), "metadata")
	for _, name := range wantFiles {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.EqualValues(t, 0o600, fi.Mode().Perm(), "%s has mode %v", name, fi.Mode())
	}
}

// TestReadsUpstreamLayout builds a data directory by hand in the layout NSQ
// v1.3.0 writes (channel name with a colon, a partly consumed completed
// segment, a write segment) and reads and continues it.
func TestReadsUpstreamLayout(t *testing.T) {
	dir := t.TempDir()
	log := newLogRecorder(t)
	m := []([]byte){msg(10, "msg0"), msg(11, "msg1"), msg(12, "msg2")}
	writeFile(t, dir, "T:C.diskqueue.000007.dat", record(m[0]), record(m[1]))
	writeFile(t, dir, "T:C.diskqueue.000008.dat", record(m[2]))
	writeFile(t, dir, "T:C.diskqueue.meta.dat", []byte("2\n7,34\n8,34\n"))
	// A neighbouring topic's files must be left alone.
	writeFile(t, dir, "T.diskqueue.000007.dat", record(m[0]))
	o := testOptions(t, dir, log)
	o.Name = "T:C"
	q := open(t, o)
	require.EqualValues(t, 2, q.Depth(), "depth")
	expectRecords(t, q, m[1], m[2])
	expectDepth(t, q, 0)
	eventually(t, "consumed segment removed", func() bool {
		return !exists(dir, "T:C.diskqueue.000007.dat")
	})
	extra := msg(13, "msg3")
	put(t, q, extra)
	require.Equal(t, string(record(m[2]))+string(record(extra)), readFile(t, dir, "T:C.diskqueue.000008.dat"), "segment 8")
	expectRecords(t, q, extra)
	// The reader is at the end of segment 8 when the writer leaves it.
	put(t, q, msg(14, "msg4"))
	require.NoError(t, q.Close())
	require.Equal(t, "1\n9,0\n9,34\n", readFile(t, dir, "T:C.diskqueue.meta.dat"), "metadata")
	require.False(t, exists(dir, "T:C.diskqueue.000008.dat"), "consumed segment 8 left behind")
	require.True(t, exists(dir, "T.diskqueue.000007.dat"), "other queue touched or errors logged")
	require.EqualValues(t, 0, log.count(ERROR), "other queue touched or errors logged")
}

// TestReopenOwnFilesByHand reads the files this package wrote with a
// hand-written parser of the spec layout.
func TestReopenOwnFilesByHand(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir, newLogRecorder(t))
	o.MaxBytesPerFile = 250
	q := NewWithOptions(o)
	var want [][]byte
	for i := range 20 {
		want = append(want, msg(i, strings.Repeat("z", i)))
	}
	put(t, q, want...)
	require.NoError(t, q.Close())
	var depth, rf, rp, wf, wp int64
	meta := readFile(t, dir, "T.diskqueue.meta.dat")
	_, err := fmt.Sscanf(meta, "%d\n%d,%d\n%d,%d\n", &depth, &rf, &rp, &wf, &wp)
	require.NoError(t, err)
	var got [][]byte
	for n := rf; n <= wf; n++ {
		b := []byte(readFile(t, dir, fmt.Sprintf("T.diskqueue.%06d.dat", n)))
		if n == wf {
			require.EqualValues(t, wp, len(b), "write segment size against the metadata's write position")
		}
		require.LessOrEqual(t, len(b), int(o.MaxBytesPerFile), "segment %d is %d bytes", n, len(b))
		for len(b) > 0 {
			l := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
			got = append(got, b[4:4+l])
			b = b[4+l:]
		}
	}
	require.Equal(t, int64(len(want)), depth, "depth %d, parsed %d records", depth, len(got))
	require.Len(t, got, len(want), "depth %d, parsed %d records", depth, len(got))
	for i := range want {
		require.Equal(t, string(want[i]), string(got[i]), "record %d differs", i)
	}
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}
