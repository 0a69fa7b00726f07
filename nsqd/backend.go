package nsqd

import (
	"sync"

	"github.com/nsqgo/nsq/internal/diskqueue"
)

// BackendQueue is where a topic or channel keeps what does not fit in
// memory: a disk queue for durable ones, a discarding sink for ephemeral ones.
type BackendQueue interface {
	Put([]byte) error
	// PutBatch appends records in order in one write; it returns how many
	// from the first were written and the error that stopped the rest.
	PutBatch([][]byte) (int, error)
	// ReadChan delivers the records in order, each with its position.
	ReadChan() <-chan diskqueue.Record
	// Done finishes the record at a position (with --mem-queue-size=0 a
	// record read stays on disk until then; see diskqueue.Options.Acked).
	Done(diskqueue.Pos)
	Close() error
	Delete() error
	Depth() int64
	Empty() error
}

// dropQueue is the backend of ephemeral topics and channels: overflow is
// discarded and nothing is ever read back.
type dropQueue struct{}

func (dropQueue) Put([]byte) error                  { return nil }
func (dropQueue) PutBatch(b [][]byte) (int, error)  { return len(b), nil }
func (dropQueue) ReadChan() <-chan diskqueue.Record { return nil }
func (dropQueue) Done(diskqueue.Pos)                {}
func (dropQueue) Close() error                      { return nil }
func (dropQueue) Delete() error                     { return nil }
func (dropQueue) Depth() int64                      { return 0 }
func (dropQueue) Empty() error                      { return nil }

// encodedBatch is the encoding of one message or a run of them: one
// buffer, and for a run a record per message slicing it.
type encodedBatch struct {
	buf  []byte
	recs [][]byte
}

var encodedBatchPool = sync.Pool{New: func() any { return new(encodedBatch) }}

// writeMessageToBackend encodes m and appends it to bq.
func writeMessageToBackend(m *Message, bq BackendQueue) error {
	e := encodedBatchPool.Get().(*encodedBatch)
	e.buf = m.appendTo(e.buf[:0])
	err := bq.Put(e.buf)
	encodedBatchPool.Put(e)
	return err
}

// writeMessagesToBackend encodes ms and appends them to bq in one batch;
// it returns how many from the first were written.
func writeMessagesToBackend(ms []*Message, bq BackendQueue) (int, error) {
	e := encodedBatchPool.Get().(*encodedBatch)
	size := 0
	for _, m := range ms {
		size += m.encodedLen()
	}
	if cap(e.buf) < size {
		e.buf = make([]byte, 0, size)
	}
	buf := e.buf[:0]
	for _, m := range ms {
		start := len(buf)
		buf = m.appendTo(buf)
		e.recs = append(e.recs, buf[start:])
	}
	n, err := bq.PutBatch(e.recs)
	clear(e.recs)
	e.recs = e.recs[:0]
	encodedBatchPool.Put(e)
	return n, err
}

// newBackend opens the disk queue for name, or the drop queue when ephemeral.
func (n *NSQD) newBackend(name string, ephemeral bool) BackendQueue {
	if ephemeral {
		return dropQueue{}
	}
	opts := n.getOpts()
	logf := func(lvl diskqueue.LogLevel, f string, args ...any) {
		n.logf(lgLevel(lvl), "DISKQUEUE(%s): "+f, append([]any{name}, args...)...)
	}
	return diskqueue.NewWithOptions(diskqueue.Options{
		Name:            name,
		DataPath:        opts.DataPath,
		MaxBytesPerFile: opts.MaxBytesPerFile,
		MinMsgSize:      int32(minValidMsgLength),
		MaxMsgSize:      int32(opts.MaxMsgSize) + minValidMsgLength,
		SyncEvery:       opts.SyncEvery,
		SyncTimeout:     opts.SyncTimeout,
		Logf:            logf,
		Validate:        isValidRecord,
		Acked:           opts.MemQueueSize == 0,
	})
}
