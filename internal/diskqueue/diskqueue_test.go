package diskqueue

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir, newLogRecorder(t))
	o.MaxBytesPerFile = 1 << 20
	q := open(t, o)
	want := [][]byte{msg(1, "a"), msg(2, strings.Repeat("b", 1024)), msg(3, "")}
	put(t, q, want...)
	expectDepth(t, q, 3)
	expectRecords(t, q, want...)
	expectDepth(t, q, 0)
	expectNothing(t, q)
}

func TestPutSizeLimits(t *testing.T) {
	q := open(t, testOptions(t, t.TempDir(), newLogRecorder(t)))
	for _, n := range []int{0, testMin - 1, testMax + 1} {
		assert.Error(t, q.Put(make([]byte, n)), "Put of %d bytes succeeded", n)
	}
	put(t, q, make([]byte, testMin), make([]byte, testMax))
	require.EqualValues(t, 2, q.Depth(), "depth")
	readN(t, q, 2)
}

func TestOrderingAcrossRolls(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir, newLogRecorder(t))
	o.MaxBytesPerFile = 1000
	q := open(t, o)
	const n = 500
	var want [][]byte
	for i := range n {
		want = append(want, msg(i, strings.Repeat("x", i%97)))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, p := range want {
			if !assert.NoError(t, q.Put(p), "Put") {
				return
			}
		}
	}()
	expectRecords(t, q, want...)
	<-done
	expectDepth(t, q, 0)
	q.Close()
	// Only the write segment and the metadata file remain.
	files := listDir(t, dir)
	require.Len(t, files, 2, "files left: %v", files)
	require.Equal(t, "T.diskqueue.meta.dat", files[1], "files left: %v", files)
	require.True(t, strings.HasPrefix(files[0], "T.diskqueue.0"), "files left: %v", files)
}

func TestReopenPersists(t *testing.T) {
	dir := t.TempDir()
	log := newLogRecorder(t)
	o := testOptions(t, dir, log)
	q := NewWithOptions(o)
	var want [][]byte
	for i := range 10 {
		want = append(want, msg(i, "persist"))
	}
	put(t, q, want...)
	expectRecords(t, q, want[:3]...)
	expectDepth(t, q, 7)
	// One record is now read ahead but not consumed: it must survive.
	require.NoError(t, q.Close())
	q = open(t, o)
	require.EqualValues(t, 7, q.Depth(), "depth after reopen")
	expectRecords(t, q, want[3:]...)
	expectDepth(t, q, 0)
	put(t, q, msg(10, "after"))
	expectRecords(t, q, msg(10, "after"))
	require.EqualValues(t, 0, log.count(ERROR), "unexpected errors logged")
}

func TestReaderCaughtUpWhenWriterRolls(t *testing.T) {
	dir := t.TempDir()
	log := newLogRecorder(t)
	q := open(t, testOptions(t, dir, log))
	// Two 34-byte records fill segment 0 (68 of 100 bytes).
	put(t, q, msg(0, "msg0"), msg(1, "msg1"))
	expectRecords(t, q, msg(0, "msg0"), msg(1, "msg1"))
	// The reader sits at the end of the write segment when it rolls.
	put(t, q, msg(2, "msg2"))
	expectRecords(t, q, msg(2, "msg2"))
	// Now roll while the next record is read ahead but not consumed.
	put(t, q, msg(3, "msg3"), msg(4, "msg4"))
	expectRecords(t, q, msg(3, "msg3"))
	put(t, q, msg(5, "msg5"))
	expectRecords(t, q, msg(4, "msg4"), msg(5, "msg5"))
	expectDepth(t, q, 0)
	eventually(t, "old segments removed", func() bool {
		return !exists(dir, "T.diskqueue.000000.dat") && !exists(dir, "T.diskqueue.000001.dat")
	})
	q.Close()
	files := listDir(t, dir)
	require.Zero(t, log.count(ERROR), "corruption reported: %v", files)
	require.False(t, slices.ContainsFunc(files, func(s string) bool { return strings.HasSuffix(s, ".bad") }),
		"corruption reported: %v", files)
}

func TestEmpty(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir, newLogRecorder(t))
	o.SyncEvery = 1
	q := open(t, o)
	for i := range 5 {
		put(t, q, msg(i, "msg0"))
	}
	expectRecords(t, q, msg(0, "msg0"))
	require.NoError(t, q.Empty())
	require.EqualValues(t, 0, q.Depth(), "depth after Empty")
	require.Empty(t, listDir(t, dir), "files after Empty")
	expectNothing(t, q)
	put(t, q, msg(9, "msg9"))
	expectRecords(t, q, msg(9, "msg9"))
	require.NoError(t, q.Close())
	// Writing was at segment 2 (5 records of 34 bytes, 2 per segment).
	require.Equal(t, "0\n3,34\n3,34\n", readFile(t, dir, "T.diskqueue.meta.dat"), "metadata")
}

func TestDelete(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir, newLogRecorder(t))
	o.SyncEvery = 1
	q := open(t, o)
	for i := range 5 {
		put(t, q, msg(i, "msg0"))
	}
	require.NoError(t, q.Delete())
	require.Empty(t, listDir(t, dir), "files after Delete")
	require.ErrorIs(t, q.Put(msg(1, "x")), ErrClosed, "Put after Delete")
	require.NoError(t, q.Close(), "Close after Delete")
	require.Empty(t, listDir(t, dir), "files after Close")
}

func TestClosedQueue(t *testing.T) {
	q := NewWithOptions(testOptions(t, t.TempDir(), newLogRecorder(t)))
	require.NoError(t, q.Close())
	require.NoError(t, q.Close(), "second Close")
	require.ErrorIs(t, q.Put(msg(1, "x")), ErrClosed, "Put")
	require.ErrorIs(t, q.Empty(), ErrClosed, "Empty")
	require.ErrorIs(t, q.Delete(), ErrClosed, "Delete")
}

func TestConcurrentPut(t *testing.T) {
	o := testOptions(t, t.TempDir(), newLogRecorder(t))
	o.MaxBytesPerFile = 4096
	o.SyncEvery = 100
	q := open(t, o)
	const producers, each = 16, 250
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				body := binary.BigEndian.AppendUint32([]byte{byte(p)}, uint32(i))
				if !assert.NoError(t, q.Put(msg(p, string(body))), "Put") {
					return
				}
			}
		})
	}
	next := make([]uint32, producers)
	for _, b := range readN(t, q, producers*each) {
		p, i := b[26], binary.BigEndian.Uint32(b[27:])
		require.Equal(t, next[p], i, "producer %d", p)
		next[p]++
	}
	wg.Wait()
	expectDepth(t, q, 0)
	expectNothing(t, q)
}

func TestSyncEveryWritesMetadataBeforePutReturns(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir, newLogRecorder(t))
	o.SyncEvery = 1
	q := open(t, o)
	for i := range 3 {
		put(t, q, msg(i, "msg0"))
		want := fmt.Sprintf("%d\n0,0\n%d,%d\n", i+1, i/2, 34*(i%2+1))
		require.Equal(t, want, readFile(t, dir, "T.diskqueue.meta.dat"), "after Put %d metadata", i)
	}
	expectRecords(t, q, msg(0, "msg0"))
	eventually(t, "metadata after read", func() bool {
		return readFile(t, dir, "T.diskqueue.meta.dat") == "2\n0,34\n1,34\n"
	})
}

func TestSyncTimeout(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir, newLogRecorder(t))
	o.SyncTimeout = 5 * time.Millisecond
	q := open(t, o)
	put(t, q, msg(0, "msg0"), msg(1, "msg1"))
	eventually(t, "metadata by ticker", func() bool {
		return exists(dir, "T.diskqueue.meta.dat") &&
			readFile(t, dir, "T.diskqueue.meta.dat") == "2\n0,0\n0,68\n"
	})
}

func TestNoSyncWithoutTrigger(t *testing.T) {
	dir := t.TempDir()
	q := open(t, testOptions(t, dir, newLogRecorder(t)))
	put(t, q, msg(0, "msg0"), msg(1, "msg1"))
	require.False(t, exists(dir, "T.diskqueue.meta.dat"), "metadata written without a sync trigger")
	// Rolling to a new segment is a trigger.
	put(t, q, msg(2, "msg2"))
	require.Equal(t, "2\n0,0\n1,0\n", readFile(t, dir, "T.diskqueue.meta.dat"), "metadata after roll")
	require.NoError(t, q.Close())
	require.Equal(t, "3\n0,0\n1,34\n", readFile(t, dir, "T.diskqueue.meta.dat"), "metadata after Close")
}

func TestReadChanInSelect(t *testing.T) {
	q := open(t, testOptions(t, t.TempDir(), newLogRecorder(t)))
	other := make(chan []byte, 1)
	other <- []byte("memory")
	put(t, q, msg(1, "disk"))
	seen := map[string]bool{}
	for len(seen) < 2 {
		select {
		case b := <-other:
			seen[string(b)] = true
		case r := <-q.ReadChan():
			b := r.Data
			seen[string(b[26:])] = true
		case <-time.After(5 * time.Second):
			require.FailNow(t, "timeout", "seen %v", seen)
		}
	}
	require.Equal(t, map[string]bool{"memory": true, "disk": true}, seen)
}

func TestNewWithNilLogger(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("garbage"))
	q := New("T", dir, 100, testMin, testMax, 1, time.Hour, nil)
	defer q.Close()
	put(t, q, msg(1, "x"))
	expectRecords(t, q, msg(1, "x"))
}
