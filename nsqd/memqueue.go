package nsqd

import "sync"

// memQueue is the in-memory part of a topic's or channel's queue: a FIFO
// of at most limit messages kept in a chain of blocks. A full queue adds a
// block (each twice the last, up to maxBlock slots) instead of copying
// everything into a larger ring, so a long backlog costs one pointer per
// message and no copying; blocks are dropped as they are used up, one
// kept aside for the next needed. An emptied queue keeps a small block
// (at most shrinkAbove slots) for reuse and frees a larger one, so an idle
// queue costs a few words.
//
// Consumers wait on ready, which holds at most one pending signal: push
// signals after adding, and pop passes the signal on while messages
// remain, so every queued message eventually wakes a consumer and no
// wake-up is lost.
type memQueue struct {
	mu    sync.Mutex
	head  *memBlock // holds the oldest message; nil while no block is kept
	tail  *memBlock // the block being filled (head when there is one)
	hi    int       // slot of the oldest message in head
	ti    int       // next free slot in tail
	spare *memBlock // a used-up block, kept for the next one needed
	n     int
	limit int
	ready chan struct{}
}

// memBlock is one link of a memQueue's chain.
type memBlock struct {
	msgs []*Message
	next *memBlock
}

const (
	// firstBlock and maxBlock bound the slots of a block.
	firstBlock = 16
	maxBlock   = 1024
	// shrinkAbove is the block size above which an emptied queue frees it.
	shrinkAbove = 256
)

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
	q.pushLocked(m)
	q.mu.Unlock()
	q.signal()
	return true
}

// pushBatch appends as many of msgs, in order, as the limit lets in, under
// one lock and with one signal, and returns how many it took.
func (q *memQueue) pushBatch(msgs []*Message) int {
	q.mu.Lock()
	k := min(len(msgs), max(q.limit-q.n, 0))
	for _, m := range msgs[:k] {
		q.pushLocked(m)
	}
	q.mu.Unlock()
	if k > 0 {
		q.signal()
	}
	return k
}

func (q *memQueue) pushLocked(m *Message) {
	if q.tail == nil || q.ti == len(q.tail.msgs) {
		q.addBlock()
	}
	q.tail.msgs[q.ti] = m
	q.ti++
	q.n++
}

// addBlock links a new tail block: twice the size of the last one, at
// most maxBlock and never more than the limit leaves room for.
func (q *memQueue) addBlock() {
	size := firstBlock
	if q.tail != nil {
		size = 2 * len(q.tail.msgs)
	}
	size = min(size, maxBlock, q.limit-q.n)
	b := q.spare
	if b != nil && len(b.msgs) >= size {
		q.spare = nil
	} else {
		b = &memBlock{msgs: make([]*Message, size)}
	}
	if q.tail == nil {
		q.head, q.hi = b, 0
	} else {
		q.tail.next = b
	}
	q.tail, q.ti = b, 0
}

// popLocked removes the oldest message, or returns nil.
func (q *memQueue) popLocked() *Message {
	if q.n == 0 {
		return nil
	}
	b := q.head
	m := b.msgs[q.hi]
	b.msgs[q.hi] = nil
	q.hi++
	q.n--
	switch {
	case q.n == 0:
		// head is the tail, used up to ti: start it over, or free it.
		q.hi, q.ti, q.spare = 0, 0, nil
		if len(b.msgs) > shrinkAbove {
			q.head, q.tail = nil, nil
		}
	case q.hi == len(b.msgs):
		q.head, q.hi = b.next, 0
		b.next = nil
		q.spare = b
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
	b, i := q.head, q.hi
	for left := q.n; left > 0; left-- {
		if i == len(b.msgs) {
			b, i = b.next, 0
		}
		if !f(b.msgs[i]) {
			return
		}
		i++
	}
}
