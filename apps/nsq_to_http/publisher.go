package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nsqgo/nsq/internal/appflags"
	"github.com/nsqgo/nsq/internal/hostpool"
	"github.com/nsqgo/nsq/internal/timermetrics"
	"github.com/nsqio/go-nsq"
)

const (
	defaultKeepAlive    = 30 * time.Second
	idleConnTimeout     = 90 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
)

// publisher is the go-nsq handler; its n goroutines share it.
type publisher struct {
	client      *http.Client
	addrs       []string
	mode        string
	post        bool
	contentType string
	headers     []header
	userAgent   string
	sample      float64

	counter   atomic.Uint64 // round-robin
	pool      hostpool.Pool // hostpool and epsilon-greedy
	aggregate *timermetrics.Metrics
	perAddr   map[string]*timermetrics.Metrics // only with several addresses
}

func newPublisher(o *options, client *http.Client, logger *log.Logger) *publisher {
	p := &publisher{
		client:      client,
		addrs:       o.addresses(),
		mode:        o.mode,
		post:        len(o.postAddrs) > 0,
		contentType: o.contentType,
		headers:     o.headers,
		userAgent:   appflags.Version(appName),
		sample:      o.sample,
		aggregate:   timermetrics.New(logger, o.statusEvery, "[aggregate]:"),
		perAddr:     map[string]*timermetrics.Metrics{},
	}
	if len(p.addrs) > 1 {
		for _, a := range p.addrs {
			p.perAddr[a] = timermetrics.New(logger, o.statusEvery, fmt.Sprintf("[%s]:", a))
		}
	}
	switch o.mode {
	case "hostpool":
		p.pool = hostpool.NewStandard(p.addrs)
	case "epsilon-greedy":
		p.pool = hostpool.NewEpsilonGreedy(p.addrs)
	}
	return p
}

// HandleMessage implements nsq.Handler: an error makes go-nsq requeue m.
func (p *publisher) HandleMessage(m *nsq.Message) error {
	if p.sample < 1.0 && rand.Float64() > p.sample {
		return nil // skipped by sampling: FINished
	}
	start := time.Now()
	if err := p.deliver(m.Body); err != nil {
		return err
	}
	p.aggregate.Status(start)
	return nil
}

// deliver sends body to the endpoint(s) the mode selects.
func (p *publisher) deliver(body []byte) error {
	switch {
	case p.mode == "round-robin":
		idx := p.counter.Add(1) % uint64(len(p.addrs))
		return p.request(p.addrs[idx], body)
	case p.pool != nil:
		r := p.pool.Get()
		err := p.request(r.Host(), body)
		r.Mark(err)
		return err
	}
	for _, addr := range p.addrs {
		if err := p.request(addr, body); err != nil {
			return err
		}
	}
	return nil
}

// request performs one POST or GET and judges its status code.
func (p *publisher) request(addr string, body []byte) error {
	start := time.Now()
	req, err := p.newRequest(addr, body)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if !p.success(resp.StatusCode) {
		return fmt.Errorf("got status code %d", resp.StatusCode)
	}
	if m := p.perAddr[addr]; m != nil {
		m.Status(start)
	}
	return nil
}

// success: any 2xx for POST, exactly 200 for GET.
func (p *publisher) success(status int) bool {
	if p.post {
		return status >= 200 && status < 300
	}
	return status == http.StatusOK
}

func (p *publisher) newRequest(addr string, body []byte) (*http.Request, error) {
	var req *http.Request
	var err error
	if p.post {
		req, err = http.NewRequest(http.MethodPost, addr, bytes.NewReader(body))
	} else {
		u := strings.Replace(addr, "%s", url.QueryEscape(string(body)), 1)
		req, err = http.NewRequest(http.MethodGet, u, nil)
	}
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", p.userAgent)
	if p.post {
		req.Header.Set("Content-Type", p.contentType)
	}
	for _, h := range p.headers {
		req.Header.Set(h.key, h.value)
	}
	return req, nil
}
