package nsqd

import (
	"github.com/nsqgo/nsq/internal/lg"
)

// messagePump is the topic's fan-out goroutine. It waits for Start, then
// copies each message from the memory queue or the backend to every
// channel. With no channels, or while paused, it reads nothing, so messages
// accumulate at topic level.
func (t *Topic) messagePump() {
	select {
	case <-t.startChan:
	case <-t.exitChan:
		return
	}
	var chans []*Channel
	var memReady chan struct{}
	var handoff chan *Message
	var backendChan <-chan []byte
	var batch [64]*Message
	refresh := func() {
		chans = t.channels()
		memReady, handoff, backendChan = nil, nil, nil
		if len(chans) > 0 && !t.IsPaused() {
			memReady, handoff, backendChan = t.q.mem.ready, t.q.handoff, t.q.backend.ReadChan()
		}
	}
	refresh()
	for {
		select {
		case <-memReady:
			k := t.q.mem.popBatch(batch[:])
			for i := 0; i < k; i++ {
				t.fanOut(chans, batch[i])
				batch[i] = nil
			}
		case m := <-handoff:
			t.fanOut(chans, m)
		case b := <-backendChan:
			t.fanOutEncoded(chans, b)
		case <-t.channelUpdateChan:
			refresh()
		case <-t.pauseChan:
			refresh()
		case <-t.exitChan:
			t.deps.logf(lg.INFO, "TOPIC(%s): closing ... messagePump", t.name)
			return
		}
	}
}

func (t *Topic) fanOutEncoded(chans []*Channel, b []byte) {
	m, wait, err := t.q.decode(b)
	if err != nil {
		return
	}
	m.deferred = wait
	t.fanOut(chans, m)
}

// fanOut gives every channel its own copy of m (the first gets m itself).
func (t *Topic) fanOut(chans []*Channel, m *Message) {
	for i, c := range chans {
		cm := m
		if i > 0 {
			cm = m.channelCopy()
		}
		if err := c.putFromTopic(cm); err != nil {
			t.deps.logf(lg.ERROR, "TOPIC(%s): failed to put msg(%s) to channel(%s) - %s",
				t.name, cm.ID, c.name, err)
		}
	}
}

// channelCopy is a fresh copy of m for another channel (attempts at 0).
func (m *Message) channelCopy() *Message {
	return &Message{ID: m.ID, Body: m.Body, Timestamp: m.Timestamp, deferred: m.deferred}
}
