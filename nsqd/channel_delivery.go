package nsqd

import (
	"github.com/nsqgo/nsq/internal/diskqueue"
	"github.com/nsqgo/nsq/internal/lg"
)

// deliverySources is what a client's message pump selects on for the
// channel's next message; a nil channel is never ready.
type deliverySources struct {
	mem     <-chan struct{}         // the memory queue has messages: call popQueued
	handoff <-chan *Message         // ephemeral with --mem-queue-size=0 only
	disk    <-chan diskqueue.Record // records of the disk queue: call fromDisk
	zone    <-chan *Message         // topology experiment: zone-local hand-off
	region  <-chan *Message         // topology experiment: region-local hand-off
}

// sources returns the channels a client's pump waits on.
func (c *Channel) sources() *deliverySources { return &c.src }

// popQueued takes the oldest message of the memory queue, nil if another
// reader was first.
func (c *Channel) popQueued() *Message { return c.q.mem.pop() }

// fromDisk decodes a record read from the disk queue. A message that must
// still wait for its deadline goes to the deferred table instead, and nil
// is returned, as it is for a record that cannot be decoded or whose
// message is already in the deferred table (read again after a crash). With
// --mem-queue-size=0 the record stays on disk until the message is
// finished, requeued or deferred.
func (c *Channel) fromDisk(rec diskqueue.Record) *Message {
	m, wait, err := c.q.decode(rec.Data)
	if err != nil {
		c.q.backend.Done(rec.Pos)
		return nil
	}
	m.diskPos, m.onDisk = rec.Pos, c.q.acked
	if c.q.acked && c.q.deferred.held.has(m.ID) {
		// A record read again after a crash whose message was deferred
		// (REQ with a delay) before its finish reached the done log: the
		// deferred copy, replayed from the journal with its deadline, is
		// the live one, so this record is finished instead of delivered.
		c.q.done(m)
		return nil
	}
	if wait > 0 {
		c.exitMu.RLock()
		defer c.exitMu.RUnlock()
		// An error leaves m in the deferred table, memory only, and its
		// record open: logged, not a reason to drop the client.
		if err := c.requeue(m, wait); err != nil {
			c.deps.logf(lg.ERROR, "CHANNEL(%s): failed to defer msg(%s) - %s", c.name, m.ID, err)
		}
		return nil
	}
	return m
}

// skipDelivery drops m, taken for delivery but not sent (sampled out, or a
// duplicate of a message in flight): it is finished for this channel.
func (c *Channel) skipDelivery(m *Message) { c.q.done(m) }

// How a delivery is counted on the channel's zone-local, region-local or
// global counter (the topology-aware-consumption experiment): without the
// topology experiment every delivery is global; with it, deliveries read
// from the disk queue are not counted.
const (
	countDisk = iota
	countByLocality
	countZone
	countRegion
)

// countDelivery bumps the zone/region/global delivery counters for a
// message sent to a client in the given zone or region.
func (c *Channel) countDelivery(how int, zoneLocal, regionLocal bool) {
	topo := c.deps.opts().HasExperiment(ExperimentTopologyAwareConsumption)
	switch {
	case how == countDisk && topo:
	case how == countZone, how == countRegion && zoneLocal:
		c.zoneLocalMsgCount.Add(1)
	case how == countRegion:
		c.regionLocalMsgCount.Add(1)
	case topo && zoneLocal:
		c.zoneLocalMsgCount.Add(1)
	case topo && regionLocal:
		c.regionLocalMsgCount.Add(1)
	default:
		c.globalMsgCount.Add(1)
	}
}

// ScanQueued calls f on the messages of the memory queue, oldest first,
// until f returns false. f runs under the queue's lock: it must not keep
// or change the message, nor call back into the channel.
func (c *Channel) ScanQueued(f func(*Message) bool) { c.q.mem.scan(f) }

// ScanInFlight calls f on each in-flight message, in no order, until f
// returns false; as for ScanQueued, under the table's lock.
func (c *Channel) ScanInFlight(f func(*Message) bool) { c.inFlight.scan(f) }

// ScanDeferred calls f on each message held in the deferred table, in no
// order, until f returns false; as for ScanQueued, under the table's lock.
func (c *Channel) ScanDeferred(f func(*Message) bool) { c.q.deferred.held.scan(f) }
