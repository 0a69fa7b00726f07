package nsqd

import (
	"github.com/nsqgo/nsq/internal/lg"
)

// deadLetterIfSpent publishes m, which has just left the in-flight table
// because it was REQ'd or timed out, to the channel's dead-letter topic
// when it has been delivered max_attempts times. It reports whether it
// did; then m must not be queued again. The copy keeps m's ID, body and
// timestamp (attempts start again at 0). The topic holds it before this
// returns (with --mem-queue-size=0, on disk), so a crash afterwards does
// not lose it; if the publish fails m is requeued as usual instead.
func (c *Channel) deadLetterIfSpent(m *Message) bool {
	max := c.maxAttempts()
	n := c.deps.node()
	if max == 0 || int(m.Attempts) < max || n == nil {
		return false
	}
	name := c.deadLetterTopic()
	t := n.GetTopic(name)
	dm := &Message{ID: m.ID, Body: m.Body, Timestamp: m.Timestamp, moved: true}
	if err := t.PutMessage(dm); err != nil {
		c.deps.logf(lg.ERROR, "CHANNEL(%s): failed to dead-letter msg(%s) to topic %s, requeued instead - %s",
			c.name, m.ID, name, err)
		return false
	}
	c.q.done(m) // the original record, now that the copy is safe
	c.policy.deadLettered.Add(1)
	c.deps.logf(lg.INFO, "CHANNEL(%s): msg(%s) dead-lettered to topic %s after %d attempts",
		c.name, m.ID, name, m.Attempts)
	return true
}

// nextAttempts is the attempts count of a delivery: one more, saturating
// at 65535 instead of wrapping to 0.
func nextAttempts(a uint16) uint16 {
	if a == maxAttemptsLimit {
		return a
	}
	return a + 1
}

// requeueOnClientGone requeues, when the channel asks for it, the messages
// a consumer still had in flight when its connection ended, as if it had
// sent REQ for each (so they count as requeues and may be dead-lettered).
func requeueOnClientGone(c *Channel, clientID int64) {
	if c == nil || !c.requeueOnDisconnect() {
		return
	}
	var ids []MessageID
	c.ScanInFlight(func(m *Message) bool {
		if m.clientID == clientID {
			ids = append(ids, m.ID)
		}
		return true
	})
	for _, id := range ids {
		if err := c.RequeueMessage(clientID, id, 0); err != nil && err != errExiting {
			c.deps.logf(lg.WARN, "CHANNEL(%s): requeue of msg(%s) on disconnect - %s", c.name, id, err)
		}
	}
}

// redrive moves up to limit messages (limit <= 0: all) waiting at topic
// level in the channel's dead-letter topic back into the channel, with
// attempts at 0; other channels of the channel's topic get none. Each
// message is written to the channel before it is taken out of the
// dead-letter topic's disk queue, so a crash in between leaves a
// duplicate, never a loss. It returns how many were moved.
func (c *Channel) redrive(limit int) (int, error) {
	dlt := c.existingDeadLetterTopic()
	if dlt == nil {
		return 0, nil
	}
	moved := 0
	for limit <= 0 || moved < limit {
		ok, err := c.redriveOne(dlt)
		if err != nil {
			return moved, err
		}
		if !ok {
			break
		}
		moved++
	}
	if moved > 0 {
		c.deps.logf(lg.INFO, "CHANNEL(%s): redrove %d messages from topic %s", c.name, moved, dlt.name)
	}
	return moved, nil
}

// existingDeadLetterTopic is the channel's dead-letter topic, nil if it
// does not exist (yet).
func (c *Channel) existingDeadLetterTopic() *Topic {
	n := c.deps.node()
	if n == nil {
		return nil
	}
	t, err := n.GetExistingTopic(c.deadLetterTopic())
	if err != nil {
		return nil
	}
	return t
}

// taker is a backend that can hand over its next record before consuming
// it (the disk queue).
type taker interface {
	Take(func([]byte) error) (bool, error)
}

// redriveOne moves the dead-letter topic's oldest waiting message into c;
// it reports false when none is waiting.
func (c *Channel) redriveOne(dlt *Topic) (bool, error) {
	if m := dlt.q.mem.pop(); m != nil {
		return true, c.PutMessage(&Message{ID: m.ID, Body: m.Body, Timestamp: m.Timestamp})
	}
	tk, ok := dlt.q.backend.(taker)
	if !ok || dlt.q.backend.Depth() == 0 {
		return false, nil
	}
	return tk.Take(func(b []byte) error {
		m, err := decodeMessage(b)
		if err != nil {
			return nil // consumed: a damaged record is dropped, as the pump would
		}
		return c.PutMessage(&Message{ID: m.ID, Body: m.Body, Timestamp: m.Timestamp})
	})
}
