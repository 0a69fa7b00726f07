package nsqd

import (
	"errors"
	"fmt"
	"github.com/nsqgo/nsq/internal/lg"
	"sync"
	"sync/atomic"
	"time"
)

// deferredSet is a queue's deferred messages: those held in memory until
// due (a channel's DPUB and delayed REQ) and the deadlines of those that
// wait in the disk queue. Both are kept on disk by one deferJournal (see
// there for the file and when it is written).
//
// Locks: journal.mu is taken before held.mu, so that a message enters the
// table and its journal record together; dueMu is a leaf.
type deferredSet struct {
	held    msgTable
	dueMu   sync.Mutex
	due     map[MessageID]int64 // Unix ns deadline by id, of messages in the disk queue
	dueN    atomic.Int64        // len(due), read without the lock on the read path
	journal *deferJournal       // nil for an ephemeral queue
}

// openDeferredSet replays the journal of a durable queue (none for an
// ephemeral one); a damaged journal is logged and what was read is kept.
func openDeferredSet(deps *queueDeps, name string, ephemeral bool) *deferredSet {
	s := &deferredSet{held: newMsgTable(), due: make(map[MessageID]int64)}
	if ephemeral {
		return s
	}
	opts := deps.opts()
	j, st, err := openDeferJournal(deferJournalPath(opts.DataPath, name), opts.MemQueueSize == 0,
		opts.SyncEvery, opts.SyncTimeout)
	if err != nil {
		deps.logf(lg.ERROR, "%s: deferred messages - %s", name, err)
	}
	for _, m := range st.held {
		s.held.add(m, errAlreadyDefered)
	}
	s.due = st.due
	s.dueN.Store(int64(len(s.due)))
	s.journal = j
	return s
}

// errDeferredFull is returned when a channel holds --max-deferred
// deferred messages.
var errDeferredFull = errors.New("too many deferred messages")

// hold places m in the table until m.pri, journaled first when durable. A
// table of limit messages or more (limit 0: no limit) takes no more.
func (s *deferredSet) hold(m *Message, limit int64) error {
	if s.full(limit) {
		return fmt.Errorf("%w: the channel holds --max-deferred=%d", errDeferredFull, limit)
	}
	return s.journal.add(m, func() error { return s.held.add(m, errAlreadyDefered) })
}

// full reports whether the table holds limit messages or more.
func (s *deferredSet) full(limit int64) bool {
	return limit > 0 && int64(s.held.len()) >= limit
}

// released closes the journal record of a held message that has left the
// table for the queue.
func (s *deferredSet) released(id MessageID) error { return s.journal.remove(id) }

// noteOnDisk records that message id, about to be written to the disk
// queue, is due at the Unix ns due.
func (s *deferredSet) noteOnDisk(id MessageID, due int64) error {
	s.dueMu.Lock()
	s.due[id] = due
	s.dueN.Store(int64(len(s.due)))
	s.dueMu.Unlock()
	return s.journal.addDeadline(id, due)
}

// remaining returns how long a message just read from the disk queue must
// still wait (0 if it is not deferred or already due) and forgets it.
func (s *deferredSet) remaining(id MessageID) time.Duration {
	if s.dueN.Load() == 0 {
		return 0
	}
	s.dueMu.Lock()
	due, ok := s.due[id]
	delete(s.due, id)
	s.dueN.Store(int64(len(s.due)))
	s.dueMu.Unlock()
	if !ok {
		return 0
	}
	s.journal.remove(id)
	return max(time.Until(time.Unix(0, due)), 0)
}

// clear forgets everything (the queue was emptied).
func (s *deferredSet) clear() error {
	s.held.reset()
	s.dueMu.Lock()
	s.due = make(map[MessageID]int64)
	s.dueN.Store(0)
	s.dueMu.Unlock()
	return s.journal.reset()
}

// save writes what is still deferred at a clean shutdown: held messages
// that could not be written to the disk queue with their bodies, and the
// deadlines of those in it. Deadlines already past are dropped.
func (s *deferredSet) save() error {
	st := newJournalState()
	s.held.each(func(m *Message) { st.held[m.ID] = m })
	now := time.Now().UnixNano()
	s.dueMu.Lock()
	for id, due := range s.due {
		if due > now {
			st.due[id] = due
		}
	}
	s.dueMu.Unlock()
	return s.journal.save(st)
}

// len is the number of held messages.
func (s *deferredSet) len() int { return s.held.len() }
