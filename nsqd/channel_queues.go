package nsqd

import (
	"time"

	"github.com/nsqgo/nsq/internal/lg"
)

// StartInFlightTimeout records m as delivered to clientID, due back at
// now+timeout unless finished.
func (c *Channel) StartInFlightTimeout(m *Message, clientID int64, timeout time.Duration) error {
	now := time.Now()
	m.clientID = clientID
	m.deliveryTS = now
	m.pri = now.Add(timeout).UnixNano()
	return c.inFlight.add(m, errAlreadyInFlight)
}

// StartDeferredTimeout holds m until now+timeout, then queues it; with a
// journal, m is on disk before this returns (see deferJournal.add).
func (c *Channel) StartDeferredTimeout(m *Message, timeout time.Duration) error {
	m.pri = time.Now().Add(timeout).UnixNano()
	return c.journal.add(m, func() error { return c.deferred.add(m, errAlreadyDefered) })
}

// FinishMessage acknowledges an in-flight message.
func (c *Channel) FinishMessage(clientID int64, id MessageID) error {
	m, err := c.inFlight.popOwned(clientID, id)
	if err != nil {
		return err
	}
	c.latency.Insert(m.Timestamp)
	return nil
}

// RequeueMessage returns an in-flight message to the queue, at once or
// after timeout.
func (c *Channel) RequeueMessage(clientID int64, id MessageID, timeout time.Duration) error {
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
	if timeout == 0 {
		return c.requeueDue(m)
	}
	return c.StartDeferredTimeout(m, timeout)
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
	if max := m.deliveryTS.Add(c.nsqd.getOpts().MaxMsgTimeout); deadline.After(max) {
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
		if c.requeueDue(m) != nil {
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
	for m := c.deferred.popDue(t); m != nil; m = c.deferred.popDue(t) {
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
	if err := c.put(m); err != nil {
		m.pri = time.Now().Add(requeueRetry).UnixNano()
		c.deferred.add(m, errAlreadyDefered)
		return err
	}
	if err := c.journal.remove(m.ID); err != nil {
		c.nsqd.logf(lg.ERROR, "CHANNEL(%s): deferred journal - %s", c.name, err)
	}
	return nil
}

func (c *Channel) inFlightCount() int { return c.inFlight.len() }

func (c *Channel) deferredCount() int { return c.deferred.len() }
