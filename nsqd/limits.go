package nsqd

import (
	"errors"
	"fmt"
	"time"

	"github.com/nsqgo/nsq/internal/httpapi"
)

// capError is a publish refused because a queue is at its max_depth.
type capError struct {
	what string // "topic t" or "channel t:c"
	max  int64
}

func (e capError) Error() string {
	return fmt.Sprintf("%s is at its max_depth of %d messages", e.what, e.max)
}

// admitLocked decides whether count messages may be published to t: not
// while the node drains or is short of disk space, nor when they would
// take t's backlog or a channel (its depth plus what t still holds for it)
// past a max_depth whose overflow policy is reject. A batch is admitted or
// refused whole; moved messages (dead letters) only face the caps.
// Callers hold t.mu (read).
func (t *Topic) admitLocked(count int, moved bool) error {
	if n := t.deps.node(); n != nil && !moved {
		if err := n.publishRefusal(); err != nil {
			return err
		}
	}
	return t.capRefusalLocked(count)
}

// capRefusalLocked is the max_depth part of admitLocked.
func (t *Topic) capRefusalLocked(count int) error {
	// The topic's backlog is counted only when some cap needs it: without
	// caps a publish reads no queue lengths.
	backlog := int64(-1)
	topicBacklog := func() int64 {
		if backlog < 0 {
			backlog = t.Depth()
		}
		return backlog
	}
	if l := t.limits(); l.MaxDepth > 0 && l.Overflow == "" && !t.directLocked() &&
		topicBacklog()+int64(count) > l.MaxDepth {
		return capError{"topic " + t.name, l.MaxDepth}
	}
	for _, c := range t.channelMap {
		l := c.limits()
		if l.MaxDepth > 0 && l.Overflow == "" && c.Depth()+topicBacklog()+int64(count) > l.MaxDepth {
			return capError{"channel " + t.name + ":" + c.name, l.MaxDepth}
		}
	}
	return nil
}

// isRefusal reports whether a publish error is a refusal by the queue
// limits, a drain or the free-disk floor (rather than a failed write).
func isRefusal(err error) bool {
	var ce capError
	return errors.As(err, &ce) || errors.Is(err, errDraining) || errors.Is(err, errLowDisk)
}

// trimToCap makes room under a drop_oldest cap by discarding the oldest
// queued messages, counting each as dropped.
func (c *Channel) trimToCap() { trimQueue(c.q, c.limits(), &c.policy.limitCounters) }

// trimToCap does the same for the topic's own backlog.
func (t *Topic) trimToCap() { trimQueue(t.q, t.limits(), &t.policy.limitCounters) }

func trimQueue(q *queue, l QueueLimits, lc *limitCounters) {
	if l.MaxDepth == 0 || l.Overflow != overflowDropOldest {
		return
	}
	lc.trimMu.Lock()
	defer lc.trimMu.Unlock()
	for q.depth() > l.MaxDepth && dropOldest(q.mem, q.backend) {
		lc.dropped.Add(1)
	}
}

// dropOldest discards one queued message: from memory first (a message
// goes to disk only while memory is full, so memory usually holds the
// older ones), else the next one on disk. It reports whether there was one.
func dropOldest(mem *memQueue, backend BackendQueue) bool {
	if mem.pop() != nil {
		return true
	}
	tk, ok := backend.(taker)
	if !ok || backend.Depth() == 0 {
		return false
	}
	took, err := tk.Take(func([]byte) error { return nil })
	return took && err == nil
}

// stale reports whether m is older than ttl (0: no TTL) by its timestamp.
func stale(m *Message, ttl ttlDuration, now int64) bool {
	return ttl > 0 && now-m.Timestamp > int64(ttl)
}

// expireIfStale discards m instead of delivering it when it is older than
// the channel's msg_ttl, counting it as expired.
func (c *Channel) expireIfStale(m *Message) bool {
	return c.policy.expireIfStale(m, c.limits().MsgTTL)
}

// expireIfStale discards m instead of copying it to the channels when it
// is older than the topic's msg_ttl.
func (t *Topic) expireIfStale(m *Message) bool {
	return t.policy.expireIfStale(m, t.limits().MsgTTL)
}

func (lc *limitCounters) expireIfStale(m *Message, ttl ttlDuration) bool {
	// No TTL, no clock reading: this runs for every message delivered.
	if ttl == 0 || !stale(m, ttl, time.Now().UnixNano()) {
		return false
	}
	lc.expired.Add(1)
	return true
}

// errKeep tells a disk-queue Take to leave the record where it is.
var errKeep = errors.New("keep")

// sweepExpired discards the expired messages at the head of a queue (memory,
// then disk), so that a queue nobody consumes does not report them in its
// depth. It stops at the first message still young enough; one requeued
// behind younger ones waits until it reaches the head or a consumer.
func sweepExpired(q *queue, ttl ttlDuration) uint64 {
	if ttl == 0 {
		return 0
	}
	now := time.Now().UnixNano()
	var n uint64
	for q.mem.popIf(func(m *Message) bool { return stale(m, ttl, now) }) {
		n++
	}
	tk, ok := q.backend.(taker)
	if !ok {
		return n
	}
	for q.backend.Depth() > 0 {
		took, err := tk.Take(func(b []byte) error {
			m, err := decodeMessage(b)
			if err != nil || !stale(m, ttl, now) {
				return errKeep
			}
			return nil
		})
		if !took || err != nil {
			break
		}
		n++
	}
	return n
}

// popIf removes the oldest message if f approves it; it reports whether it
// did.
func (q *memQueue) popIf(f func(*Message) bool) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 || !f(q.head.msgs[q.hi]) {
		return false
	}
	q.popLocked()
	return true
}

// sweepLimits expires stale messages at the heads of every queue with a
// msg_ttl. It runs every second; until some queue has been given a TTL it
// does nothing, and after that queues without one cost it a look at their
// settings.
func (n *NSQD) sweepLimits() {
	if !n.policies.ttlSeen.Load() {
		return
	}
	for _, t := range n.topics() {
		if ttl := t.limits().MsgTTL; ttl > 0 {
			t.policy.expired.Add(sweepExpired(t.q, ttl))
		}
		for _, c := range t.channelsWithTTL() {
			c.policy.expired.Add(sweepExpired(c.q, c.limits().MsgTTL))
		}
	}
}

// channelsWithTTL lists the topic's channels that have a msg_ttl; nil,
// without allocating, when none has.
func (t *Topic) channelsWithTTL() []*Channel {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []*Channel
	for _, c := range t.channelMap {
		if c.limits().MsgTTL > 0 {
			out = append(out, c)
		}
	}
	return out
}

// pubFailedHTTP is the HTTP answer to a failed /pub or /mpub: a refusal
// names its reason; anything else is NSQ's 503 EXITING.
func pubFailedHTTP(err error) error {
	if isRefusal(err) {
		return httpapi.Err{Code: 503, Text: "PUB_REFUSED: " + err.Error()}
	}
	return httpapi.Err{Code: 503, Text: "EXITING"}
}
