package nsqd

import (
	"errors"

	"github.com/nsqgo/nsq/internal/diskqueue"
)

// Read-only looks at what topics and channels hold, and the two operator
// actions on one deferred message. This file is the only place the message
// browser touches their queues and tables: each look copies what it needs
// under the lock that guards it and changes nothing.

var errNotDeferred = errors.New("ID not deferred")

// peekQueued returns up to n of the channel's queued messages (memory and
// disk), oldest first.
func (c *Channel) peekQueued(n int) ([]peekEntry, error) {
	return peekQueues(c.mem, c.backend, c.deferredStore, n)
}

// peekQueued returns up to n of the messages queued at topic level.
func (t *Topic) peekQueued(n int) ([]peekEntry, error) {
	return peekQueues(t.mem, t.backend, t.deferredStore, n)
}

// peekInFlight returns up to n in-flight messages, oldest first, each
// with its client and deadline.
func (c *Channel) peekInFlight(n int) []peekEntry {
	out := peekTable(&c.inFlight, n, func(m *Message, e *peekEntry) {
		e.expiresAt, e.clientID = m.pri, m.clientID
	})
	c.mu.RLock()
	defer c.mu.RUnlock()
	for i := range out {
		out[i].client = c.clients[out[i].clientID]
	}
	return out
}

// peekDeferred returns up to n deferred messages, oldest first, each with
// the time it is due.
func (c *Channel) peekDeferred(n int) []peekEntry {
	return peekTable(&c.deferred, n, func(m *Message, e *peekEntry) { e.deliverAt = m.pri })
}

// deliverDeferred queues a deferred message at once, as if its time had
// come.
func (c *Channel) deliverDeferred(id MessageID) error {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return errExiting
	}
	m := c.deferred.popID(id)
	if m == nil {
		return errNotDeferred
	}
	return c.requeueDue(m)
}

// deleteDeferred discards a deferred message.
func (c *Channel) deleteDeferred(id MessageID) error {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return errExiting
	}
	if c.deferred.popID(id) == nil {
		return errNotDeferred
	}
	return c.journal.remove(id)
}

// popID removes id whoever owns it, or returns nil.
func (t *msgTable) popID(id MessageID) *Message {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.msgs[id]
	if !ok {
		return nil
	}
	m, _ = t.popOwnedLocked(m.clientID, id)
	return m
}

// peekTable picks the n oldest messages of a table under its lock; more
// copies what else an entry shows.
func peekTable(t *msgTable, n int, more func(*Message, *peekEntry)) []peekEntry {
	var sel oldestN
	sel.init(n)
	t.mu.Lock()
	for _, m := range t.msgs {
		if sel.wants(m) {
			e := entryOf(m)
			more(m, &e)
			sel.add(e)
		}
	}
	t.mu.Unlock()
	return sel.sorted()
}

// peekQueues merges the first n messages of a memory queue and of its
// backend, oldest first. A record on disk whose deadline the deferred
// store holds shows it as deliver_at.
func peekQueues(mem *memQueue, bq BackendQueue, ds *deferredStore, n int) ([]peekEntry, error) {
	var sel oldestN
	sel.init(n)
	mem.mu.Lock()
	for i := 0; i < min(n, mem.n); i++ {
		sel.add(entryOf(mem.buf[(mem.head+i)%len(mem.buf)]))
	}
	mem.mu.Unlock()
	p, ok := bq.(diskqueue.Peeker)
	if !ok {
		return sel.sorted(), nil
	}
	recs, err := p.Peek(n)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		m, err := decodeMessage(rec)
		if err != nil {
			continue
		}
		e := entryOf(m)
		e.deliverAt = ds.peekDue(m.ID)
		sel.add(e)
	}
	return sel.sorted(), nil
}

// peekDue is the deadline recorded for id, 0 if none.
func (s *deferredStore) peekDue(id MessageID) int64 {
	if s == nil || s.size.Load() == 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.due[id]
}

// entryOf copies the fields every entry shows; the caller holds the lock
// of the queue or table m is in.
func entryOf(m *Message) peekEntry {
	return peekEntry{id: m.ID, body: m.Body, timestamp: m.Timestamp, attempts: m.Attempts}
}
