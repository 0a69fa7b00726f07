package nsqd

import (
	"time"

	"github.com/nsqgo/nsq/internal/diskqueue"
	"github.com/nsqgo/nsq/internal/lg"
)

// pumpState is what the message pump goroutine owns for one client.
type pumpState struct {
	sub        *Channel
	msgTimeout time.Duration
	sampleRate int32
	flushed    bool

	zoneLocal, regionLocal bool // the client's topology, as IDENTIFY set it

	heartbeat *time.Ticker
	flusher   *time.Ticker
}

func newTicker(d time.Duration) *time.Ticker {
	if d <= 0 {
		t := time.NewTicker(time.Hour)
		t.Stop()
		return t
	}
	return time.NewTicker(d)
}

// messagePump delivers messages to a subscribed client while it is ready,
// sends heartbeats and flushes the output buffer. A client is ready while
// its channel is not paused, RDY > 0 and in-flight < RDY; buffered message
// frames are flushed when the buffer fills, on the flush ticker, before any
// response and when the client stops being ready; for a client that turned
// buffering off, after every delivery (one message, or a burst of those
// ready together).
func (p *protocolV2) messagePump(c *clientV2, started chan struct{}) {
	s := &pumpState{
		msgTimeout: c.MsgTimeout,
		flushed:    true,
		heartbeat:  newTicker(c.HeartbeatInterval),
		flusher:    newTicker(c.OutputBufferTimeout),
	}
	defer func() { s.heartbeat.Stop(); s.flusher.Stop() }()
	subEvents, identifyEvents := c.SubEventChan, c.IdentifyEventChan
	close(started)
	for {
		var memReady <-chan struct{}
		var handoff, zoneChan, regionChan <-chan *Message
		var backendChan <-chan diskqueue.Record
		var flusherChan <-chan time.Time
		if s.sub == nil || !c.IsReadyForMessages() {
			if err := p.flush(c); err != nil {
				p.pumpFailed(c, err)
				return
			}
			s.flushed = true
		} else {
			src := s.sub.sources()
			memReady, handoff, backendChan = src.mem, src.handoff, src.disk
			zoneChan, regionChan = src.zone, src.region
			if !s.flushed {
				flusherChan = s.flusher.C
			}
		}
		var err error
		select {
		case <-flusherChan:
			err = p.flush(c)
			s.flushed = true
		case <-c.ReadyStateChan:
		case s.sub = <-subEvents:
			subEvents = nil
		case ev := <-identifyEvents:
			identifyEvents = nil
			s.applyIdentify(ev)
		case <-s.heartbeat.C:
			err = p.heartbeat(c)
		case b := <-backendChan:
			err = p.deliverFromDisk(c, s, b, backendChan)
		case <-memReady:
			err = p.deliverQueued(c, s)
		case m := <-handoff:
			err = p.deliver(c, s, m, countByLocality)
		case m := <-zoneChan:
			err = p.deliver(c, s, m, countZone)
		case m := <-regionChan:
			err = p.deliver(c, s, m, countRegion)
		case <-c.ExitChan:
			return
		}
		if err == nil && !s.flushed && c.unbuffered.Load() {
			err = p.flush(c)
			s.flushed = true
		}
		if err != nil {
			p.pumpFailed(c, err)
			return
		}
	}
}

// pumpBurst bounds how many messages the pump delivers from one source in
// a row, without going back to its select, while the client stays ready:
// the select costs more than a delivery, and the other events (heartbeat,
// flush, exit) wait at most one burst.
const pumpBurst = 64

// deliverQueued delivers messages of the channel's memory queue while the
// client is ready, up to pumpBurst.
func (p *protocolV2) deliverQueued(c *clientV2, s *pumpState) error {
	for range pumpBurst {
		m := s.sub.popQueued()
		if m == nil {
			return nil
		}
		if err := p.deliver(c, s, m, countByLocality); err != nil {
			return err
		}
		if !c.IsReadyForMessages() {
			return nil
		}
	}
	return nil
}

// deliverFromDisk delivers b, then further records already waiting in the
// disk queue's read buffer while the client is ready, up to pumpBurst.
func (p *protocolV2) deliverFromDisk(c *clientV2, s *pumpState, b diskqueue.Record, ch <-chan diskqueue.Record) error {
	for i := 0; ; i++ {
		if m := s.sub.fromDisk(b); m != nil {
			if err := p.deliver(c, s, m, countDisk); err != nil {
				return err
			}
		}
		if i+1 == pumpBurst || !c.IsReadyForMessages() {
			return nil
		}
		select {
		case b = <-ch:
		default:
			return nil
		}
	}
}

func (s *pumpState) applyIdentify(ev identifyEvent) {
	s.heartbeat.Stop()
	s.flusher.Stop()
	s.heartbeat = newTicker(ev.HeartbeatInterval)
	s.flusher = newTicker(ev.OutputBufferTimeout)
	s.msgTimeout = ev.MsgTimeout
	s.sampleRate = ev.SampleRate
	s.zoneLocal, s.regionLocal = ev.IsZoneLocal, ev.IsRegionLocal
}

func (p *protocolV2) pumpFailed(c *clientV2, err error) {
	p.nsqd.logf(lg.ERROR, "PROTOCOL(V2): [%s] messagePump error - %s", c, err)
	c.Close()
	<-c.ExitChan
}

// deliver marks m in flight for c and writes it into c's output buffer.
func (p *protocolV2) deliver(c *clientV2, s *pumpState, m *Message, how int) error {
	if s.sub.expireIfStale(m) || !sampled(s.sampleRate) {
		s.sub.skipDelivery(m)
		return nil
	}
	m.Attempts = nextAttempts(m.Attempts)
	if err := s.sub.StartInFlightTimeout(m, c.ID, s.msgTimeout); err != nil {
		// A second copy of a message already in flight, as a crash can
		// leave behind: the copy in flight is finished or comes back, so
		// this one is dropped rather than sent under a clashing ID.
		p.nsqd.logf(lg.WARN, "CHANNEL(%s): dropped a duplicate of msg(%s) in flight", s.sub.name, m.ID)
		s.sub.skipDelivery(m)
		return nil
	}
	c.SendingMessage()
	s.sub.countDelivery(how, s.zoneLocal, s.regionLocal)
	s.flushed = false
	return p.sendMessage(c, m)
}
