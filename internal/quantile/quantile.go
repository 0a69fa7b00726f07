// Package quantile tracks end-to-end processing latency quantiles (message
// timestamp to FIN) over a rolling time window, as reported in nsqd's
// /stats and statsd output.
//
// Each Quantile keeps two histograms, each collecting for half the window:
// every window/2 the older one is emptied and becomes the current one, and
// queries read both merged, so a result covers between window/2 and window
// of history. Rotation happens on Insert, Result and Merge, so old data also
// ages out when traffic stops.
//
// Accuracy: the histogram buckets are log-linear (64 buckets per power of
// two, exact below 128 ns). A reported value is the sample of rank
// ceil(q*count) to within a relative error of 1/128 (0.79%); ranks are
// exact, the smallest and largest samples (so q = 1, and any q with a single
// sample) are reported exactly. Memory is bounded: at most 3712 counters
// (29 KiB) per histogram, allocated only for the octaves spanned by the
// samples seen, 64 counters each (latencies from 1 ms to 1 s span 11
// octaves: 704 counters, 5.5 KiB). Insert takes a mutex and allocates only
// when the samples first reach a new octave.
//
// The reference implementation uses a CKMS targeted-quantile sketch, so
// values are compatible but not identical; negative latencies (clock skew)
// are recorded as 0.
package quantile

import (
	"sync"
	"time"
)

// Quantile is a rolling-window latency sketch, safe for concurrent use. A
// nil *Quantile is valid: it ignores inserts and reports an empty Result.
type Quantile struct {
	mu          sync.Mutex
	windows     [2]sketch
	current     int
	lastMove    time.Time
	half        time.Duration
	percentiles []float64
	now         func() time.Time
}

// New returns a Quantile reporting percentiles (each in (0, 1], in this
// order) over a window of windowTime. A windowTime <= 0 never rotates.
func New(windowTime time.Duration, percentiles []float64) *Quantile {
	return newWithClock(windowTime, percentiles, time.Now)
}

func newWithClock(windowTime time.Duration, percentiles []float64, now func() time.Time) *Quantile {
	return &Quantile{
		lastMove:    now(),
		half:        windowTime / 2,
		percentiles: append([]float64(nil), percentiles...),
		now:         now,
	}
}

// Insert records the latency of a message whose timestamp (Unix ns) is
// msgStartNanos, measured now.
func (q *Quantile) Insert(msgStartNanos int64) {
	if q == nil {
		return
	}
	now := q.now()
	q.mu.Lock()
	q.rotateLocked(now)
	q.windows[q.current].insert(now.UnixNano() - msgStartNanos)
	q.mu.Unlock()
}

// rotateLocked advances the windows by every half-window boundary that has
// passed since the last move; two or more empty both. A now older than the
// last move (a racing caller) changes nothing.
func (q *Quantile) rotateLocked(now time.Time) {
	elapsed := now.Sub(q.lastMove)
	if q.half <= 0 || elapsed <= q.half {
		return
	}
	steps := (elapsed - 1) / q.half
	q.lastMove = q.lastMove.Add(steps * q.half)
	q.current ^= int(steps & 1)
	q.windows[q.current].reset()
	if steps > 1 {
		q.windows[q.current^1].reset()
	}
}

// snapshot returns both windows merged into a new sketch.
func (q *Quantile) snapshot() *sketch {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.rotateLocked(q.now())
	s := &sketch{}
	s.merge(&q.windows[0])
	s.merge(&q.windows[1])
	return s
}

// Merge adds other's current samples to q's current window; a topic merges
// its channels' Quantiles this way. other is read under its own lock, never
// while q's is held.
func (q *Quantile) Merge(other *Quantile) {
	if q == nil || other == nil {
		return
	}
	s := other.snapshot()
	q.mu.Lock()
	q.rotateLocked(q.now())
	q.windows[q.current].merge(s)
	q.mu.Unlock()
}

// Result reports the configured percentiles over the current window.
func (q *Quantile) Result() *Result {
	if q == nil {
		return &Result{}
	}
	return newResult(q.snapshot(), q.percentiles)
}
