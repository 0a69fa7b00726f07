package nsqd

import "sync"

// msgTable is a channel's set of in-flight or deferred messages: keyed by
// ID for FIN/REQ/TOUCH and ordered by deadline (Message.pri) for the
// timeout sweep. mu guards both views.
type msgTable struct {
	mu   sync.Mutex
	msgs map[MessageID]*Message
	pq   msgHeap
}

func newMsgTable() msgTable {
	return msgTable{msgs: make(map[MessageID]*Message)}
}

// add inserts m unless its ID is already present (then it returns dup).
func (t *msgTable) add(m *Message, dup error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.msgs[m.ID]; ok {
		return dup
	}
	t.addLocked(m)
	return nil
}

// has reports whether id is in the table.
func (t *msgTable) has(id MessageID) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.msgs[id]
	return ok
}

func (t *msgTable) addLocked(m *Message) {
	t.msgs[m.ID] = m
	t.pq.push(m)
}

// popOwnedLocked removes id if clientID owns it.
func (t *msgTable) popOwnedLocked(clientID int64, id MessageID) (*Message, error) {
	m, ok := t.msgs[id]
	if !ok {
		return nil, errNotInFlight
	}
	if m.clientID != clientID {
		return nil, errNotOwner
	}
	delete(t.msgs, id)
	if i := int(m.index); i >= 0 && i < len(t.pq) && t.pq[i] == m {
		t.pq.remove(i)
	}
	return m, nil
}

// popOwned is popOwnedLocked under the table's lock.
func (t *msgTable) popOwned(clientID int64, id MessageID) (*Message, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.popOwnedLocked(clientID, id)
}

// popDue removes and returns the earliest message due by now, or nil.
func (t *msgTable) popDue(now int64) *Message {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.pq.popIfDue(now)
	if m != nil {
		delete(t.msgs, m.ID)
	}
	return m
}

func (t *msgTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.msgs)
}

// reset drops every message.
func (t *msgTable) reset() {
	t.mu.Lock()
	t.msgs = make(map[MessageID]*Message)
	t.pq = nil
	t.mu.Unlock()
}

// each calls f on every message under the lock.
func (t *msgTable) each(f func(*Message)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.msgs {
		f(m)
	}
}

// takeAll removes and returns every message.
func (t *msgTable) takeAll() []*Message {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*Message, 0, len(t.msgs))
	for _, m := range t.msgs {
		out = append(out, m)
	}
	t.msgs = make(map[MessageID]*Message)
	t.pq = nil
	return out
}

// scan calls f on every message under the lock until f returns false; f
// must not change the message.
func (t *msgTable) scan(f func(*Message) bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.msgs {
		if !f(m) {
			return
		}
	}
}
