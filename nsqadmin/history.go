package nsqadmin

import (
	"math"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

// historyWindow is how far back the sampled history reaches.
const historyWindow = time.Hour

// maxHistoryPoints caps the points kept per topic, channel and node.
const maxHistoryPoints = 3600

var (
	errHistoryNotFound = httpapi.Err{Code: 404, Text: "NOT_FOUND"}
	errMissingTopic    = httpapi.Err{Code: 400, Text: "MISSING_ARG_TOPIC"}
)

// historyPoint is one sample of a topic, a channel or a node. Messages,
// Requeued and TimedOut are cumulative counters; the rest are gauges.
type historyPoint struct {
	TS       int64 `json:"ts"`
	Depth    int64 `json:"depth"`
	InFlight int64 `json:"in_flight"`
	Deferred int64 `json:"deferred"`
	Messages int64 `json:"messages"`
	Requeued int64 `json:"requeued"`
	TimedOut int64 `json:"timed_out"`
	Clients  int64 `json:"clients"`
}

func (p *historyPoint) add(q historyPoint) {
	p.Depth += q.Depth
	p.InFlight += q.InFlight
	p.Deferred += q.Deferred
	p.Messages += q.Messages
	p.Requeued += q.Requeued
	p.TimedOut += q.TimedOut
	p.Clients += q.Clients
}

// channelPoint is one node's channel.
func channelPoint(ch *clusterinfo.ChannelStats) historyPoint {
	return historyPoint{
		Depth: ch.Depth, InFlight: ch.InFlightCount, Deferred: ch.DeferredCount,
		Messages: ch.MessageCount, Requeued: ch.RequeueCount, TimedOut: ch.TimeoutCount,
		Clients: int64(ch.ClientCount),
	}
}

// topicPoint is one node's topic: its depth and message count, and the
// sums of the other fields over its channels.
func topicPoint(t *clusterinfo.TopicStats) historyPoint {
	var p historyPoint
	for _, ch := range t.Channels {
		p.add(channelPoint(ch))
	}
	p.Depth, p.Messages = t.Depth, t.MessageCount
	return p
}

// ring holds the newest points of one series, oldest first.
type ring struct {
	points []historyPoint
	start  int
	size   int
}

func (r *ring) push(p historyPoint) {
	if len(r.points) < r.size {
		r.points = append(r.points, p)
		return
	}
	r.points[r.start] = p
	r.start = (r.start + 1) % r.size
}

// slice copies the points, oldest first; never nil.
func (r *ring) slice() []historyPoint {
	out := make([]historyPoint, 0, len(r.points))
	out = append(out, r.points[r.start:]...)
	return append(out, r.points[:r.start]...)
}

func (r *ring) newest() historyPoint {
	return r.points[(r.start+len(r.points)-1)%len(r.points)]
}

type channelKey struct{ topic, channel string }

// history is the in-memory record of the cluster's stats, fed by the
// sampler and read by /api/history.
type history struct {
	interval time.Duration
	size     int

	mu       sync.Mutex
	sampled  bool
	topics   map[string]*ring
	channels map[channelKey]*ring
	nodes    map[string]*ring
}

func newHistory(interval time.Duration) *history {
	size := maxHistoryPoints
	if interval > 0 {
		size = min(int(math.Ceil(float64(historyWindow)/float64(interval))), maxHistoryPoints)
	}
	return &history{
		interval: interval,
		size:     max(size, 1),
		topics:   map[string]*ring{},
		channels: map[channelKey]*ring{},
		nodes:    map[string]*ring{},
	}
}

// sample is the per-series points of one sampling round.
type sample struct {
	topics   map[string]historyPoint
	channels map[channelKey]historyPoint
	nodes    map[string]historyPoint
}

// newSample sums the per-node stats of one round into series points.
func newSample(ts int64, stats []*clusterinfo.TopicStats) *sample {
	s := &sample{map[string]historyPoint{}, map[channelKey]historyPoint{}, map[string]historyPoint{}}
	for _, t := range stats {
		tp := topicPoint(t)
		addPoint(s.topics, t.TopicName, tp, ts)
		addPoint(s.nodes, t.Node, tp, ts)
		for _, ch := range t.Channels {
			addPoint(s.channels, channelKey{t.TopicName, ch.ChannelName}, channelPoint(ch), ts)
		}
	}
	return s
}

func addPoint[K comparable](m map[K]historyPoint, k K, p historyPoint, ts int64) {
	cur := m[k]
	cur.TS = ts
	cur.add(p)
	m[k] = cur
}

// record appends a round's points. After a complete round, series absent
// from it are dropped; after an incomplete one only series with no point
// in the last window are.
func (h *history) record(at time.Time, stats []*clusterinfo.TopicStats, complete bool) {
	s := newSample(at.Unix(), stats)
	cutoff := at.Add(-historyWindow).Unix()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sampled = true
	recordInto(h.topics, s.topics, h.size, complete, cutoff)
	recordInto(h.channels, s.channels, h.size, complete, cutoff)
	recordInto(h.nodes, s.nodes, h.size, complete, cutoff)
}

func recordInto[K comparable](rings map[K]*ring, pts map[K]historyPoint, size int, complete bool, cutoff int64) {
	for k, p := range pts {
		r := rings[k]
		if r == nil {
			r = &ring{size: size}
			rings[k] = r
		}
		r.push(p)
	}
	for k, r := range rings {
		if _, ok := pts[k]; ok {
			continue
		}
		if complete || r.newest().TS < cutoff {
			delete(rings, k)
		}
	}
}

// points returns a series; before the first round every series exists
// and is empty.
func points[K comparable](h *history, rings map[K]*ring, k K) ([]historyPoint, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.sampled {
		return []historyPoint{}, true
	}
	r := rings[k]
	if r == nil {
		return nil, false
	}
	return r.slice(), true
}

func (h *history) allTopics() map[string][]historyPoint {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string][]historyPoint, len(h.topics))
	for name, r := range h.topics {
		out[name] = r.slice()
	}
	return out
}

// doHistory serves the sampled history of a topic, a channel, a node, or
// every topic.
func (s *httpServer) doHistory(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
	q, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return nil, errInvalidRequest
	}
	h := s.n.history
	interval := int(h.interval.Seconds())
	topic, channel, node := q.Get("topic"), q.Get("channel"), q.Get("node")
	var pts []historyPoint
	var ok bool
	switch {
	case node != "":
		pts, ok = points(h, h.nodes, node)
	case topic != "" && channel != "":
		pts, ok = points(h, h.channels, channelKey{topic, channel})
	case topic != "":
		pts, ok = points(h, h.topics, topic)
	case channel != "":
		return nil, errMissingTopic
	default:
		return struct {
			Message  string                    `json:"message"`
			Interval int                       `json:"interval"`
			Topics   map[string][]historyPoint `json:"topics"`
		}{"", interval, h.allTopics()}, nil
	}
	if !ok {
		return nil, errHistoryNotFound
	}
	return struct {
		Message  string         `json:"message"`
		Interval int            `json:"interval"`
		Points   []historyPoint `json:"points"`
	}{"", interval, pts}, nil
}

// sampleLoop samples the cluster at once and then every stats interval
// until exit.
func (n *NSQAdmin) sampleLoop() {
	ticker := time.NewTicker(n.history.interval)
	defer ticker.Stop()
	for {
		n.sampleOnce()
		select {
		case <-ticker.C:
		case <-n.exitChan:
			return
		}
	}
}

// sampleOnce takes one round of stats from every node. A round where some
// nodes failed is recorded as incomplete; one where all failed is skipped.
func (n *NSQAdmin) sampleOnce() {
	o := n.getOpts()
	producers, err := n.ci.GetProducers(o.NSQLookupdHTTPAddresses, o.NSQDHTTPAddresses)
	complete := err == nil
	if err != nil && !clusterinfo.IsPartial(err) {
		n.logf(lg.WARN, "stats sample: %s", err)
		return
	}
	var stats []*clusterinfo.TopicStats
	if len(producers) > 0 {
		stats, _, err = n.ci.GetNSQDStats(producers, "", "", false)
		if err != nil && !clusterinfo.IsPartial(err) {
			n.logf(lg.WARN, "stats sample: %s", err)
			return
		}
		complete = complete && err == nil
	}
	n.history.record(time.Now(), stats, complete)
}
