package nsqd

import (
	"time"
)

// StartInFlightTimeout records m as delivered to clientID, due back at
// now+timeout unless finished.
func (c *Channel) StartInFlightTimeout(m *Message, clientID int64, timeout time.Duration) error {
	now := time.Now()
	m.clientID = clientID
	m.deliveryTS = now
	m.pri = now.Add(timeout).UnixNano()
	c.inFlightMu.Lock()
	defer c.inFlightMu.Unlock()
	if _, ok := c.inFlightMessages[m.ID]; ok {
		return errAlreadyInFlight
	}
	c.inFlightMessages[m.ID] = m
	c.inFlightPQ.push(m)
	return nil
}

// StartDeferredTimeout holds m until now+timeout, then queues it.
func (c *Channel) StartDeferredTimeout(m *Message, timeout time.Duration) error {
	m.pri = time.Now().Add(timeout).UnixNano()
	c.deferredMu.Lock()
	defer c.deferredMu.Unlock()
	if _, ok := c.deferredMessages[m.ID]; ok {
		return errAlreadyDefered
	}
	c.deferredMessages[m.ID] = m
	c.deferredPQ.push(m)
	return nil
}

// popInFlightLocked removes id from the in-flight table if clientID owns it.
func (c *Channel) popInFlightLocked(clientID int64, id MessageID) (*Message, error) {
	m, ok := c.inFlightMessages[id]
	if !ok {
		return nil, errNotInFlight
	}
	if m.clientID != clientID {
		return nil, errNotOwner
	}
	delete(c.inFlightMessages, id)
	if m.index >= 0 && m.index < len(c.inFlightPQ) && c.inFlightPQ[m.index] == m {
		c.inFlightPQ.remove(m.index)
	}
	return m, nil
}

// FinishMessage acknowledges an in-flight message.
func (c *Channel) FinishMessage(clientID int64, id MessageID) error {
	c.inFlightMu.Lock()
	m, err := c.popInFlightLocked(clientID, id)
	c.inFlightMu.Unlock()
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
	c.inFlightMu.Lock()
	m, err := c.popInFlightLocked(clientID, id)
	c.inFlightMu.Unlock()
	if err != nil {
		return err
	}
	c.requeueCount.Add(1)
	if timeout == 0 {
		return c.put(m)
	}
	return c.StartDeferredTimeout(m, timeout)
}

// TouchMessage pushes an in-flight message's deadline to now+clientMsgTimeout,
// capped at delivery time + --max-msg-timeout.
func (c *Channel) TouchMessage(clientID int64, id MessageID, clientMsgTimeout time.Duration) error {
	c.inFlightMu.Lock()
	defer c.inFlightMu.Unlock()
	m, err := c.popInFlightLocked(clientID, id)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(clientMsgTimeout)
	if max := m.deliveryTS.Add(c.nsqd.getOpts().MaxMsgTimeout); deadline.After(max) {
		deadline = max
	}
	m.pri = deadline.UnixNano()
	c.inFlightMessages[id] = m
	c.inFlightPQ.push(m)
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
	for {
		c.inFlightMu.Lock()
		m := c.inFlightPQ.popIfDue(t)
		if m != nil {
			delete(c.inFlightMessages, m.ID)
		}
		c.inFlightMu.Unlock()
		if m == nil {
			return dirty
		}
		dirty = true
		c.timeoutCount.Add(1)
		c.mu.RLock()
		client, ok := c.clients[m.clientID]
		c.mu.RUnlock()
		if ok {
			client.TimedOutMessage()
		}
		c.put(m)
	}
}

// processDeferredQueue queues every deferred message due by t.
func (c *Channel) processDeferredQueue(t int64) bool {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return false
	}
	dirty := false
	for {
		c.deferredMu.Lock()
		m := c.deferredPQ.popIfDue(t)
		if m != nil {
			delete(c.deferredMessages, m.ID)
		}
		c.deferredMu.Unlock()
		if m == nil {
			return dirty
		}
		dirty = true
		c.put(m)
	}
}

func (c *Channel) inFlightCount() int {
	c.inFlightMu.Lock()
	defer c.inFlightMu.Unlock()
	return len(c.inFlightMessages)
}

func (c *Channel) deferredCount() int {
	c.deferredMu.Lock()
	defer c.deferredMu.Unlock()
	return len(c.deferredMessages)
}
