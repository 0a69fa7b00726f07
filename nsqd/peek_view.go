package nsqd

import (
	"bytes"
	"container/heap"
	"sort"
	"strconv"
)

// peekEntry is a copy of what the message browser shows of one message.
type peekEntry struct {
	id        MessageID
	body      []byte // shared with the message; bodies are never modified
	timestamp int64
	attempts  uint16
	deliverAt int64 // deferred: when it is due
	expiresAt int64 // in flight: when it times out
	clientID  int64
	client    Consumer // in flight: the client holding it, nil if gone
}

// older orders entries by timestamp, then ID (IDs of one node grow).
func older(a, b *peekEntry) bool {
	if a.timestamp != b.timestamp {
		return a.timestamp < b.timestamp
	}
	return bytes.Compare(a.id[:], b.id[:]) < 0
}

// oldestN keeps the n oldest entries offered to it, in a heap whose root
// is the youngest kept, so choosing from k entries costs O(k log n).
type oldestN struct {
	n    int
	kept []peekEntry
}

func (s *oldestN) init(n int) { s.n, s.kept = n, make([]peekEntry, 0, min(n, 64)) }

func (s *oldestN) Len() int           { return len(s.kept) }
func (s *oldestN) Less(i, j int) bool { return older(&s.kept[j], &s.kept[i]) }
func (s *oldestN) Swap(i, j int)      { s.kept[i], s.kept[j] = s.kept[j], s.kept[i] }
func (s *oldestN) Push(x any)         { s.kept = append(s.kept, x.(peekEntry)) }
func (s *oldestN) Pop() any {
	e := s.kept[len(s.kept)-1]
	s.kept = s.kept[:len(s.kept)-1]
	return e
}

// wants reports whether a message of this age would be kept, so callers
// copy only those.
func (s *oldestN) wants(m *Message) bool {
	if len(s.kept) < s.n {
		return true
	}
	e := peekEntry{id: m.ID, timestamp: m.Timestamp}
	return older(&e, &s.kept[0])
}

func (s *oldestN) add(e peekEntry) {
	if s.n <= 0 {
		return
	}
	if len(s.kept) < s.n {
		heap.Push(s, e)
		return
	}
	if older(&e, &s.kept[0]) {
		s.kept[0] = e
		heap.Fix(s, 0)
	}
}

// sorted returns the kept entries, oldest first.
func (s *oldestN) sorted() []peekEntry {
	sort.Slice(s.kept, func(i, j int) bool { return older(&s.kept[i], &s.kept[j]) })
	return s.kept
}

// peekedMessage is one message of a peek answer.
type peekedMessage struct {
	ID        string        `json:"id"`
	Timestamp int64         `json:"timestamp"`
	Attempts  uint16        `json:"attempts"`
	Body      []byte        `json:"body"`
	DeliverAt int64         `json:"deliver_at,omitempty"`
	ExpiresAt int64         `json:"expires_at,omitempty"`
	Client    *peekedClient `json:"client,omitempty"`
}

// peekedClient names the client an in-flight message was delivered to.
type peekedClient struct {
	ClientID      string `json:"client_id"`
	Hostname      string `json:"hostname"`
	RemoteAddress string `json:"remote_address"`
	UserAgent     string `json:"user_agent"`
}

// peekAnswer is the body of the peek endpoints.
type peekAnswer struct {
	Messages []peekedMessage `json:"messages"`
}

// answerOf renders entries; topicName is what client stats are asked for.
func answerOf(entries []peekEntry, topicName string, inFlight bool) peekAnswer {
	out := peekAnswer{Messages: make([]peekedMessage, len(entries))}
	clients := map[Consumer]*peekedClient{}
	for i, e := range entries {
		pm := peekedMessage{ID: string(e.id[:]), Timestamp: e.timestamp, Attempts: e.attempts,
			Body: e.body, DeliverAt: e.deliverAt, ExpiresAt: e.expiresAt}
		if inFlight {
			pm.Client = clientOf(clients, e, topicName)
		}
		out.Messages[i] = pm
	}
	return out
}

// clientOf describes e's client once per client; a client that has gone
// is shown by its connection number alone.
func clientOf(seen map[Consumer]*peekedClient, e peekEntry, topicName string) *peekedClient {
	if e.client == nil {
		return &peekedClient{ClientID: "#" + strconv.FormatInt(e.clientID, 10)}
	}
	if pc, ok := seen[e.client]; ok {
		return pc
	}
	st := e.client.Stats(topicName)
	pc := &peekedClient{ClientID: st.ClientID, Hostname: st.Hostname, RemoteAddress: st.RemoteAddress, UserAgent: st.UserAgent}
	seen[e.client] = pc
	return pc
}
