package nsqd

import (
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

// errDraining refuses publishes once POST /drain has been called.
var errDraining = errors.New("nsqd is draining")

// defaultDrainTimeout is how long a drain waits for the channels to empty.
const defaultDrainTimeout = 5 * time.Minute

// drainCheckInterval is how often a drain looks whether every channel is
// empty.
const drainCheckInterval = 100 * time.Millisecond

// policyInterval is how often the free disk space is probed and expired
// messages are swept from the heads of queues with a msg_ttl.
const policyInterval = time.Second

// nodePolicy is the node-wide state of the free-disk floor and the drain.
type nodePolicy struct {
	node     *NSQD
	lowDisk  atomic.Pointer[string] // why publishes are refused, nil if not
	draining atomic.Bool
	drained  chan struct{} // closed when a drain has finished: Main returns
	// ttlSeen is set once any topic or channel is given a msg_ttl; until
	// then the TTL sweep has nothing to look at.
	ttlSeen atomic.Bool
}

// noteTTL records that a queue was given limits l.
func (deps *queueDeps) noteTTL(l QueueLimits) {
	if l.MsgTTL > 0 && deps.policy != nil {
		deps.policy.ttlSeen.Store(true)
	}
}

func newNodePolicy(n *NSQD) *nodePolicy {
	return &nodePolicy{node: n, drained: make(chan struct{})}
}

// node is the daemon that topics and channels built from deps belong to;
// nil for queues built without one (unit tests).
func (deps *queueDeps) node() *NSQD {
	if deps.policy == nil {
		return nil
	}
	return deps.policy.node
}

func (n *NSQD) isDraining() bool { return n.policies.draining.Load() }

// publishRefusal is why no publish is accepted now, or nil.
func (n *NSQD) publishRefusal() error {
	if n.isDraining() {
		return errDraining
	}
	if msg := n.policies.lowDisk.Load(); msg != nil {
		return errors.New(*msg)
	}
	return nil
}

// pingRefusal is what /ping answers instead of OK while the node drains or
// is short of disk space.
func (n *NSQD) pingRefusal() error {
	if err := n.publishRefusal(); err != nil {
		return httpapi.Err{Code: 500, Text: "NOK - " + err.Error()}
	}
	return nil
}

// lookupdAddrs is the lookupd list to stay connected to: none while
// draining, so every nsqlookupd drops this node and its topics.
func (n *NSQD) lookupdAddrs() []string {
	if n.isDraining() {
		return nil
	}
	return n.getOpts().NSQLookupdTCPAddresses
}

// policyLoop probes the free disk space and sweeps expired messages.
func (n *NSQD) policyLoop() {
	ticker := time.NewTicker(policyInterval)
	defer ticker.Stop()
	for {
		if err := n.checkFreeDisk(); err != nil {
			n.logf(lg.ERROR, "free disk space probe - %s", err)
		}
		n.sweepLimits()
		select {
		case <-ticker.C:
		case <-n.exitChan:
			return
		}
	}
}

// startDrain begins a drain: publishes are refused, /ping fails, lookupds
// are disconnected, consumers keep being served; once every channel is
// empty, or at the timeout, Main returns and nsqd shuts down cleanly
// (what is left stays on disk). A second call changes nothing.
func (n *NSQD) startDrain(timeout time.Duration) {
	if !n.policies.draining.CompareAndSwap(false, true) {
		return
	}
	n.logf(lg.INFO, "NSQ: draining (at most %s)", timeout)
	n.optionsChanged()
	n.spawn(func() { n.drainLoop(timeout) })
}

func (n *NSQD) drainLoop(timeout time.Duration) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	ticker := time.NewTicker(drainCheckInterval)
	defer ticker.Stop()
	for !n.allChannelsEmpty() {
		select {
		case <-ticker.C:
		case <-deadline.C:
			n.logf(lg.WARN, "NSQ: drain timed out after %s; the rest stays on disk", timeout)
			close(n.policies.drained)
			return
		case <-n.exitChan:
			return
		}
	}
	n.logf(lg.INFO, "NSQ: drained")
	close(n.policies.drained)
}

// allChannelsEmpty reports whether no channel has a queued, in-flight or
// deferred message, and no topic with channels holds a backlog for them.
func (n *NSQD) allChannelsEmpty() bool {
	for _, t := range n.topics() {
		chans := t.channels()
		if len(chans) > 0 && t.Depth() > 0 {
			return false
		}
		for _, c := range chans {
			if c.Depth() > 0 || c.inFlightCount() > 0 || c.deferredCount() > 0 {
				return false
			}
		}
	}
	return true
}

// doDrain starts a drain; timeout (a Go duration, default 5m) bounds it.
func (s *httpServer) doDrain(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	q, err := queryValues(req)
	if err != nil {
		return nil, err
	}
	timeout := defaultDrainTimeout
	if v, ok := first(q, "timeout"); ok {
		timeout, err = time.ParseDuration(v)
		if err != nil || timeout <= 0 {
			return nil, httpapi.Err{Code: 400, Text: errBadSetting{"timeout", v, "must be a positive Go duration such as 30s or 5m"}.Error()}
		}
	}
	s.nsqd.startDrain(timeout)
	return struct {
		Draining bool `json:"draining"`
	}{true}, nil
}
