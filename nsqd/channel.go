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

// Channel holds one consumer group's copy of a topic's messages: a memory
// queue, a backend, and the in-flight and deferred tables.
//
// Locks: mu guards clients; exitMu makes put/requeue exclusive with exit;
// inFlight.mu and deferred.mu guard their tables. Order: exitMu, then mu or
// one table lock; no code path holds both table locks at once.
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
	nsqd      *NSQD

	backend            BackendQueue
	deferredStore      *deferredStore // deadlines of deferred messages on disk
	journal            *deferJournal  // --mem-queue-size=0: the deferred table on disk
	mem                *memQueue
	handoff            chan *Message // ephemeral with --mem-queue-size=0 only
	zoneLocalMsgChan   chan *Message
	regionLocalMsgChan chan *Message

	exitFlag atomic.Bool
	exitMu   sync.RWMutex

	clients        map[int64]Consumer
	paused         atomic.Bool
	ephemeral      bool
	deleteCallback func(*Channel)
	deleter        sync.Once

	latency *quantile.Quantile

	inFlight msgTable

	deferred msgTable
}

// newChannel builds a channel of topicName; deleteCallback runs once when
// an ephemeral channel loses its last client.
func newChannel(topicName, name string, n *NSQD, deleteCallback func(*Channel)) *Channel {
	opts := n.getOpts()
	c := &Channel{
		topicName:      topicName,
		name:           name,
		nsqd:           n,
		clients:        make(map[int64]Consumer),
		deleteCallback: deleteCallback,
		ephemeral:      protocol.IsEphemeral(name),
		inFlight:       newMsgTable(),
		deferred:       newMsgTable(),
		latency:        newLatencyStream(opts),
	}
	c.mem = newMemQueue(opts.MemQueueSize)
	if opts.MemQueueSize == 0 && c.ephemeral {
		c.handoff = make(chan *Message)
	}
	if opts.HasExperiment(ExperimentTopologyAwareConsumption) {
		if opts.TopologyZone != "" {
			c.zoneLocalMsgChan = make(chan *Message)
		}
		if opts.TopologyRegion != "" {
			c.regionLocalMsgChan = make(chan *Message)
		}
	}
	c.backend = n.newBackend(topicName+":"+name, c.ephemeral)
	c.deferredStore = n.openDeferredStore(topicName+":"+name, c.ephemeral)
	if !c.ephemeral && opts.MemQueueSize == 0 {
		c.openJournal(opts)
	}
	n.Notify(c, !c.ephemeral)
	return c
}

// Exiting reports whether the channel is closing or being deleted.
func (c *Channel) Exiting() bool { return c.exitFlag.Load() }

// Delete empties the channel, deletes its files and closes its clients.
func (c *Channel) Delete() error { return c.exit(true) }

// Close persists everything the channel holds and closes its clients.
func (c *Channel) Close() error { return c.exit(false) }

func (c *Channel) exit(deleted bool) error {
	c.exitMu.Lock()
	if !c.exitFlag.CompareAndSwap(false, true) {
		c.exitMu.Unlock()
		return errExiting
	}
	c.exitMu.Unlock()
	if deleted {
		c.nsqd.logf(lg.INFO, "CHANNEL(%s): deleting", c.name)
		c.nsqd.Notify(c, !c.ephemeral)
	} else {
		c.nsqd.logf(lg.INFO, "CHANNEL(%s): closing", c.name)
	}
	c.closeClients()
	// Every put, requeue and timeout path checks the exit flag under
	// exitMu.RLock; taking the write lock waits for those already past it.
	c.exitMu.Lock()
	defer c.exitMu.Unlock()
	if deleted {
		c.Empty()
		c.journal.close(true)
		return c.backend.Delete()
	}
	saved := c.flush()
	if err := c.deferredStore.save(); err != nil {
		saved = false
		c.nsqd.logf(lg.ERROR, "CHANNEL(%s): failed to save deferred deadlines - %s", c.name, err)
	}
	err := c.backend.Close()
	// The journal goes only once its messages are safely in the backend.
	if jerr := c.journal.close(saved && err == nil); jerr != nil {
		c.nsqd.logf(lg.ERROR, "CHANNEL(%s): deferred journal - %s", c.name, jerr)
	}
	return err
}

// openJournal replays the channel's deferred journal into the deferred
// table, each message keeping its deadline.
func (c *Channel) openJournal(opts *Options) {
	j, msgs, err := openDeferJournal(deferJournalPath(opts.DataPath, c.topicName+":"+c.name),
		opts.SyncEvery, opts.SyncTimeout)
	if err != nil {
		c.nsqd.logf(lg.ERROR, "CHANNEL(%s): deferred journal - %s", c.name, err)
	}
	for _, m := range msgs {
		c.deferred.add(m, errAlreadyDefered)
	}
	if len(msgs) > 0 {
		c.nsqd.logf(lg.INFO, "CHANNEL(%s): %d deferred messages restored from the journal", c.name, len(msgs))
	}
	c.journal = j
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
	c.resetTables()
	c.mem.drain(func(*Message) {})
	c.deferredStore.clear()
	if err := c.journal.reset(); err != nil {
		c.nsqd.logf(lg.ERROR, "CHANNEL(%s): deferred journal - %s", c.name, err)
	}
	err := c.backend.Empty()
	c.mu.RLock()
	for _, client := range c.clients {
		client.Empty()
	}
	c.mu.RUnlock()
	return err
}

func (c *Channel) resetTables() {
	c.inFlight.reset()
	c.deferred.reset()
}

// flush writes memory, in-flight and deferred messages to the backend; it
// reports whether every deferred one was written.
func (c *Channel) flush() bool {
	var mem, inflight, deferred int
	saved := true
	c.mem.drain(func(m *Message) {
		c.writeBackend(m)
		mem++
	})
	c.inFlight.each(func(m *Message) {
		c.writeBackend(m)
		inflight++
	})
	c.deferred.each(func(m *Message) {
		if c.writeBackend(m) != nil || c.deferredStore.record(m.ID, m.pri) != nil {
			saved = false
		}
		deferred++
	})
	if mem+inflight+deferred > 0 {
		c.nsqd.logf(lg.INFO, "CHANNEL(%s): flushed %d memory %d in-flight %d deferred messages to backend",
			c.name, mem, inflight, deferred)
	}
	return saved
}

func (c *Channel) writeBackend(m *Message) error {
	err := writeMessageToBackend(m, c.backend)
	c.nsqd.SetHealth(err)
	if err != nil {
		c.nsqd.logf(lg.ERROR, "CHANNEL(%s): failed to write message to backend - %s", c.name, err)
	}
	return err
}

// Depth is the number of queued messages (memory + backend).
func (c *Channel) Depth() int64 { return int64(c.mem.len()) + c.backend.Depth() }

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
	c.messageCount.Add(1)
	return nil
}

// put tries a waiting zone- or region-local client, then the memory queue,
// then (ephemeral, no memory queue) a waiting client, then the backend
// (an ephemeral channel with --mem-queue-size=0 drops what no client takes).
func (c *Channel) put(m *Message) error {
	if c.zoneLocalMsgChan != nil || c.regionLocalMsgChan != nil {
		if c.handOffLocal(m) {
			return nil
		}
	}
	if c.mem.push(m) {
		return nil
	}
	if c.handoff != nil {
		select {
		case c.handoff <- m:
			return nil
		default:
		}
	}
	return c.writeBackend(m)
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

// PutMessageDeferred places a message from the topic in the deferred table.
func (c *Channel) PutMessageDeferred(m *Message, timeout time.Duration) error {
	c.exitMu.RLock()
	defer c.exitMu.RUnlock()
	if c.Exiting() {
		return errExiting
	}
	if err := c.StartDeferredTimeout(m, timeout); err != nil {
		return err
	}
	c.messageCount.Add(1)
	return nil
}

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
	max := c.nsqd.getOpts().MaxChannelConsumers
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
