package hostpool

import (
	"math/rand/v2"
	"sync"
	"time"
)

const (
	// Epsilon is the share of requests that explore instead of exploiting.
	Epsilon = 0.3
	// DecayDuration is how long a response-time sample counts.
	DecayDuration = 5 * time.Minute
	buckets       = 120
	bucketSpan    = DecayDuration / buckets
)

// bucket sums the response times of one bucketSpan.
type bucket struct {
	count int64
	total time.Duration
}

// timings is the ring of buckets of one host.
type timings struct {
	ring [buckets]bucket
}

// EpsilonGreedy is the pool described in the package comment. It is safe
// for concurrent use.
type EpsilonGreedy struct {
	std *Standard

	mu      sync.Mutex
	timings map[string]*timings
	start   time.Time
	cur     int64 // index of the current bucket since start
	rand    func() float64
}

// NewEpsilonGreedy returns an epsilon-greedy pool over hosts (not empty).
func NewEpsilonGreedy(hosts []string) *EpsilonGreedy {
	p := &EpsilonGreedy{std: NewStandard(hosts), timings: map[string]*timings{}, rand: rand.Float64}
	for _, h := range hosts {
		p.timings[h] = &timings{}
	}
	p.start = p.std.now()
	return p
}

// Get explores (standard rotation) or exploits (weighted by score).
func (p *EpsilonGreedy) Get() Response {
	started := p.std.now()
	host := ""
	if p.rand() >= Epsilon {
		host = p.pick(p.std.alive())
	}
	if host == "" {
		host = p.std.Get().Host()
	}
	return &epsilonResponse{pool: p, host: host, started: started}
}

// pick draws one of alive at random, weighted by score.
func (p *EpsilonGreedy) pick(alive []string) string {
	if len(alive) == 0 {
		return ""
	}
	p.mu.Lock()
	p.rotateLocked()
	scores := p.scoresLocked(alive)
	r := p.rand()
	p.mu.Unlock()
	var sum float64
	for _, s := range scores {
		sum += s
	}
	r *= sum
	for i, s := range scores {
		if r < s {
			return alive[i]
		}
		r -= s
	}
	return alive[len(alive)-1]
}

// scoresLocked returns 1/mean-ms per host; hosts without samples get the
// best score seen (1 when nobody has samples).
func (p *EpsilonGreedy) scoresLocked(hosts []string) []float64 {
	scores := make([]float64, len(hosts))
	best := 0.0
	for i, h := range hosts {
		if ms := p.timings[h].weightedMeanMs(p.cur); ms > 0 {
			scores[i] = 1 / ms
			best = max(best, scores[i])
		}
	}
	if best == 0 {
		best = 1
	}
	for i := range scores {
		if scores[i] == 0 {
			scores[i] = best
		}
	}
	return scores
}

// rotateLocked moves to the bucket of the current time, clearing every
// bucket skipped on the way.
func (p *EpsilonGreedy) rotateLocked() {
	now := int64(p.std.now().Sub(p.start) / bucketSpan)
	for ; p.cur < now; p.cur++ {
		if now-p.cur > buckets { // everything expired
			p.cur = now - buckets
		}
		idx := (p.cur + 1) % buckets
		for _, t := range p.timings {
			t.ring[idx] = bucket{}
		}
	}
}

// weightedMeanMs is the decayed mean response time in milliseconds, 0 when
// there are no samples.
func (t *timings) weightedMeanMs(cur int64) float64 {
	var sum, weights, last float64
	seen := false
	for i := 1; i <= buckets; i++ {
		b := t.ring[(cur+int64(i))%buckets]
		if b.count > 0 {
			last = float64(b.total) / float64(b.count) / float64(time.Millisecond)
			seen = true
		}
		if seen {
			w := float64(i) / buckets
			sum += last * w
			weights += w
		}
	}
	if !seen {
		return 0
	}
	return max(sum/weights, 1e-3)
}

// record adds one successful response time for host.
func (p *EpsilonGreedy) record(host string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rotateLocked()
	b := &p.timings[host].ring[p.cur%buckets]
	b.count++
	b.total += d
}

type epsilonResponse struct {
	pool    *EpsilonGreedy
	host    string
	started time.Time
}

func (r *epsilonResponse) Host() string { return r.host }

func (r *epsilonResponse) Mark(err error) {
	if err == nil {
		r.pool.record(r.host, r.pool.std.now().Sub(r.started))
	}
	r.pool.std.mark(r.host, err)
}
