package nsqd

import (
	"errors"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
)

// queueDeps is what topics, channels and their queues need from the
// daemon. Tests build one without an NSQD.
type queueDeps struct {
	opts       func() *Options
	logf       func(lvl lg.Level, f string, args ...any)
	notify     func(v any, persist bool)
	setHealth  func(error)
	newBackend func(name string, ephemeral bool) BackendQueue
	policy     *nodePolicy // dead letters, limits and drain; nil in unit tests
}

func (n *NSQD) newQueueDeps() *queueDeps {
	return &queueDeps{opts: n.getOpts, logf: n.logf, notify: n.Notify,
		setHealth: n.SetHealth, newBackend: n.newBackend, policy: n.policies}
}

// queue is the message store shared by Topic and Channel: a memory queue
// of up to --mem-queue-size messages, an unbuffered hand-off to a waiting
// reader (ephemeral with --mem-queue-size=0 only, whose backend discards),
// the backend (a disk queue, or a discarding sink when ephemeral) for the
// rest, and the deferred set. The owner adds what is its own: a topic its
// fan-out, a channel its in-flight table and clients.
type queue struct {
	name     string // "<topic>" or "<topic>:<channel>": the backend's name
	logName  string // "TOPIC(t)" or "CHANNEL(c)"
	deps     *queueDeps
	mem      *memQueue
	handoff  chan *Message
	backend  BackendQueue
	deferred *deferredSet
	// acked: a durable queue with --mem-queue-size=0, whose disk records
	// stay until done (see diskqueue.Options.Acked).
	acked bool
}

func newQueue(deps *queueDeps, name, logName string, ephemeral bool) *queue {
	opts := deps.opts()
	q := &queue{name: name, logName: logName, deps: deps, mem: newMemQueue(opts.MemQueueSize),
		acked: !ephemeral && opts.MemQueueSize == 0}
	if opts.MemQueueSize == 0 && ephemeral {
		q.handoff = make(chan *Message)
	}
	q.backend = deps.newBackend(name, ephemeral)
	q.deferred = openDeferredSet(deps, name, ephemeral)
	return q
}

func (q *queue) logf(lvl lg.Level, f string, args ...any) {
	q.deps.logf(lvl, q.logName+": "+f, args...)
}

// put queues m in memory, else hands it to a waiting reader (see handoff),
// else writes it to the backend; due (Unix ns, 0 for none) is the deadline
// noted when a deferred message goes to the backend.
func (q *queue) put(m *Message, due int64) error {
	if q.mem.push(m) {
		return nil
	}
	if q.handoff != nil {
		select {
		case q.handoff <- m:
			return nil
		default:
		}
	}
	return q.writeBackend(m, due)
}

// writeBackend appends m to the backend, noting its deadline due when
// non-zero. The deadline is noted first: a reader, or a restart after a
// crash, that finds the record always finds its deadline too. The outcome
// sets the daemon's health.
func (q *queue) writeBackend(m *Message, due int64) error {
	if due != 0 {
		if err := q.deferred.noteOnDisk(m.ID, due); err != nil {
			q.logf(lg.ERROR, "failed to record a deferred deadline - %s", err)
		}
	}
	err := writeMessageToBackend(m, q.backend)
	q.deps.setHealth(err)
	if err != nil {
		if due != 0 {
			q.deferred.remaining(m.ID) // not written: forget its deadline
		}
		q.logf(lg.ERROR, "failed to write message to backend - %s", err)
		return err
	}
	return nil
}

// writeBackendBatch appends ms, none of them deferred, to the backend in
// one batch; it returns how many from the first were written. The outcome
// sets the daemon's health.
func (q *queue) writeBackendBatch(ms []*Message) (int, error) {
	n, err := writeMessagesToBackend(ms, q.backend)
	q.deps.setHealth(err)
	if err != nil {
		q.logf(lg.ERROR, "failed to write %d of %d messages to backend - %s", len(ms)-n, len(ms), err)
	}
	return n, err
}

// decode parses a record read from the backend and returns with it what
// is left of its delay (0 if it is not deferred).
func (q *queue) decode(b []byte) (*Message, time.Duration, error) {
	m, err := decodeMessage(b)
	if err != nil {
		q.logf(lg.ERROR, "failed to decode message - %s", err)
		return nil, 0, err
	}
	return m, q.deferred.remaining(m.ID), nil
}

// done finishes m's disk record if it still has one open.
func (q *queue) done(m *Message) {
	if m.onDisk {
		m.onDisk = false
		q.backend.Done(m.diskPos)
	}
}

// depth is the number of queued messages: memory and backend.
func (q *queue) depth() int64 { return int64(q.mem.len()) + q.backend.Depth() }

// flushMem writes the memory queue to the backend (at shutdown); it returns
// how many messages it moved and the first error.
func (q *queue) flushMem() (int, error) {
	n := 0
	var first error
	q.mem.drain(func(m *Message) {
		if err := q.writeBackend(m, deadlineOf(m)); err != nil && first == nil {
			first = err
		}
		n++
	})
	return n, first
}

// deadlineOf is the Unix ns deadline of a message published deferred, 0
// for any other.
func deadlineOf(m *Message) int64 {
	if m.deferred == 0 {
		return 0
	}
	return time.Now().Add(m.deferred).UnixNano()
}

// empty drops every queued and deferred message.
func (q *queue) empty() error {
	q.mem.drain(func(*Message) {})
	err := q.deferred.clear()
	return errors.Join(q.backend.Empty(), err)
}

// close saves the deferred set and closes the backend, after the owner has
// flushed what it holds.
func (q *queue) close() error {
	err := q.deferred.save()
	if err != nil {
		q.logf(lg.ERROR, "failed to save deferred messages - %s", err)
	}
	return errors.Join(q.backend.Close(), err)
}

// remove deletes the backend and the deferred file.
func (q *queue) remove() error {
	q.mem.drain(func(*Message) {})
	q.deferred.clear()
	err := q.deferred.remove()
	return errors.Join(q.backend.Delete(), err)
}
