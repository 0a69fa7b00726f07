package main

import (
	"errors"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqgo/nsq/internal/hostpool"
	"github.com/nsqgo/nsq/internal/timermetrics"
	"github.com/nsqio/go-nsq"
)

// errPublishFailed marks a host failed in the pool when a publish failed.
var errPublishFailed = errors.New("failed")

// relay publishes consumed messages asynchronously to the destinations.
// Its responder goroutines FIN or REQ each message once nsqd answered.
type relay struct {
	producers map[string]*nsq.Producer
	addrs     []string
	pool      hostpool.Pool // nil in round-robin mode
	counter   atomic.Uint64
	filter    *jsonFilter
	responses chan *nsq.ProducerTransaction
	wg        sync.WaitGroup

	aggregate *timermetrics.Metrics
	perAddr   map[string]*timermetrics.Metrics
}

// pending is what travels with an asynchronous publish.
type pending struct {
	msg   *nsq.Message
	start time.Time
	addr  string
	host  hostpool.Response // nil in round-robin mode
}

// newRelay creates one producer per destination and starts the responders.
func newRelay(o *options, logger *log.Logger) (*relay, error) {
	r := &relay{
		producers: map[string]*nsq.Producer{},
		addrs:     o.destAddrs,
		filter:    newJSONFilter(o, logger),
		responses: make(chan *nsq.ProducerTransaction, len(o.destAddrs)),
		aggregate: timermetrics.New(logger, o.statusEvery, "[aggregate]:"),
		perAddr:   map[string]*timermetrics.Metrics{},
	}
	for _, addr := range o.destAddrs {
		if err := r.addProducer(o, addr, logger); err != nil {
			r.stopProducers()
			return nil, err
		}
	}
	r.pool = newPool(o.mode, r.addrs)
	for range len(o.destAddrs) {
		r.wg.Go(r.respond)
	}
	return r, nil
}

func (r *relay) addProducer(o *options, addr string, logger *log.Logger) error {
	p, err := nsq.NewProducer(addr, o.producerCfg)
	if err != nil {
		return fmt.Errorf("failed creating producer %s", err)
	}
	p.SetLogger(logger, nsq.LogLevelInfo)
	r.producers[addr] = p
	if len(o.destAddrs) > 1 {
		r.perAddr[addr] = timermetrics.New(logger, o.statusEvery, fmt.Sprintf("[%s]:", addr))
	}
	return nil
}

// newPool returns the host pool of mode, nil for round-robin (the default
// for any unknown mode).
func newPool(mode string, addrs []string) hostpool.Pool {
	switch mode {
	case "hostpool":
		return hostpool.NewStandard(addrs)
	case "epsilon-greedy":
		return hostpool.NewEpsilonGreedy(addrs)
	}
	return nil
}

// close stops the producers and then the responders. The consumers must
// have stopped, so no message is waiting for an answer.
func (r *relay) close() {
	r.stopProducers()
	close(r.responses)
	r.wg.Wait()
}

func (r *relay) stopProducers() {
	for _, p := range r.producers {
		p.Stop()
	}
}

// handle filters m and publishes it to topic.
func (r *relay) handle(m *nsq.Message, topic string) error {
	body := m.Body
	if r.filter != nil {
		var pass bool
		var err error
		if body, pass, err = r.filter.apply(body); !pass || err != nil {
			return err
		}
	}
	return r.publish(m, topic, body)
}

// publish sends body to the destination the mode picks. The responder
// answers m; if the publish cannot even start, m is requeued here.
func (r *relay) publish(m *nsq.Message, topic string, body []byte) error {
	p := &pending{msg: m, start: time.Now()}
	if r.pool != nil {
		p.host = r.pool.Get()
		p.addr = p.host.Host()
	} else {
		p.addr = r.addrs[r.counter.Add(1)%uint64(len(r.addrs))]
	}
	m.DisableAutoResponse()
	err := r.producers[p.addr].PublishAsync(topic, body, r.responses, p)
	if err != nil {
		if p.host != nil {
			p.host.Mark(err)
		}
		m.Requeue(-1)
	}
	return err
}

// respond answers each message once its publish completed.
func (r *relay) respond() {
	for t := range r.responses {
		p := t.Args[0].(*pending)
		if p.host != nil {
			var err error
			if t.Error != nil {
				err = errPublishFailed
			}
			p.host.Mark(err)
		}
		if t.Error == nil {
			p.msg.Finish()
		} else {
			p.msg.Requeue(-1)
		}
		r.perAddr[p.addr].Status(p.start)
		r.aggregate.Status(p.start)
	}
}

// topicHandler relays the messages of one consumed topic.
type topicHandler struct {
	r     *relay
	topic string // destination
}

// HandleMessage implements nsq.Handler.
func (h *topicHandler) HandleMessage(m *nsq.Message) error { return h.r.handle(m, h.topic) }
