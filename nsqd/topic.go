package nsqd

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
)

// Topic receives published messages and copies each to every channel. Its
// queue (see queue) holds what the channels have not received yet; one
// goroutine, messagePump, owns the fan-out while there is any (see
// wakePump); mu guards channelMap.
type Topic struct {
	messageCount atomic.Uint64
	messageBytes atomic.Uint64

	mu         sync.RWMutex
	name       string
	channelMap map[string]*Channel
	q          *queue

	exitChan          chan struct{}
	channelUpdateChan chan struct{}
	pauseChan         chan struct{}
	wg                sync.WaitGroup // the pump
	pumpMu            sync.Mutex     // orders starting and parking the pump with exit
	pumpRunning       atomic.Bool
	pumpStopped       bool // under pumpMu: the topic is exiting, no pump starts
	exitFlag          atomic.Bool
	paused            atomic.Bool
	started           atomic.Bool

	ephemeral      bool
	deleteCallback func(*Topic)
	deleter        sync.Once
	idFactory      *guidFactory
	deps           *queueDeps
	// retryEvery is how often the pump offers a message again to a channel
	// that refused it; pumpErr is what the pump lost at exit.
	retryEvery time.Duration
	pumpErr    error

	policy topicPolicy // limits of channel_config.go
}

// newTopic builds a topic, whose pump starts after Start when there is
// something to fan out; deleteCallback runs once when an ephemeral topic
// loses its last channel.
func newTopic(name string, deps *queueDeps, deleteCallback func(*Topic)) *Topic {
	t := &Topic{
		name:              name,
		channelMap:        make(map[string]*Channel),
		exitChan:          make(chan struct{}),
		channelUpdateChan: make(chan struct{}, 1),
		pauseChan:         make(chan struct{}, 1),
		ephemeral:         protocol.IsEphemeral(name),
		deleteCallback:    deleteCallback,
		idFactory:         newGUIDFactory(deps.opts().ID),
		deps:              deps,
		retryEvery:        requeueRetry,
	}
	t.q = newQueue(deps, name, "TOPIC("+name+")", t.ephemeral)
	deps.notify(t, !t.ephemeral)
	return t
}

// Start lets the pump begin delivering (after creation or metadata load).
func (t *Topic) Start() {
	t.started.Store(true)
	t.wakePump()
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
		t.wakePump()
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
	c := newChannel(t.name, name, t.deps, func(c *Channel) { t.DeleteExistingChannel(c.name) })
	t.channelMap[name] = c
	t.deps.logf(lg.INFO, "TOPIC(%s): new channel(%s)", t.name, name)
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
	t.deps.logf(lg.INFO, "TOPIC(%s): deleting channel %s", t.name, c.name)
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
	if m.deferred != 0 {
		if err := t.deferredFullLocked(); err != nil {
			return err
		}
	}
	if err := t.admitLocked(1, m.moved); err != nil {
		return err
	}
	if err := t.put(m); err != nil {
		return err
	}
	t.trimToCap()
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
	if err := t.admitLocked(len(msgs), false); err != nil {
		return err
	}
	_, err := t.putRunLocked(msgs)
	return err
}

// PutMessageRun publishes a run of messages, none deferred (pipelined
// PUBs), in order and with the outcome PutMessage would give each in turn,
// but writing to the disk queues a batch at a time. It returns how many
// from the first were published and the error that stopped the rest.
func (t *Topic) PutMessageRun(msgs []*Message) (int, error) {
	t.mu.RLock()
	if t.Exiting() {
		t.mu.RUnlock()
		return 0, errExiting
	}
	if t.admitLocked(len(msgs), false) != nil {
		// A limit refuses the run as a whole: admit each on its own, as
		// one PUB after the other would be.
		t.mu.RUnlock()
		for i, m := range msgs {
			if err := t.PutMessage(m); err != nil {
				return i, err
			}
		}
		return len(msgs), nil
	}
	defer t.mu.RUnlock()
	return t.putRunLocked(msgs)
}

// putRunLocked places admitted messages in order, straight to the
// channels or into the topic's queue as put places each, trims to the
// topic's cap and counts those placed. Callers hold mu.
func (t *Topic) putRunLocked(msgs []*Message) (int, error) {
	defer t.trimToCap()
	n, err := len(msgs), error(nil)
	if t.directLocked() {
		n, err = t.fanOutRunLocked(msgs)
	} else {
		for i := t.queueBatchLocked(msgs); i < len(msgs); i++ {
			if err = t.put(msgs[i]); err != nil {
				n = i
				break
			}
		}
	}
	var bytes uint64
	for _, m := range msgs[:n] {
		bytes += uint64(len(m.Body))
	}
	t.messageCount.Add(uint64(n))
	t.messageBytes.Add(bytes)
	return n, err
}

// fanOutRunLocked copies a run of messages to every channel as the pump
// would, a channel at a time, so a durable channel writes the run to disk
// at once. It returns how many from the first every channel took, and the
// error that stopped the shortest: a failed disk write fails the publish,
// so the publisher can retry.
func (t *Topic) fanOutRunLocked(msgs []*Message) (int, error) {
	n := len(msgs)
	var werr error
	var copies []*Message // for every channel after the first; reused
	first := true
	for _, c := range t.channelMap {
		run := msgs
		if !first {
			if copies == nil {
				copies = make([]*Message, len(msgs))
			}
			for i, m := range msgs {
				copies[i] = m.channelCopy()
			}
			run = copies
		}
		first = false
		if k, err := c.putBatchFromTopic(run); err != nil && err != errExiting && k < n {
			n, werr = k, err
		}
	}
	return n, werr
}

// deferredFullLocked refuses a deferred message while a channel holds
// --max-deferred deferred messages. Callers hold mu.
func (t *Topic) deferredFullLocked() error {
	for _, c := range t.channelMap {
		if c.deferredFull() {
			return fmt.Errorf("%w: channel %s holds --max-deferred=%d", errDeferredFull,
				c.name, t.deps.opts().MaxDeferred)
		}
	}
	return nil
}

// queueBatchLocked puts the leading messages of a batch into the topic's
// memory queue under one lock, as put would queue them one by one when
// nothing goes straight to the channels (see directLocked), and returns
// how many it took; put places the rest. Callers hold mu.
func (t *Topic) queueBatchLocked(msgs []*Message) int {
	k := t.q.mem.pushBatch(msgs)
	if k > 0 && len(t.channelMap) > 0 && !t.IsPaused() {
		t.wakePump()
	}
	return k
}

// put hands m straight to the channels when nothing is queued at topic
// level (see directLocked), else to the topic's queue;
// a deferred message that goes to the backend keeps its deadline in the
// deferred set. Callers hold mu.
func (t *Topic) put(m *Message) error {
	if t.directLocked() {
		_, err := t.fanOutRunLocked([]*Message{m})
		return err
	}
	err := t.q.put(m, deadlineOf(m))
	if len(t.channelMap) > 0 && !t.IsPaused() {
		t.wakePump() // else GetChannel or UnPause will
	}
	return err
}

// directLocked reports whether a message may skip the topic's queue and
// pump: the topic is started and unpaused, has channels, and holds no
// queued message that it could overtake. This saves a queue hop per
// message, and with --mem-queue-size=0 a disk write and read.
func (t *Topic) directLocked() bool {
	return t.started.Load() && !t.IsPaused() && len(t.channelMap) > 0 &&
		t.q.depth() == 0
}

// Depth is the number of messages queued at topic level.
func (t *Topic) Depth() int64 { return t.q.depth() }

// BackendDepth is the number of messages in the topic's disk queue.
func (t *Topic) BackendDepth() int64 { return t.q.backend.Depth() }

// Pause stops fan-out to channels.
func (t *Topic) Pause() error { return t.setPaused(true) }

// UnPause resumes fan-out.
func (t *Topic) UnPause() error { return t.setPaused(false) }

func (t *Topic) setPaused(p bool) error {
	t.paused.Store(p)
	t.signal(t.pauseChan)
	if !p {
		t.wakePump()
	}
	return nil
}

// IsPaused reports the paused flag.
func (t *Topic) IsPaused() bool { return t.paused.Load() }

// Delete removes the topic, its channels and its files.
func (t *Topic) Delete() error { return t.exit(true) }

// Close persists the topic's and its channels' messages; the error joins
// every failure to write them.
func (t *Topic) Close() error { return t.exit(false) }

func (t *Topic) exit(deleted bool) error {
	if !t.exitFlag.CompareAndSwap(false, true) {
		return errExiting
	}
	if deleted {
		t.deps.logf(lg.INFO, "TOPIC(%s): deleting", t.name)
		t.deps.notify(t, !t.ephemeral)
	} else {
		t.deps.logf(lg.INFO, "TOPIC(%s): closing", t.name)
	}
	t.stopPump()
	if deleted {
		t.mu.Lock()
		for name, c := range t.channelMap {
			delete(t.channelMap, name)
			c.Delete()
		}
		t.mu.Unlock()
		return t.q.remove()
	}
	var errs []error
	for _, c := range t.channels() {
		if err := c.Close(); err != nil && !errors.Is(err, errExiting) {
			errs = append(errs, err)
			t.deps.logf(lg.ERROR, "channel(%s) close - %s", c.name, err)
		}
	}
	n, err := t.q.flushMem()
	if n > 0 {
		t.deps.logf(lg.INFO, "TOPIC(%s): flushed %d memory messages to backend", t.name, n)
	}
	return errors.Join(append(errs, t.pumpErr, err, t.q.close())...)
}

// Empty drops the topic-level queue; channels are untouched.
func (t *Topic) Empty() error { return t.q.empty() }
