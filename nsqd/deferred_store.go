package nsqd

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
)

// deferredSet is a queue's deferred messages: those held in memory until
// due (a channel's DPUB and delayed REQ) and the deadlines of those that
// wait in the disk queue. Both are kept on disk by one deferJournal (see
// there for the file and when it is written).
//
// The journal is made when the queue first needs it: at startup if its
// file exists, at the first deferred message of a durable queue, at
// shutdown or deletion otherwise. A queue that never defers anything has
// none, and no file.
//
// Locks: journal.mu is taken before held.mu, so that a message enters the
// table and its journal record together; dueMu and journalMu are leaves.
type deferredSet struct {
	held      msgTable
	dueMu     sync.Mutex
	due       map[MessageID]int64 // Unix ns deadline by id, of messages in the disk queue; nil when empty
	dueN      atomic.Int64        // len(due), read without the lock on the read path
	journal   atomic.Pointer[deferJournal]
	journalMu sync.Mutex // serialises making the journal
	deps      *queueDeps // nil for an ephemeral queue, which has no journal
	name      string
	durable   bool // --mem-queue-size=0: every record is journaled as it happens
}

// openDeferredSet replays the journal of a durable queue if it has a file
// (none for an ephemeral one); a damaged journal is logged and what was
// read is kept.
func openDeferredSet(deps *queueDeps, name string, ephemeral bool) *deferredSet {
	s := &deferredSet{held: newMsgTable()}
	if ephemeral {
		return s
	}
	opts := deps.opts()
	s.deps, s.name, s.durable = deps, name, opts.MemQueueSize == 0
	path := deferJournalPath(opts.DataPath, name)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return s
	}
	j, st, err := openDeferJournal(path, s.durable, opts.SyncEvery, opts.SyncTimeout)
	if err != nil {
		deps.logf(lg.ERROR, "%s: deferred messages - %s", name, err)
	}
	for _, m := range st.held {
		s.held.add(m, errAlreadyDefered)
	}
	if len(st.due) > 0 {
		s.due = st.due
	}
	s.dueN.Store(int64(len(s.due)))
	s.journal.Store(j)
	return s
}

// journalFor returns the queue's journal, making it if need is set and
// there is none yet. It returns nil for an ephemeral queue, and for one
// that has no journal when need is false: nothing is journaled then.
func (s *deferredSet) journalFor(need bool) *deferJournal {
	if j := s.journal.Load(); j != nil || !need || s.deps == nil {
		return j
	}
	s.journalMu.Lock()
	defer s.journalMu.Unlock()
	if j := s.journal.Load(); j != nil {
		return j
	}
	opts := s.deps.opts()
	j := newDeferJournal(deferJournalPath(opts.DataPath, s.name), s.durable, opts.SyncEvery, opts.SyncTimeout)
	s.journal.Store(j)
	return j
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
	return s.journalFor(s.durable).add(m, func() error { return s.held.add(m, errAlreadyDefered) })
}

// full reports whether the table holds limit messages or more.
func (s *deferredSet) full(limit int64) bool {
	return limit > 0 && int64(s.held.len()) >= limit
}

// released closes the journal record of a held message that has left the
// table for the queue.
func (s *deferredSet) released(id MessageID) error { return s.journalFor(false).remove(id) }

// noteOnDisk records that message id, about to be written to the disk
// queue, is due at the Unix ns due.
func (s *deferredSet) noteOnDisk(id MessageID, due int64) error {
	s.dueMu.Lock()
	if s.due == nil {
		s.due = make(map[MessageID]int64)
	}
	s.due[id] = due
	s.dueN.Store(int64(len(s.due)))
	s.dueMu.Unlock()
	return s.journalFor(s.durable).addDeadline(id, due)
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
	s.journalFor(false).remove(id)
	return max(time.Until(time.Unix(0, due)), 0)
}

// clear forgets everything (the queue was emptied).
func (s *deferredSet) clear() error {
	s.held.reset()
	s.dueMu.Lock()
	s.due = nil
	s.dueN.Store(0)
	s.dueMu.Unlock()
	return s.journalFor(false).reset()
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
	// Without a journal there is no file either: nothing to save or remove.
	return s.journalFor(len(st.held)+len(st.due) > 0).save(st)
}

// remove closes the journal and deletes its file (the queue was deleted).
func (s *deferredSet) remove() error { return s.journalFor(true).close(true) }

// len is the number of held messages.
func (s *deferredSet) len() int { return s.held.len() }
