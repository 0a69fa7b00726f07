package diskqueue

import (
	"errors"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

var errInjected = errors.New("injected I/O error")

// faults makes fsync of segment files, or the metadata file's fsync and
// rename, fail while switched on.
type faults struct {
	segmentSync atomic.Bool
	metadata    atomic.Bool
}

func (f *faults) ops() fileOps {
	return fileOps{
		sync: func(file *os.File) error {
			meta := strings.Contains(file.Name(), ".meta.dat")
			if meta && f.metadata.Load() || !meta && f.segmentSync.Load() {
				return errInjected
			}
			return file.Sync()
		},
		rename: func(oldpath, newpath string) error {
			if f.metadata.Load() {
				return errInjected
			}
			return os.Rename(oldpath, newpath)
		},
	}
}

func faultyQueue(t *testing.T, syncEvery int64) (Interface, *faults, string) {
	t.Helper()
	dir := t.TempDir()
	f := &faults{}
	o := testOptions(t, dir, newLogRecorder(t))
	o.SyncEvery, o.fileOps = syncEvery, f.ops()
	return open(t, o), f, dir
}

// TestSyncEveryOneFailedFsyncFailsTheWrite: with a sync after every write,
// a write whose fsync fails is answered with the error and taken back, so
// the publisher's retry does not duplicate it.
func TestSyncEveryOneFailedFsyncFailsTheWrite(t *testing.T) {
	q, f, _ := faultyQueue(t, 1)
	put(t, q, msg(1, "kept"))
	f.segmentSync.Store(true)
	assert.ErrorIs(t, q.Put(msg(2, "refused")), errInjected)
	assert.EqualValues(t, 1, q.Depth())
	f.segmentSync.Store(false)
	put(t, q, msg(3, "after"))
	expectRecords(t, q, msg(1, "kept"), msg(3, "after"))
	expectDepth(t, q, 0)
}

// TestSyncEveryOneFailedMetadataFailsTheWrite: the metadata file is part
// of the sync a write waits for.
func TestSyncEveryOneFailedMetadataFailsTheWrite(t *testing.T) {
	q, f, dir := faultyQueue(t, 1)
	f.metadata.Store(true)
	assert.ErrorIs(t, q.Put(msg(1, "refused")), errInjected)
	assert.EqualValues(t, 0, q.Depth())
	f.metadata.Store(false)
	put(t, q, msg(2, "after"))
	assert.Equal(t, "1\n0,0\n0,35\n", readFile(t, dir, "T.diskqueue.meta.dat"))
	expectRecords(t, q, msg(2, "after"))
}

// TestFailedRollFailsTheWrite: a write that needs a new segment is refused
// when the full segment cannot be made durable, and when the metadata that
// records the move cannot be written; the queue goes on once the disk does.
func TestFailedRollFailsTheWrite(t *testing.T) {
	for _, fault := range []string{"segment fsync", "metadata"} {
		t.Run(fault, func(t *testing.T) {
			q, f, _ := faultyQueue(t, 1<<30)
			put(t, q, msg(1, "first"), msg(2, "second")) // 2 × 40 bytes of 100
			on := &f.segmentSync
			if fault == "metadata" {
				on = &f.metadata
			}
			on.Store(true)
			assert.ErrorIs(t, q.Put(msg(3, "refused")), errInjected)
			on.Store(false)
			put(t, q, msg(4, "after"))
			expectRecords(t, q, msg(1, "first"), msg(2, "second"), msg(4, "after"))
			expectDepth(t, q, 0)
		})
	}
}

// TestSyncEveryTwoFailedSyncFailsTheWriteThatNeedsIt: the write that
// completes --sync-every waits for the sync and gets its error; the one
// before was answered from the page cache, as --sync-every=2 allows.
func TestSyncEveryTwoFailedSyncFailsTheWriteThatNeedsIt(t *testing.T) {
	q, f, _ := faultyQueue(t, 2)
	put(t, q, msg(1, "cached"))
	f.segmentSync.Store(true)
	assert.ErrorIs(t, q.Put(msg(2, "refused")), errInjected)
	f.segmentSync.Store(false)
	put(t, q, msg(3, "after"))
	expectRecords(t, q, msg(1, "cached"), msg(3, "after"))
}

// TestFailedSyncSparesWritesARollMadeDurable: writes answered together,
// where a segment roll in the middle made the first ones durable and the
// sync due at the end fails: only the writes after the roll fail.
func TestFailedSyncSparesWritesARollMadeDurable(t *testing.T) {
	dir := t.TempDir()
	release := make(chan struct{})
	var calls atomic.Int32
	o := testOptions(t, dir, newLogRecorder(t))
	o.MaxBytesPerFile, o.SyncEvery = 200, 4
	o.fileOps = fileOps{sync: func(file *os.File) error {
		if strings.Contains(file.Name(), ".meta.dat") {
			return file.Sync()
		}
		switch calls.Add(1) {
		case 1: // a sync due after a read: held while writers line up
			<-release
		case 3: // the sync due at the end of their batch
			return errInjected
		}
		return file.Sync()
	}}
	q := open(t, o)
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock)   // before Close, should the test stop early
	body := "0123456789" // 40-byte records, five to a 200-byte segment
	put(t, q, msg(1, body), msg(2, body), msg(3, body))
	expectRecords(t, q, msg(1, body)) // the 4th operation: a sync is due
	eventually(t, "the sync held", func() bool { return goroutinesIn("(*diskQueue).sync(") == 1 })
	errs := make([]chan error, 8)
	for i := 4; i <= 7; i++ {
		errs[i] = make(chan error, 1)
		go func() { errs[i] <- q.Put(msg(i, body)) }()
		// Writers queue in order: each waits before the next starts.
		eventually(t, "writers waiting", func() bool { return goroutinesIn("(*diskQueue).Put(") == i-3 })
	}
	// One batch: m4 and m5 fill the segment, m6 rolls to the next one
	// (an fsync that makes m4 and m5 durable), m7; the sync due then fails.
	unblock()
	for i, want := range map[int]error{4: nil, 5: nil, 6: errInjected, 7: errInjected} {
		assert.ErrorIs(t, <-errs[i], want, "m%d", i)
	}
	put(t, q, msg(8, "after"))
	expectRecords(t, q, msg(2, body), msg(3, body), msg(4, body), msg(5, body), msg(8, "after"))
	expectDepth(t, q, 0)
}

// goroutinesIn counts goroutines with frame on their stack.
func goroutinesIn(frame string) int {
	var b strings.Builder
	_ = pprof.Lookup("goroutine").WriteTo(&b, 2)
	n := 0
	for _, g := range strings.Split(b.String(), "\n\n") {
		if strings.Contains(g, frame) {
			n++
		}
	}
	return n
}
