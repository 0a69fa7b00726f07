// Package hostpool picks an upstream host for each request and learns from
// the outcome, as nsq_to_http and nsq_to_nsq do in their "hostpool" and
// "epsilon-greedy" modes.
//
// Standard (Standard) rotates through the hosts that are alive. A host whose
// request failed is marked dead and skipped until its retry time: first 30 s
// after the failure, then the delay doubles at every retry up to 900 s. A
// dead host whose retry time has passed is handed out once (a probe); a
// success revives it, a failure schedules the next, longer, retry. When every
// host is dead and none is due, all are revived and the rotation restarts at
// the first host.
//
// Epsilon-greedy (EpsilonGreedy) keeps the standard liveness rules and adds a
// preference for fast hosts. With probability Epsilon (0.3) it explores by
// taking the next host of the standard rotation; otherwise it exploits by
// drawing a live host at random, weighted by its score. A host's score is
// 1/(mean response time in ms): a linear value calculator. Response times of
// successful requests are kept in 120 buckets that together span 5 minutes;
// the mean weights the newest bucket 120/120 and the oldest 1/120 (an empty
// bucket repeats the value of the older bucket before it), so old samples
// decay away. A host with no samples yet gets the best score of the others,
// so new hosts are tried.
package hostpool

import (
	"sync"
	"time"
)

// Pool hands out hosts; Mark on the returned Response reports how the
// request to that host went.
type Pool interface {
	Get() Response
}

// Response is one use of a host.
type Response interface {
	Host() string
	// Mark records the outcome of the request; nil means success.
	Mark(err error)
}

const (
	initialRetryDelay = 30 * time.Second
	maxRetryDelay     = 900 * time.Second
)

type hostEntry struct {
	host       string
	dead       bool
	retryDelay time.Duration
	nextRetry  time.Time
}

// Standard is the round-robin pool with dead-host back-off described in the
// package comment. It is safe for concurrent use.
type Standard struct {
	mu    sync.Mutex
	hosts []*hostEntry
	next  int
	now   func() time.Time
}

// NewStandard returns a pool over hosts, all alive. hosts must not be empty.
func NewStandard(hosts []string) *Standard {
	p := &Standard{now: time.Now}
	for _, h := range hosts {
		p.hosts = append(p.hosts, &hostEntry{host: h, retryDelay: initialRetryDelay})
	}
	return p
}

// Get returns the next usable host.
func (p *Standard) Get() Response {
	p.mu.Lock()
	defer p.mu.Unlock()
	return &standardResponse{pool: p, host: p.nextLocked().host}
}

// nextLocked advances the rotation to the next live or due host.
func (p *Standard) nextLocked() *hostEntry {
	now := p.now()
	for i := range p.hosts {
		idx := (p.next + i) % len(p.hosts)
		h := p.hosts[idx]
		if h.dead && now.Before(h.nextRetry) {
			continue
		}
		if h.dead {
			h.scheduleRetry(now)
		}
		p.next = idx + 1
		return h
	}
	for _, h := range p.hosts {
		h.dead = false
	}
	p.next = 1
	return p.hosts[0]
}

// scheduleRetry doubles the retry delay (up to the maximum) after a probe.
func (h *hostEntry) scheduleRetry(now time.Time) {
	h.retryDelay = min(h.retryDelay*2, maxRetryDelay)
	h.nextRetry = now.Add(h.retryDelay)
}

// mark records the outcome of a request to host.
func (p *Standard) mark(host string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range p.hosts {
		if h.host != host {
			continue
		}
		switch {
		case err == nil:
			h.dead = false
		case !h.dead:
			h.dead = true
			h.retryDelay = initialRetryDelay
			h.nextRetry = p.now().Add(initialRetryDelay)
		}
	}
}

// alive returns the hosts that are not dead.
func (p *Standard) alive() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, h := range p.hosts {
		if !h.dead {
			out = append(out, h.host)
		}
	}
	return out
}

type standardResponse struct {
	pool *Standard
	host string
}

func (r *standardResponse) Host() string   { return r.host }
func (r *standardResponse) Mark(err error) { r.pool.mark(r.host, err) }
