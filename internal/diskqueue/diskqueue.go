package diskqueue

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// LogLevel is the severity passed to a LogFunc.
type LogLevel int

// Log levels, in increasing severity.
const (
	DEBUG = LogLevel(1)
	INFO  = LogLevel(2)
	WARN  = LogLevel(3)
	ERROR = LogLevel(4)
	FATAL = LogLevel(5)
)

// LogFunc receives the queue's log lines. The lines do not name the queue: a
// LogFunc that serves several queues should add the name itself.
type LogFunc func(lvl LogLevel, f string, args ...any)

// Interface is what nsqd uses for a topic's or channel's backend.
type Interface interface {
	// Put appends one record. It fails if the payload length is outside
	// [MinMsgSize, MaxMsgSize], on an I/O error, or after Close or Delete.
	Put(data []byte) error
	// PutBatch appends the records in order, in one write answered once;
	// each is as durable as Put makes it when PutBatch returns. It
	// returns how many records, from the first, were written, and the
	// error that stopped the rest: a record Put would refuse ends the
	// batch there, and a failed flush or sync takes back the records it
	// was to cover, always the last ones written.
	PutBatch(data [][]byte) (int, error)
	// ReadChan delivers the records in order; a record received from it is
	// consumed (depth falls by one). It is never closed.
	ReadChan() <-chan Record
	// Done marks the record at p finished. Only a queue opened with
	// Options.Acked needs it; elsewhere it does nothing.
	Done(p Pos)
	// Close stops the queue after a final sync. A second Close returns nil.
	Close() error
	// Delete empties the queue and stops it without a sync, leaving no files.
	Delete() error
	// Depth is the number of records not yet consumed.
	Depth() int64
	// Empty removes all segments and the metadata file and continues at the
	// next segment number with depth 0.
	Empty() error
}

// Options configures a queue; see NewWithOptions.
type Options struct {
	Name            string
	DataPath        string
	MaxBytesPerFile int64
	MinMsgSize      int32
	MaxMsgSize      int32
	SyncEvery       int64
	SyncTimeout     time.Duration
	Logf            LogFunc
	// Validate, if set, must accept every payload read back; a payload it
	// rejects is treated as corruption (see the package documentation).
	Validate func(payload []byte) bool

	fileOps fileOps // fault injection in tests

	// Acked keeps every record read on disk until Done is called for it:
	// the read position written to the metadata file is that of the
	// oldest record read and not yet done (the low-water mark), and the
	// records done ahead of it are listed in a sidecar file so that they
	// are skipped when reading starts again from the mark (see the
	// package documentation).
	Acked bool
}

// Record is one record read from the queue and where it starts.
type Record struct {
	Data []byte
	Pos  Pos
}

// ErrClosed is returned by operations on a queue that was closed or deleted.
var ErrClosed = errors.New("exiting")

const (
	bufSize  = 32 << 10 // read and write buffer size
	maxBatch = 256      // most writes answered by one flush
)

// writeReq is one Put (data) or one PutBatch (many).
type writeReq struct {
	data []byte
	many [][]byte
	done chan writeResult
}

// writeResult answers a writeReq: n records from the first were written,
// err stopped the rest.
type writeResult struct {
	n   int
	err error
}

type diskQueue struct {
	name            string
	dataPath        string
	maxBytesPerFile int64
	minMsgSize      int32
	maxMsgSize      int32
	syncEvery       int64
	syncTimeout     time.Duration
	logFunc         LogFunc
	validate        func([]byte) bool
	ops             fileOps

	depth   atomic.Int64
	closed  atomic.Bool
	readCh  chan Record
	doneCh  chan Pos
	writeCh chan writeReq
	ctlCh   chan func() // requests run on the I/O loop (Empty, Peek)
	takeCh  chan takeReq
	exitCh  chan struct{}
	gate    loopGate // whether the I/O loop runs (see park.go)
	wg      sync.WaitGroup

	// Owned by the I/O loop, and by Close or Delete once it has stopped.
	readFileNum  int64
	readPos      int64 // position of the next unconsumed record
	maxRead      int64 // end of a completed read segment, -1 if unknown
	writeFileNum int64
	writePos     int64
	flushedPos   int64 // writePos at the last successful flush
	ahead        []byte
	haveAhead    bool
	count        int64 // reads and writes since the last sync
	needSync     bool
	truncOnOpen  bool // a write failed: cut the write segment to writePos
	unsynced     bool // records written to the write segment since its last fsync
	readFile     *os.File
	reader       *bufio.Reader
	writeFile    *os.File
	writer       *bufio.Writer
	readHdr      [4]byte
	writeHdr     [4]byte
	batch        []pendingWrite
	unflushed    int   // index in batch of the first record not yet flushed
	undurable    int   // index in batch of the first record not yet fsynced
	undurablePos int64 // where that record starts in the write segment
	metaBuf      []byte

	ackState
}

// New opens (or creates) the queue name in dataPath and starts its goroutine.
func New(name string, dataPath string, maxBytesPerFile int64,
	minMsgSize int32, maxMsgSize int32,
	syncEvery int64, syncTimeout time.Duration, logf LogFunc) Interface {
	return NewWithOptions(Options{
		Name:            name,
		DataPath:        dataPath,
		MaxBytesPerFile: maxBytesPerFile,
		MinMsgSize:      minMsgSize,
		MaxMsgSize:      maxMsgSize,
		SyncEvery:       syncEvery,
		SyncTimeout:     syncTimeout,
		Logf:            logf,
	})
}

// NewWithOptions opens (or creates) the queue o.Name in o.DataPath, and
// starts its goroutine if there is anything to read or sync (see park.go).
// A SyncEvery below 1 means 1; a SyncTimeout of 0 or less disables the
// sync timer.
func NewWithOptions(o Options) Interface {
	d := newDiskQueue(o)
	d.load()
	if !d.idle() {
		d.startLoop(0)
	}
	return d
}

// load reads the queue's state from its files.
func (d *diskQueue) load() {
	d.retrieveMetaData()
	d.loadDone()
}

// newDiskQueue builds the queue's state without reading its files or
// starting its goroutine.
func newDiskQueue(o Options) *diskQueue {
	d := &diskQueue{
		name:            o.Name,
		dataPath:        o.DataPath,
		maxBytesPerFile: o.MaxBytesPerFile,
		minMsgSize:      o.MinMsgSize,
		maxMsgSize:      o.MaxMsgSize,
		syncEvery:       max(o.SyncEvery, 1),
		syncTimeout:     o.SyncTimeout,
		logFunc:         o.Logf,
		validate:        o.Validate,
		ops:             o.fileOps,
		readCh:          make(chan Record, readChanSize(o.Acked)),
		writeCh:         make(chan writeReq),
		ctlCh:           make(chan func()),
		takeCh:          make(chan takeReq),
		exitCh:          make(chan struct{}),
		maxRead:         -1,
	}
	d.acked = o.Acked
	return d
}

// Put implements Interface.
func (d *diskQueue) Put(data []byte) error {
	return d.write(writeReq{data: data}).err
}

// PutBatch implements Interface.
func (d *diskQueue) PutBatch(data [][]byte) (int, error) {
	if len(data) == 0 {
		return 0, nil
	}
	r := d.write(writeReq{many: data})
	return r.n, r.err
}

// write hands req to the I/O loop and waits for its answer.
func (d *diskQueue) write(req writeReq) writeResult {
	if !d.enter() {
		return writeResult{err: ErrClosed}
	}
	req.done = replies.Get().(chan writeResult)
	select {
	case d.writeCh <- req:
	case <-d.exitCh:
		replies.Put(req.done)
		return writeResult{err: ErrClosed}
	}
	r := <-req.done
	replies.Put(req.done)
	return r
}

// replies are the channels on which Put and PutBatch wait for their
// answer, one per waiting call, shared by every queue: a channel goes back
// only once its one answer was received.
var replies = sync.Pool{New: func() any { return make(chan writeResult, 1) }}

// ReadChan implements Interface.
func (d *diskQueue) ReadChan() <-chan Record { return d.readCh }

// Done implements Interface. It does not wait for the I/O loop.
func (d *diskQueue) Done(p Pos) {
	// Without a backlog (see makeDoneBacklog) no record was handed out.
	if !d.acked || d.doneCh == nil || !d.enter() {
		return
	}
	select {
	case d.doneCh <- p:
	case <-d.exitCh:
	}
}

// Depth implements Interface. Records waiting in ReadChan's buffer are not
// consumed yet and count.
func (d *diskQueue) Depth() int64 { return d.depth.Load() + int64(len(d.readCh)) }

// Empty implements Interface.
func (d *diskQueue) Empty() error {
	var err error
	if cerr := d.onLoop(func() { err = d.empty() }); cerr != nil {
		return cerr
	}
	return err
}

// onLoop runs f on the I/O loop, between two of its other steps, and
// waits for it; it fails only when the queue has stopped.
func (d *diskQueue) onLoop(f func()) error {
	if !d.enter() {
		return ErrClosed
	}
	done := make(chan struct{})
	select {
	case d.ctlCh <- func() { f(); close(done) }:
		<-done
		return nil
	case <-d.exitCh:
		return ErrClosed
	}
}

// Close implements Interface.
func (d *diskQueue) Close() error {
	if !d.stop() {
		return nil
	}
	d.logf(INFO, "closing")
	d.takeDone()
	err := d.sync()
	if err != nil {
		d.logf(ERROR, "failed to sync on close - %s", err)
	}
	d.closeReadFile()
	d.closeWriteFile()
	return err
}

// Delete implements Interface.
func (d *diskQueue) Delete() error {
	if !d.stop() {
		return ErrClosed
	}
	d.logf(INFO, "deleting")
	err := d.deleteAllFiles()
	d.closeReadFile()
	d.closeWriteFile()
	return err
}

// stop ends the I/O loop once; it reports whether this call did it.
func (d *diskQueue) stop() bool {
	if !d.closed.CompareAndSwap(false, true) {
		return false
	}
	d.stopLoop()
	return true
}

// ioLoop is the goroutine that owns the queue state. It returns when the
// queue is stopped, or parks when it is idle (see park.go).
func (d *diskQueue) ioLoop() {
	// The sync timer runs only while something is unsynced, so an idle
	// queue costs no wake-ups; it is made on first use.
	var syncTimer *time.Timer
	defer func() {
		if syncTimer != nil {
			syncTimer.Stop()
		}
	}()
	var tick <-chan time.Time
	for {
		d.fillAhead() // first: a queue read to its end may park
		if d.needSync {
			d.syncOrLog()
		}
		if d.park() {
			return
		}
		if tick == nil && d.count > 0 && d.syncTimeout > 0 {
			syncTimer = armTimer(syncTimer, d.syncTimeout)
			tick = syncTimer.C
		}
		var readCh chan<- Record
		if d.prepareRead() {
			d.makeDoneBacklog()
			readCh = d.readCh
		}
		select {
		case readCh <- d.record():
			d.sent(d.record())
		case p := <-d.doneCh:
			d.received(1)
			d.markDone(p)
			d.takeDone()
		case req := <-d.writeCh:
			d.received(1)
			d.handleWrites(req)
		case f := <-d.ctlCh:
			d.received(1)
			f()
		case req := <-d.takeCh:
			d.received(1)
			d.serveTake(req)
		case <-tick:
			tick = nil
			d.needSync = d.needSync || d.count > 0
		case <-d.exitCh:
			return
		}
	}
}

// armTimer starts t (made if nil) to fire after dur.
func armTimer(t *time.Timer, dur time.Duration) *time.Timer {
	if t == nil {
		return time.NewTimer(dur)
	}
	t.Reset(dur)
	return t
}

// countOps records n reads or writes towards the next sync.
func (d *diskQueue) countOps(n int64) {
	d.count += n
	if d.count >= d.syncEvery {
		d.needSync = true
	}
}

func (d *diskQueue) syncOrLog() {
	if err := d.sync(); err != nil {
		d.logf(ERROR, "failed to sync - %s", err)
	}
}

// empty serves an Empty request inside the loop.
func (d *diskQueue) empty() error {
	d.logf(INFO, "emptying")
	d.unread()
	err := d.deleteAllFiles()
	d.count = 0
	d.needSync = false
	return err
}

// deleteAllFiles removes every segment and the metadata file.
func (d *diskQueue) deleteAllFiles() error {
	err := d.skipToNextRWFile()
	if e := d.done.rewrite(nil); e != nil {
		d.logf(ERROR, "failed to remove %s - %s", d.done.path, e)
		err = e
	}
	if e := os.Remove(d.metaDataFileName()); e != nil && !errors.Is(e, os.ErrNotExist) {
		d.logf(ERROR, "failed to remove metadata file - %s", e)
		return e
	}
	return err
}

// skipToNextRWFile drops everything unread and continues reading and
// writing at the start of segment writeFileNum+1 with depth 0.
func (d *diskQueue) skipToNextRWFile() error {
	d.closeReadFile()
	d.closeWriteFile()
	var err error
	for _, i := range d.segmentsInRange(min(d.keepFrom, d.readFileNum), d.writeFileNum) {
		fn := d.fileName(i)
		if e := os.Remove(fn); e != nil && !errors.Is(e, os.ErrNotExist) {
			d.logf(ERROR, "failed to remove %s - %s", fn, e)
			err = e
		}
	}
	d.writeFileNum++
	d.writePos, d.flushedPos = 0, 0
	d.readFileNum, d.readPos, d.maxRead = d.writeFileNum, 0, -1
	d.ahead, d.haveAhead = nil, false
	d.resetWindow()
	d.depth.Store(0)
	return err
}

// segmentsInRange lists the segment numbers from lo to hi that may have a
// file; for a wide range only those found in the directory.
func (d *diskQueue) segmentsInRange(lo, hi int64) []int64 {
	var nums []int64
	if hi-lo > 64 {
		if all, err := d.listSegments(); err == nil {
			for _, n := range all {
				if n >= lo && n <= hi {
					nums = append(nums, n)
				}
			}
			return nums
		}
	}
	for n := lo; n <= hi; n++ {
		nums = append(nums, n)
	}
	return nums
}

func (d *diskQueue) fileName(n int64) string {
	return filepath.Join(d.dataPath, fmt.Sprintf("%s.diskqueue.%06d.dat", FileBase(d.name), n))
}

func (d *diskQueue) doneFileName() string {
	return filepath.Join(d.dataPath, FileBase(d.name)+".diskqueue.done.dat")
}

func (d *diskQueue) metaDataFileName() string {
	return filepath.Join(d.dataPath, FileBase(d.name)+".diskqueue.meta.dat")
}

func (d *diskQueue) logf(lvl LogLevel, f string, args ...any) {
	if d.logFunc != nil {
		d.logFunc(lvl, f, args...)
	}
}
