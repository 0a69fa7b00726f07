package nsqd

import (
	"errors"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
)

// PutMessage queues a message that arrived from the topic.
func (c *Channel) PutMessage(m *Message) error {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return errExiting
	}
	if err := c.put(m); err != nil {
		return err
	}
	c.trimToCap()
	c.messageCount.Add(1)
	return nil
}

// PutMessageDeferred holds a message from the topic in the deferred table
// until now+delay.
func (c *Channel) PutMessageDeferred(m *Message, delay time.Duration) error {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return errExiting
	}
	if err := c.StartDeferredTimeout(m, delay); err != nil {
		return err
	}
	c.messageCount.Add(1)
	return nil
}

// putFromTopic queues m, deferred if it was published with a delay.
func (c *Channel) putFromTopic(m *Message) error {
	if m.deferred != 0 {
		return c.PutMessageDeferred(m, m.deferred)
	}
	return c.PutMessage(m)
}

// putBatchFromTopic queues ms in order as putFromTopic queues each; it
// returns how many from the first it queued and the error that stopped
// the rest. With --mem-queue-size=0 a run of messages not deferred goes
// to the disk queue in one write.
func (c *Channel) putBatchFromTopic(ms []*Message) (int, error) {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return 0, errExiting
	}
	done := 0
	var err error
	for done < len(ms) && err == nil {
		var k int
		k, err = c.putNextLocked(ms[done:])
		done += k
	}
	c.messageCount.Add(uint64(done))
	if done > 0 {
		c.trimToCap()
	}
	return done, err
}

// putNextLocked queues the first message of ms or, with
// --mem-queue-size=0, the leading run of messages not deferred in one
// disk write; it returns how many it queued. Callers hold exitMu.
func (c *Channel) putNextLocked(ms []*Message) (int, error) {
	m := ms[0]
	var err error
	switch {
	case m.deferred != 0:
		err = c.StartDeferredTimeout(m, m.deferred)
	case c.q.acked:
		return c.q.writeBackendBatch(ms[:plainRun(ms)])
	default:
		err = c.put(m)
	}
	if err != nil {
		return 0, err
	}
	return 1, nil
}

// plainRun is the number of leading messages of ms not deferred.
func plainRun(ms []*Message) int {
	for i, m := range ms {
		if m.deferred != 0 {
			return i
		}
	}
	return len(ms)
}

// put tries a waiting zone- or region-local client, then the channel's
// queue (memory, then disk). With --mem-queue-size=0 every message goes
// through the disk queue, so that it is on disk while in flight.
func (c *Channel) put(m *Message) error {
	if (c.zoneLocalMsgChan != nil || c.regionLocalMsgChan != nil) && !c.q.acked {
		if c.handOffLocal(m) {
			return nil
		}
	}
	return c.q.put(m, 0)
}

// handOffLocal gives m to a waiting zone-local client, else to a waiting
// zone- or region-local one.
func (c *Channel) handOffLocal(m *Message) bool {
	select {
	case c.zoneLocalMsgChan <- m:
		return true
	default:
	}
	select {
	case c.zoneLocalMsgChan <- m:
		return true
	case c.regionLocalMsgChan <- m:
		return true
	default:
	}
	return false
}

// StartInFlightTimeout records m as delivered to clientID, due back at
// now+timeout unless finished.
func (c *Channel) StartInFlightTimeout(m *Message, clientID int64, timeout time.Duration) error {
	now := time.Now()
	m.clientID = clientID
	m.deliveryTS = now.UnixNano()
	m.pri = now.Add(timeout).UnixNano()
	return c.inFlight.add(m, errAlreadyInFlight)
}

// StartDeferredTimeout holds m until now+timeout, then queues it; with
// --mem-queue-size=0, m is on disk before this returns (see deferJournal).
func (c *Channel) StartDeferredTimeout(m *Message, timeout time.Duration) error {
	m.pri = time.Now().Add(timeout).UnixNano()
	return c.q.deferred.hold(m, c.deps.opts().MaxDeferred)
}

// deferredFull reports whether the channel holds --max-deferred deferred
// messages.
func (c *Channel) deferredFull() bool { return c.q.deferred.full(c.deps.opts().MaxDeferred) }

// FinishMessage acknowledges an in-flight message.
func (c *Channel) FinishMessage(clientID int64, id MessageID) error {
	m, err := c.inFlight.popOwned(clientID, id)
	if err != nil {
		return err
	}
	c.q.done(m)
	c.latency.Insert(m.Timestamp)
	return nil
}

// RequeueMessage returns an in-flight message to the queue, at once or
// after delay.
func (c *Channel) RequeueMessage(clientID int64, id MessageID, delay time.Duration) error {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return errExiting
	}
	m, err := c.inFlight.popOwned(clientID, id)
	if err != nil {
		return err
	}
	c.requeueCount.Add(1)
	return c.requeue(m, delay)
}

// requeue queues m, which has left the in-flight table (REQ or a timeout)
// or was read from disk before its deadline, at once or after delay. With
// --mem-queue-size=0 m is on disk again (queued, or journaled as
// deferred) before its original record is finished; if that fails, the
// original record stays open. Callers hold exitMu.RLock.
func (c *Channel) requeue(m *Message, delay time.Duration) error {
	if c.deadLetterIfSpent(m) {
		return nil
	}
	if delay > 0 {
		err := c.deferOwned(m, delay)
		if !errors.Is(err, errDeferredFull) {
			return err
		}
		c.deps.logf(lg.WARN, "CHANNEL(%s): msg(%s) requeued without its delay - %s", c.name, m.ID, err)
	}
	return c.requeueDue(m)
}

// deferOwned holds m, which nothing else references, for delay, and then
// finishes its original disk record.
func (c *Channel) deferOwned(m *Message, delay time.Duration) error {
	pos, onDisk := m.diskPos, m.onDisk
	m.onDisk = false // m is visible to the deferred sweep once held
	if err := c.StartDeferredTimeout(m, delay); err != nil {
		if errors.Is(err, errDeferredFull) {
			m.onDisk = onDisk // not held: still only ours
		}
		return err
	}
	if onDisk {
		c.q.backend.Done(pos)
	}
	return nil
}

// TouchMessage pushes an in-flight message's deadline to now+clientMsgTimeout,
// capped at delivery time + --max-msg-timeout.
func (c *Channel) TouchMessage(clientID int64, id MessageID, clientMsgTimeout time.Duration) error {
	c.inFlight.mu.Lock()
	defer c.inFlight.mu.Unlock()
	m, err := c.inFlight.popOwnedLocked(clientID, id)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(clientMsgTimeout)
	if max := time.Unix(0, m.deliveryTS).Add(c.deps.opts().MaxMsgTimeout); deadline.After(max) {
		deadline = max
	}
	m.pri = deadline.UnixNano()
	c.inFlight.addLocked(m)
	return nil
}

// processInFlightQueue requeues every in-flight message due by t; it
// reports whether there was any.
func (c *Channel) processInFlightQueue(t int64) bool {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return false
	}
	dirty := false
	for m := c.inFlight.popDue(t); m != nil; m = c.inFlight.popDue(t) {
		dirty = true
		c.timeoutCount.Add(1)
		c.mu.RLock()
		client, ok := c.clients[m.clientID]
		c.mu.RUnlock()
		if ok {
			client.TimedOutMessage()
		}
		if c.requeue(m, 0) != nil {
			break
		}
	}
	return dirty
}

// processDeferredQueue queues every deferred message due by t.
func (c *Channel) processDeferredQueue(t int64) bool {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return false
	}
	dirty := false
	for m := c.q.deferred.held.popDue(t); m != nil; m = c.q.deferred.held.popDue(t) {
		dirty = true
		if c.requeueDue(m) != nil {
			break
		}
	}
	return dirty
}

// requeueRetry is how long a message that could not be queued (the disk
// is full) waits in the deferred table before the next try.
const requeueRetry = time.Second

// requeueDue queues m, which has left the in-flight or deferred table, and
// then closes its journal record. If queueing fails m goes back to the
// deferred table for another try instead of being dropped, and the error
// is returned.
func (c *Channel) requeueDue(m *Message) error {
	pos, onDisk := m.diskPos, m.onDisk
	m.onDisk = false // the put writes a new record of m
	if err := c.put(m); err != nil {
		m.onDisk = onDisk
		m.pri = time.Now().Add(requeueRetry).UnixNano()
		c.q.deferred.held.add(m, errAlreadyDefered)
		return err
	}
	if onDisk {
		c.q.backend.Done(pos)
	}
	if err := c.q.deferred.released(m.ID); err != nil {
		c.deps.logf(lg.ERROR, "CHANNEL(%s): deferred journal - %s", c.name, err)
	}
	return nil
}

func (c *Channel) inFlightCount() int { return c.inFlight.len() }

func (c *Channel) deferredCount() int { return c.q.deferred.len() }
