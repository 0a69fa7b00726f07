package nsqd

import (
	"fmt"
	"time"

	"github.com/nsqgo/nsq/internal/diskqueue"
	"github.com/nsqgo/nsq/internal/lg"
)

// heldPut is a message that a channel could not take (its disk is full),
// retried until it does.
type heldPut struct {
	c *Channel
	m *Message
}

// topicPump is the state of a topic's fan-out goroutine.
type topicPump struct {
	t     *Topic
	chans []*Channel
	// held are the copies that channels refused; while there are any the
	// pump reads nothing new, and the topic's disk record they came from
	// (rec, when fromDisk) stays open until every channel has its copy.
	held     []heldPut
	rec      diskqueue.Pos
	fromDisk bool
	retry    *time.Timer // made when a copy is first held
}

// messagePump is the topic's fan-out goroutine, running after Start while
// there is something to fan out (see wakePump). It copies each message
// from the memory queue or the backend to every channel. With no channels,
// or while paused, it reads nothing, so messages accumulate at topic level.
// A record read from the topic's disk queue is finished only once every
// channel holds its copy (on disk, with --mem-queue-size=0).
func (t *Topic) messagePump() {
	p := &topicPump{t: t}
	defer func() {
		if p.retry != nil {
			p.retry.Stop()
		}
	}()
	var memReady chan struct{}
	var handoff chan *Message
	var backendChan <-chan diskqueue.Record
	var batch [64]*Message
	for refresh := true; ; {
		if refresh {
			p.chans = t.channels()
			refresh = false
		}
		if len(p.held) == 0 && !t.pumpHasWork() && t.parkPump() {
			return
		}
		var retry <-chan time.Time
		if p.retry != nil {
			retry = p.retry.C
		}
		memReady, handoff, backendChan = nil, nil, nil
		if len(p.chans) > 0 && !t.IsPaused() && len(p.held) == 0 {
			memReady, handoff, backendChan = t.q.mem.ready, t.q.handoff, t.q.backend.ReadChan()
		}
		select {
		case <-memReady:
			k := t.q.mem.popBatch(batch[:])
			for i := 0; i < k; i++ {
				p.fanOut(batch[i])
				batch[i] = nil
			}
			p.settle()
		case m := <-handoff:
			p.fanOut(m)
			p.settle()
		case rec := <-backendChan:
			p.fanOutRecord(rec)
		case <-retry:
			p.retryHeld()
		case <-t.channelUpdateChan:
			refresh = true
		case <-t.pauseChan:
		case <-t.exitChan:
			t.deps.logf(lg.INFO, "TOPIC(%s): closing ... messagePump", t.name)
			p.abandon()
			return
		}
	}
}

// The pump runs only while it has work, so that idle topics hold no
// goroutine. Whatever can give it work (a message queued at topic level,
// Start, a new channel, UnPause) calls wakePump after making the change;
// the pump, finding no work, marks itself stopped and then looks again,
// running on if something came meanwhile. Each side looks after its own
// change, so one of them sees the other's.

// wakePump starts the pump if it is not running and the topic is started
// and not exiting.
func (t *Topic) wakePump() {
	if t.pumpRunning.Load() {
		return
	}
	t.pumpMu.Lock()
	defer t.pumpMu.Unlock()
	if t.pumpRunning.Load() || t.pumpStopped || !t.started.Load() {
		return
	}
	t.pumpRunning.Store(true)
	t.wg.Go(t.messagePump)
}

// pumpHasWork reports whether the pump could fan out something now:
// messages are queued, with channels to take them and no pause; or there
// is a hand-off to wait on (ephemeral with --mem-queue-size=0), whose
// publishers do not wait for a pump to start.
func (t *Topic) pumpHasWork() bool {
	if t.q.handoff != nil {
		return true
	}
	if t.IsPaused() || t.q.depth() == 0 {
		return false
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.channelMap) > 0
}

// parkPump is called by a pump without work; it reports whether the pump
// returns (false: work came in meanwhile and it carries on).
func (t *Topic) parkPump() bool {
	t.pumpMu.Lock()
	t.pumpRunning.Store(false)
	t.pumpMu.Unlock()
	if !t.pumpHasWork() {
		return true
	}
	t.pumpMu.Lock()
	defer t.pumpMu.Unlock()
	if t.pumpRunning.Load() || t.pumpStopped {
		return true // a new pump took over, or the topic is exiting
	}
	t.pumpRunning.Store(true)
	return false
}

// stopPump stops the pump for good and waits for it.
func (t *Topic) stopPump() {
	t.pumpMu.Lock()
	t.pumpStopped = true
	t.pumpMu.Unlock()
	close(t.exitChan)
	t.wg.Wait()
}

func (p *topicPump) fanOutRecord(rec diskqueue.Record) {
	m, wait, err := p.t.q.decode(rec.Data)
	if err != nil {
		p.t.q.backend.Done(rec.Pos)
		return
	}
	m.deferred = wait
	p.fanOut(m)
	p.rec, p.fromDisk = rec.Pos, true
	p.settle()
}

// fanOut gives every channel its own copy of m (the first gets m itself);
// the copies refused are held.
func (p *topicPump) fanOut(m *Message) {
	if p.t.expireIfStale(m) {
		return
	}
	for i, c := range p.chans {
		cm := m
		if i > 0 {
			cm = m.channelCopy()
		}
		if err := c.putFromTopic(cm); err != nil && err != errExiting {
			p.t.deps.logf(lg.ERROR, "TOPIC(%s): failed to put msg(%s) to channel(%s), will retry - %s",
				p.t.name, cm.ID, c.name, err)
			p.held = append(p.held, heldPut{c, cm})
		}
	}
}

// settle finishes the disk record just fanned out once nothing is held,
// or starts the retry timer.
func (p *topicPump) settle() {
	if len(p.held) > 0 {
		if p.retry == nil {
			p.retry = time.NewTimer(p.t.retryEvery)
		} else {
			p.retry.Reset(p.t.retryEvery)
		}
		return
	}
	if p.fromDisk {
		p.t.q.backend.Done(p.rec)
		p.fromDisk = false
	}
}

// retryHeld offers the held copies again, in order; a channel that is
// gone no longer needs its copy.
func (p *topicPump) retryHeld() {
	left := p.held[:0]
	for _, h := range p.held {
		if err := h.c.putFromTopic(h.m); err != nil && err != errExiting {
			left = append(left, h)
		}
	}
	clear(p.held[len(left):])
	p.held = left
	p.settle()
}

// abandon gives up the held copies at exit. A disk record stays open and
// is fanned out again after a restart; copies from memory are lost, which
// the topic's Close reports.
func (p *topicPump) abandon() {
	if len(p.held) > 0 && !p.fromDisk {
		p.t.pumpErr = fmt.Errorf("TOPIC(%s): %d messages refused by full channels were lost at exit",
			p.t.name, len(p.held))
		p.t.deps.logf(lg.ERROR, "%s", p.t.pumpErr)
	}
	p.held = nil
}

// channelCopy is a fresh copy of m for another channel (attempts at 0).
func (m *Message) channelCopy() *Message {
	return &Message{ID: m.ID, Body: m.Body, Timestamp: m.Timestamp, deferred: m.deferred}
}
