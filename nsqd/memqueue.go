package nsqd

import "sync"

// memQueue is the in-memory part of a topic's or channel's queue: a FIFO
// of at most limit messages whose ring buffer grows as it fills and is
// released when it empties, so an idle queue costs a few words instead of
// a --mem-queue-size buffer.
//
// Consumers wait on ready, which holds at most one pending signal: push
// signals after adding, and pop passes the signal on while messages
// remain, so every queued message eventually wakes a consumer and no
// wake-up is lost.
type memQueue struct {
	mu    sync.Mutex
	buf   []*Message
	head  int
	n     int
	limit int
	ready chan struct{}
}

// shrinkAbove is the ring size above which an emptied queue frees its buffer.
const shrinkAbove = 256

func newMemQueue(limit int64) *memQueue {
	return &memQueue{limit: int(limit), ready: make(chan struct{}, 1)}
}

func (q *memQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// push appends m; it reports false when the queue is full.
func (q *memQueue) push(m *Message) bool {
	q.mu.Lock()
	if q.n >= q.limit {
		q.mu.Unlock()
		return false
	}
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)%len(q.buf)] = m
	q.n++
	q.mu.Unlock()
	q.signal()
	return true
}

func (q *memQueue) grow() {
	size := min(max(2*len(q.buf), 16), q.limit)
	buf := make([]*Message, size)
	for i := 0; i < q.n; i++ {
		buf[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = buf, 0
}

// popLocked removes the oldest message, or returns nil.
func (q *memQueue) popLocked() *Message {
	if q.n == 0 {
		return nil
	}
	m := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	if q.n == 0 {
		q.head = 0
		if len(q.buf) > shrinkAbove {
			q.buf = nil
		}
	}
	return m
}

// pop removes the oldest message (nil if none) and passes the wake-up on
// to another consumer if more remain.
func (q *memQueue) pop() *Message {
	q.mu.Lock()
	m := q.popLocked()
	more := q.n > 0
	q.mu.Unlock()
	if more {
		q.signal()
	}
	return m
}

// popBatch moves up to len(dst) messages into dst for a single consumer and
// returns how many; it signals again if more remain.
func (q *memQueue) popBatch(dst []*Message) int {
	q.mu.Lock()
	k := 0
	for k < len(dst) {
		m := q.popLocked()
		if m == nil {
			break
		}
		dst[k] = m
		k++
	}
	more := q.n > 0
	q.mu.Unlock()
	if more {
		q.signal()
	}
	return k
}

// len is the number of queued messages.
func (q *memQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// drain removes every message, calling f on each in order.
func (q *memQueue) drain(f func(*Message)) {
	for {
		q.mu.Lock()
		m := q.popLocked()
		q.mu.Unlock()
		if m == nil {
			return
		}
		f(m)
	}
}

// scan calls f on the queued messages, oldest first, under the lock until
// f returns false; f must not change the message or touch the queue.
func (q *memQueue) scan(f func(*Message) bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := 0; i < q.n; i++ {
		if !f(q.buf[(q.head+i)%len(q.buf)]) {
			return
		}
	}
}
