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
func (c *Channel) peekQueued(n int) ([]peekEntry, error) { return c.q.peek(n) }

// peekQueued returns up to n of the messages queued at topic level.
func (t *Topic) peekQueued(n int) ([]peekEntry, error) { return t.q.peek(n) }

// peekInFlight returns up to n in-flight messages, oldest first, each
// with its client and deadline.
func (c *Channel) peekInFlight(n int) []peekEntry {
	out := oldestOf(c.ScanInFlight, n, func(m *Message, e *peekEntry) {
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
	return oldestOf(c.ScanDeferred, n, func(m *Message, e *peekEntry) { e.deliverAt = m.pri })
}

// deliverDeferred queues a deferred message at once, as if its time had
// come.
func (c *Channel) deliverDeferred(id MessageID) error {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return errExiting
	}
	m := c.q.deferred.held.popID(id)
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
	if c.q.deferred.held.popID(id) == nil {
		return errNotDeferred
	}
	return c.q.deferred.released(id)
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

// oldestOf picks the n oldest messages a scan offers; more copies what
// else an entry shows.
func oldestOf(scan func(func(*Message) bool), n int, more func(*Message, *peekEntry)) []peekEntry {
	var sel oldestN
	sel.init(n)
	scan(func(m *Message) bool {
		if sel.wants(m) {
			e := entryOf(m)
			more(m, &e)
			sel.add(e)
		}
		return true
	})
	return sel.sorted()
}

// peek merges the first n messages of the memory queue and of the
// backend, oldest first. A record on disk whose deadline the deferred set
// holds shows it as deliver_at.
func (q *queue) peek(n int) ([]peekEntry, error) {
	var sel oldestN
	sel.init(n)
	k := 0
	q.mem.scan(func(m *Message) bool {
		sel.add(entryOf(m))
		k++
		return k < n
	})
	p, ok := q.backend.(diskqueue.Peeker)
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
		e.deliverAt = q.deferred.dueOnDisk(m.ID)
		sel.add(e)
	}
	return sel.sorted(), nil
}

// dueOnDisk is the deadline noted for message id in the disk queue, 0 if
// none.
func (s *deferredSet) dueOnDisk(id MessageID) int64 {
	if s.dueN.Load() == 0 {
		return 0
	}
	s.dueMu.Lock()
	defer s.dueMu.Unlock()
	return s.due[id]
}

// entryOf copies the fields every entry shows; it runs under the lock of
// the queue or table m is in.
func entryOf(m *Message) peekEntry {
	return peekEntry{id: m.ID, body: m.Body, timestamp: m.Timestamp, attempts: m.Attempts}
}
