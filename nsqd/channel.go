package nsqd

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/quantile"
)

// Consumer is what a channel needs from a subscribed client.
type Consumer interface {
	UnPause()
	Pause()
	Close() error
	TimedOutMessage()
	Stats(topicName string) ClientStats
	Empty()
	Stopped() <-chan struct{} // closed when the client's message pump has stopped
}

// clientStopTimeout bounds how long closing a channel waits for its
// clients' message pumps.
const clientStopTimeout = 2 * time.Second

var (
	errExiting         = errors.New("exiting")
	errNotInFlight     = errors.New("ID not in flight")
	errNotOwner        = errors.New("client does not own message")
	errAlreadyDefered  = errors.New("ID already deferred")
	errAlreadyInFlight = errors.New("ID already in flight")
)

// Channel holds one consumer group's copy of a topic's messages: its
// queue (memory, backend, deferred set; see queue), the in-flight table and
// the clients.
//
// Locks: mu guards clients; exitMu makes put/requeue exclusive with exit;
// inFlight.mu and the deferred set's locks guard their tables. Order:
// exitMu, then mu or one table's locks; no code path holds the in-flight
// and the deferred table's locks at once.
type Channel struct {
	requeueCount        atomic.Uint64
	messageCount        atomic.Uint64
	timeoutCount        atomic.Uint64
	zoneLocalMsgCount   atomic.Uint64
	regionLocalMsgCount atomic.Uint64
	globalMsgCount      atomic.Uint64

	mu        sync.RWMutex
	topicName string
	name      string
	deps      *queueDeps

	q                  *queue
	zoneLocalMsgChan   chan *Message
	regionLocalMsgChan chan *Message
	src                deliverySources

	exitFlag atomic.Bool
	exitMu   sync.RWMutex

	clients        map[int64]Consumer
	paused         atomic.Bool
	ephemeral      bool
	deleteCallback func(*Channel)
	deleter        sync.Once

	latency *quantile.Quantile

	inFlight msgTable

	policy chanPolicy // settings of channel_config.go
}

// newChannel builds a channel of topicName; deleteCallback runs once when
// an ephemeral channel loses its last client.
func newChannel(topicName, name string, deps *queueDeps, deleteCallback func(*Channel)) *Channel {
	opts := deps.opts()
	c := &Channel{
		topicName:      topicName,
		name:           name,
		deps:           deps,
		clients:        make(map[int64]Consumer),
		deleteCallback: deleteCallback,
		ephemeral:      protocol.IsEphemeral(name),
		inFlight:       newMsgTable(),
		latency:        newLatencyStream(opts),
	}
	if opts.HasExperiment(ExperimentTopologyAwareConsumption) {
		if opts.TopologyZone != "" {
			c.zoneLocalMsgChan = make(chan *Message)
		}
		if opts.TopologyRegion != "" {
			c.regionLocalMsgChan = make(chan *Message)
		}
	}
	c.q = newQueue(deps, topicName+":"+name, "CHANNEL("+name+")", c.ephemeral)
	if n := c.q.deferred.len(); n > 0 {
		c.deps.logf(lg.INFO, "CHANNEL(%s): %d deferred messages restored", c.name, n)
	}
	c.src = deliverySources{mem: c.q.mem.ready, handoff: c.q.handoff, disk: c.q.backend.ReadChan(),
		zone: c.zoneLocalMsgChan, region: c.regionLocalMsgChan}
	deps.notify(c, !c.ephemeral)
	return c
}

// Exiting reports whether the channel is closing or being deleted.
func (c *Channel) Exiting() bool { return c.exitFlag.Load() }

// Delete empties the channel, deletes its files and closes its clients.
func (c *Channel) Delete() error { return c.exit(true) }

// Close persists everything the channel holds and closes its clients; the
// error joins every failure to write it.
func (c *Channel) Close() error { return c.exit(false) }

func (c *Channel) exit(deleted bool) error {
	c.exitMu.Lock()
	if !c.exitFlag.CompareAndSwap(false, true) {
		c.exitMu.Unlock()
		return errExiting
	}
	c.exitMu.Unlock()
	if deleted {
		c.deps.logf(lg.INFO, "CHANNEL(%s): deleting", c.name)
		c.deps.notify(c, !c.ephemeral)
	} else {
		c.deps.logf(lg.INFO, "CHANNEL(%s): closing", c.name)
	}
	c.closeClients()
	// Every put, requeue and timeout path checks the exit flag under
	// exitMu.RLock; taking the write lock waits for those already past it.
	c.exitMu.Lock()
	defer c.exitMu.Unlock()
	if deleted {
		c.inFlight.reset()
		return c.q.remove()
	}
	err := c.flush()
	return errors.Join(err, c.q.close())
}

// closeClients closes every client connection and waits (briefly) for
// their message pumps to stop, so no delivery races the final flush.
func (c *Channel) closeClients() {
	c.mu.RLock()
	clients := make([]Consumer, 0, len(c.clients))
	for _, client := range c.clients {
		clients = append(clients, client)
	}
	c.mu.RUnlock()
	for _, client := range clients {
		client.Close()
	}
	deadline := time.After(clientStopTimeout)
	for _, client := range clients {
		select {
		case <-client.Stopped():
		case <-deadline:
			return
		}
	}
}

// Empty discards every queued, in-flight and deferred message. The queues
// are emptied before the clients are told that they have nothing in
// flight: a client at its RDY limit takes nothing new until then, so none
// of the discarded messages reaches it.
func (c *Channel) Empty() error {
	c.inFlight.reset()
	err := c.q.empty()
	c.mu.RLock()
	for _, client := range c.clients {
		client.Empty()
	}
	c.mu.RUnlock()
	return err
}

// flush writes the memory queue, the in-flight messages and the held
// deferred ones (keeping their deadlines) to the backend at shutdown; it
// returns the first error. An in-flight message whose record is still
// open in the disk queue (--mem-queue-size=0) is already there. A deferred message that cannot be written stays
// in the table, which the deferred set then saves with its body.
func (c *Channel) flush() error {
	mem, first := c.q.flushMem()
	var inflight, deferred int
	for _, m := range c.inFlight.takeAll() {
		if m.onDisk {
			continue // its record is still open on disk
		}
		if err := c.q.writeBackend(m, 0); err != nil && first == nil {
			first = err
		}
		inflight++
	}
	for _, m := range c.q.deferred.held.takeAll() {
		if err := c.q.writeBackend(m, m.pri); err != nil {
			c.q.deferred.held.add(m, errAlreadyDefered)
			if first == nil {
				first = err
			}
		} else {
			c.q.done(m)
		}
		deferred++
	}
	if mem+inflight+deferred > 0 {
		c.deps.logf(lg.INFO, "CHANNEL(%s): flushed %d memory %d in-flight %d deferred messages to backend",
			c.name, mem, inflight, deferred)
	}
	return first
}

// Depth is the number of queued messages (memory + backend).
func (c *Channel) Depth() int64 { return c.q.depth() }

// BackendDepth is the number of messages in the channel's disk queue.
func (c *Channel) BackendDepth() int64 { return c.q.backend.Depth() }

// Pause stops delivery to every client of the channel.
func (c *Channel) Pause() error { return c.setPaused(true) }

// UnPause resumes delivery.
func (c *Channel) UnPause() error { return c.setPaused(false) }

func (c *Channel) setPaused(p bool) error {
	c.paused.Store(p)
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, client := range c.clients {
		if p {
			client.Pause()
		} else {
			client.UnPause()
		}
	}
	return nil
}

// IsPaused reports the paused flag.
func (c *Channel) IsPaused() bool { return c.paused.Load() }

// AddClient registers a consumer, enforcing --max-channel-consumers.
func (c *Channel) AddClient(clientID int64, client Consumer) error {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return errExiting
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.clients[clientID]; ok {
		return nil
	}
	max := c.deps.opts().MaxChannelConsumers
	if max != 0 && len(c.clients) >= max {
		return fmt.Errorf("consumers for %s:%s exceeds limit of %d", c.topicName, c.name, max)
	}
	c.clients[clientID] = client
	return nil
}

// RemoveClient unregisters a consumer; an ephemeral channel left without
// clients deletes itself.
func (c *Channel) RemoveClient(clientID int64) {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return
	}
	c.mu.Lock()
	if _, ok := c.clients[clientID]; !ok {
		c.mu.Unlock()
		return
	}
	delete(c.clients, clientID)
	left := len(c.clients)
	c.mu.Unlock()
	if left == 0 && c.ephemeral {
		go c.deleter.Do(func() { c.deleteCallback(c) })
	}
}
