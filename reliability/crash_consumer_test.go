package reliability

import (
	"fmt"
	"sync"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
)

// Live consumers read the crash channel while nsqd is being killed. They
// hold every message for finDelay before they FIN it, so that messages are
// in flight at every kill, and REQ one first delivery in reqEvery with a
// delay. A FIN counts only once nsqd has processed it: after each batch of
// FINs the consumer publishes to finTopic on the same connection, and the
// OK for that publish confirms the FINs before it (commands are handled in
// order). A FIN left without its OK when the connection broke (nsqd was
// killed) may or may not have been processed: FIN has no answer of its
// own, and the kill can land after nsqd finished the message for good but
// before the OK reached the consumer. Such a message may come again or
// not; either is right, and it is not counted as lost.
const (
	finDelay      = 400 * time.Millisecond
	reqEvery      = 7
	reqDelay      = 150 * time.Millisecond
	finTopic      = "crash-fin"
	liveConsumers = 2
)

// finished is what the live consumers confirmed.
type finished struct {
	mu          sync.Mutex
	confirmed   map[string]int  // id → FINs confirmed
	unconfirmed map[string]bool // ids FIN'd whose OK never came
	received    int
	requeued    int
	corrupt     [][]byte
}

func newFinished() *finished {
	return &finished{confirmed: make(map[string]int), unconfirmed: make(map[string]bool)}
}

// unconfirm notes the FIN batches still waiting for their OK when a
// session ended.
func (f *finished) unconfirm(batches [][]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ids := range batches {
		for _, id := range ids {
			f.unconfirmed[id] = true
		}
	}
}

func (f *finished) confirm(ids []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		f.confirmed[id]++
	}
}

// consumeLoop runs consumer sessions until stop is closed, reconnecting
// whenever nsqd goes away.
func consumeLoop(stop <-chan struct{}, p *nsqdProc, f *finished) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		c, err := test.DialRaw(p.tcpAddr)
		if err != nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if c.Request("SUB "+crashTopic+" "+crashChannel, nil) == nil && c.WriteCmd("RDY 50", nil) == nil {
			s := &consumerSession{c: c, f: f, frames: make(chan rawFrame, 64)}
			s.run(stop)
		}
		c.Close()
	}
}

type rawFrame struct {
	ft   int32
	data []byte
	err  error
}

type heldMsg struct {
	id string // wire ID
	at time.Time
}

// consumerSession is one connection of a live consumer.
type consumerSession struct {
	c       *test.Conn
	f       *finished
	frames  chan rawFrame
	held    []heldMsg
	batches [][]string // FIN'd body ids awaiting their confirming OK
	bodies  map[string]string
	seen    int
}

func (s *consumerSession) run(stop <-chan struct{}) {
	s.bodies = make(map[string]string)
	done := make(chan struct{})
	defer close(done)
	defer func() { s.f.unconfirm(s.batches) }()
	go s.read(done)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case fr := <-s.frames:
			if fr.err != nil || !s.handle(fr) {
				return
			}
		case <-tick.C:
			if s.finDue() != nil {
				return
			}
		}
	}
}

// read passes frames on until the connection fails or run returns.
func (s *consumerSession) read(done <-chan struct{}) {
	for {
		ft, data, err := s.c.Frame(time.Minute)
		select {
		case s.frames <- rawFrame{ft, data, err}:
		case <-done:
			return
		}
		if err != nil {
			return
		}
	}
}

// handle takes one frame; false ends the session.
func (s *consumerSession) handle(fr rawFrame) bool {
	switch fr.ft {
	case protocol.FrameTypeResponse:
		if string(fr.data) != "OK" || len(s.batches) == 0 {
			return false
		}
		s.f.confirm(s.batches[0])
		s.batches = s.batches[1:]
		return true
	case protocol.FrameTypeMessage:
		m, err := test.ParseMessage(fr.data)
		if err != nil {
			return false
		}
		return s.message(m) == nil
	}
	return false
}

func (s *consumerSession) message(m test.Message) error {
	s.f.mu.Lock()
	s.f.received++
	id, ok := checkBody(m.Body)
	if !ok {
		s.f.corrupt = append(s.f.corrupt, m.Body)
	}
	s.f.mu.Unlock()
	if !ok {
		return s.c.WriteCmd("FIN "+m.ID, nil)
	}
	s.seen++
	if m.Attempts == 1 && s.seen%reqEvery == 0 {
		s.f.mu.Lock()
		s.f.requeued++
		s.f.mu.Unlock()
		return s.c.WriteCmd(fmt.Sprintf("REQ %s %d", m.ID, reqDelay.Milliseconds()), nil)
	}
	s.bodies[m.ID] = id
	s.held = append(s.held, heldMsg{id: m.ID, at: time.Now()})
	return nil
}

// finDue FINs the messages held for finDelay, then publishes the marker
// whose OK confirms them.
func (s *consumerSession) finDue() error {
	var ids []string
	cutoff := time.Now().Add(-finDelay)
	for len(s.held) > 0 && s.held[0].at.Before(cutoff) {
		h := s.held[0]
		s.held = s.held[1:]
		if err := s.c.WriteCmd("FIN "+h.id, nil); err != nil {
			return err
		}
		ids = append(ids, s.bodies[h.id])
		delete(s.bodies, h.id)
	}
	if len(ids) == 0 {
		return nil
	}
	s.batches = append(s.batches, ids)
	return s.c.WriteCmd("PUB "+finTopic, []byte("fin"))
}
