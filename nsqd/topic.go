package nsqd

import (
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
)

// Topic receives published messages and copies each to every channel. One
// goroutine, messagePump, owns the fan-out; mu guards channelMap.
type Topic struct {
	messageCount atomic.Uint64
	messageBytes atomic.Uint64

	mu         sync.RWMutex
	name       string
	channelMap map[string]*Channel
	backend    BackendQueue
	// deferredStore keeps the deadlines of deferred messages on disk.
	deferredStore *deferredStore

	mem               *memQueue
	handoff           chan *Message // ephemeral with --mem-queue-size=0 only
	startChan         chan struct{}
	exitChan          chan struct{}
	channelUpdateChan chan struct{}
	pauseChan         chan struct{}
	wg                sync.WaitGroup
	exitFlag          atomic.Bool
	paused            atomic.Bool
	started           atomic.Bool

	ephemeral      bool
	deleteCallback func(*Topic)
	deleter        sync.Once
	idFactory      *guidFactory
	nsqd           *NSQD
}

func newTopic(name string, n *NSQD, deleteCallback func(*Topic)) *Topic {
	opts := n.getOpts()
	t := &Topic{
		name:              name,
		channelMap:        make(map[string]*Channel),
		mem:               newMemQueue(opts.MemQueueSize),
		startChan:         make(chan struct{}, 1),
		exitChan:          make(chan struct{}),
		channelUpdateChan: make(chan struct{}, 1),
		pauseChan:         make(chan struct{}, 1),
		ephemeral:         protocol.IsEphemeral(name),
		deleteCallback:    deleteCallback,
		idFactory:         newGUIDFactory(opts.ID),
		nsqd:              n,
	}
	t.backend = n.newBackend(name, t.ephemeral)
	t.deferredStore = n.openDeferredStore(name, t.ephemeral)
	if opts.MemQueueSize == 0 && t.ephemeral {
		t.handoff = make(chan *Message)
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		t.messagePump()
	}()
	n.Notify(t, !t.ephemeral)
	return t
}

// Start lets the pump begin delivering (after creation or metadata load).
func (t *Topic) Start() {
	t.started.Store(true)
	select {
	case t.startChan <- struct{}{}:
	default:
	}
}

// Exiting reports whether the topic is closing or being deleted.
func (t *Topic) Exiting() bool { return t.exitFlag.Load() }

// Name is the topic's name.
func (t *Topic) Name() string { return t.name }

// GetChannel returns the named channel, creating it if needed.
func (t *Topic) GetChannel(name string) *Channel {
	t.mu.Lock()
	c, isNew := t.getOrCreateChannelLocked(name)
	t.mu.Unlock()
	if isNew {
		t.signal(t.channelUpdateChan)
	}
	return c
}

func (t *Topic) signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (t *Topic) getOrCreateChannelLocked(name string) (*Channel, bool) {
	if c, ok := t.channelMap[name]; ok {
		return c, false
	}
	c := newChannel(t.name, name, t.nsqd, func(c *Channel) { t.DeleteExistingChannel(c.name) })
	t.channelMap[name] = c
	t.nsqd.logf(lg.INFO, "TOPIC(%s): new channel(%s)", t.name, name)
	return c, true
}

var errChannelNotFound = errors.New("channel does not exist")

// GetExistingChannel returns the named channel or an error.
func (t *Topic) GetExistingChannel(name string) (*Channel, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	c, ok := t.channelMap[name]
	if !ok {
		return nil, errChannelNotFound
	}
	return c, nil
}

// DeleteExistingChannel removes and deletes a channel; an ephemeral topic
// left without channels deletes itself.
func (t *Topic) DeleteExistingChannel(name string) error {
	t.mu.Lock()
	c, ok := t.channelMap[name]
	if !ok {
		t.mu.Unlock()
		return errChannelNotFound
	}
	delete(t.channelMap, name)
	left := len(t.channelMap)
	t.mu.Unlock()
	t.nsqd.logf(lg.INFO, "TOPIC(%s): deleting channel %s", t.name, c.name)
	c.Delete()
	t.signal(t.channelUpdateChan)
	if left == 0 && t.ephemeral {
		go t.deleter.Do(func() { t.deleteCallback(t) })
	}
	return nil
}

// channels returns the channels sorted by name.
func (t *Topic) channels() []*Channel {
	t.mu.RLock()
	out := make([]*Channel, 0, len(t.channelMap))
	for _, c := range t.channelMap {
		out = append(out, c)
	}
	t.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// GenerateID returns the next message id of this topic.
func (t *Topic) GenerateID() MessageID { return t.idFactory.next() }

// PutMessage publishes one message.
func (t *Topic) PutMessage(m *Message) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.Exiting() {
		return errExiting
	}
	if err := t.put(m); err != nil {
		return err
	}
	t.messageCount.Add(1)
	t.messageBytes.Add(uint64(len(m.Body)))
	return nil
}

// PutMessages publishes a batch in order; a failure part-way leaves the
// earlier messages queued.
func (t *Topic) PutMessages(msgs []*Message) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.Exiting() {
		return errExiting
	}
	var bytes uint64
	for i, m := range msgs {
		if err := t.put(m); err != nil {
			t.messageCount.Add(uint64(i))
			t.messageBytes.Add(bytes)
			return err
		}
		bytes += uint64(len(m.Body))
	}
	t.messageCount.Add(uint64(len(msgs)))
	t.messageBytes.Add(bytes)
	return nil
}

// put hands m straight to the channels when nothing is queued at topic
// level (see direct), else to the memory queue or, when full, the backend;
// with no memory queue, an ephemeral topic (whose backend discards) first
// tries an unbuffered hand-off to the pump. A durable
// topic's deferred message goes to the backend, its deadline to the
// deferred store, never to memory the publisher was not told about.
// Callers hold mu.
func (t *Topic) put(m *Message) error {
	if t.directLocked() {
		return t.fanOutDirectLocked(m)
	}
	if t.mem.push(m) {
		return nil
	}
	if t.handoff != nil {
		select {
		case t.handoff <- m:
			return nil
		default:
		}
	}
	return t.writeBackend(m)
}

// writeBackend writes m to the disk queue, remembering its deadline if it
// is deferred.
func (t *Topic) writeBackend(m *Message) error {
	err := writeMessageToBackend(m, t.backend)
	t.nsqd.SetHealth(err)
	if err != nil {
		t.nsqd.logf(lg.ERROR, "TOPIC(%s): failed to write message to backend - %s", t.name, err)
		return err
	}
	if m.deferred != 0 {
		if err := t.deferredStore.record(m.ID, time.Now().Add(m.deferred).UnixNano()); err != nil {
			t.nsqd.logf(lg.ERROR, "TOPIC(%s): failed to record a deferred deadline - %s", t.name, err)
		}
	}
	return nil
}

// directLocked reports whether a message may skip the topic's queue and
// pump: the topic is started and unpaused, has channels, and holds no
// queued message that it could overtake. This saves a queue hop per
// message, and with --mem-queue-size=0 a disk write and read.
func (t *Topic) directLocked() bool {
	return t.started.Load() && !t.IsPaused() && len(t.channelMap) > 0 &&
		t.mem.len() == 0 && t.backend.Depth() == 0
}

// fanOutDirectLocked copies m to every channel as the pump would; a failed
// disk write fails the publish, so the publisher can retry.
func (t *Topic) fanOutDirectLocked(m *Message) error {
	var werr error
	first := true
	for _, c := range t.channelMap {
		cm := m
		if !first {
			cm = m.channelCopy()
		}
		first = false
		if err := putToChannel(c, cm); err != nil && err != errExiting && werr == nil {
			werr = err
		}
	}
	return werr
}

// Depth is the number of messages queued at topic level.
func (t *Topic) Depth() int64 { return int64(t.mem.len()) + t.backend.Depth() }

// Pause stops fan-out to channels.
func (t *Topic) Pause() error { return t.setPaused(true) }

// UnPause resumes fan-out.
func (t *Topic) UnPause() error { return t.setPaused(false) }

func (t *Topic) setPaused(p bool) error {
	t.paused.Store(p)
	t.signal(t.pauseChan)
	return nil
}

// IsPaused reports the paused flag.
func (t *Topic) IsPaused() bool { return t.paused.Load() }

// Delete removes the topic, its channels and its files.
func (t *Topic) Delete() error { return t.exit(true) }

// Close persists the topic's and its channels' messages.
func (t *Topic) Close() error { return t.exit(false) }

func (t *Topic) exit(deleted bool) error {
	if !t.exitFlag.CompareAndSwap(false, true) {
		return errExiting
	}
	if deleted {
		t.nsqd.logf(lg.INFO, "TOPIC(%s): deleting", t.name)
		t.nsqd.Notify(t, !t.ephemeral)
	} else {
		t.nsqd.logf(lg.INFO, "TOPIC(%s): closing", t.name)
	}
	close(t.exitChan)
	t.wg.Wait()
	if deleted {
		t.mu.Lock()
		for name, c := range t.channelMap {
			delete(t.channelMap, name)
			c.Delete()
		}
		t.mu.Unlock()
		t.Empty()
		return t.backend.Delete()
	}
	for _, c := range t.channels() {
		if err := c.Close(); err != nil {
			t.nsqd.logf(lg.ERROR, "channel(%s) close - %s", c.name, err)
		}
	}
	t.flush()
	if err := t.deferredStore.save(); err != nil {
		t.nsqd.logf(lg.ERROR, "TOPIC(%s): failed to save deferred deadlines - %s", t.name, err)
	}
	return t.backend.Close()
}

// Empty drops the topic-level queue; channels are untouched.
func (t *Topic) Empty() error {
	t.mem.drain(func(*Message) {})
	t.deferredStore.clear()
	return t.backend.Empty()
}

func (t *Topic) flush() {
	n := 0
	t.mem.drain(func(m *Message) {
		t.writeBackend(m)
		n++
	})
	if n > 0 {
		t.nsqd.logf(lg.INFO, "TOPIC(%s): flushed %d memory messages to backend", t.name, n)
	}
}
