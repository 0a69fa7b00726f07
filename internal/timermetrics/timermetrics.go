// Package timermetrics logs request-latency summaries for nsq_to_http and
// nsq_to_nsq: every N requests one line
// "<prefix> finished <count> - 99th: <x.xx>ms - 95th: <x.xx>ms - avg: <x.xx>ms"
// computed over the last N durations.
package timermetrics

import (
	"log"
	"math"
	"slices"
	"sync"
	"time"
)

// Metrics collects durations and logs a summary every N of them. The zero
// N disables it. It is safe for concurrent use.
type Metrics struct {
	log    *log.Logger
	prefix string
	every  int

	mu      sync.Mutex
	count   int
	timings []time.Duration // ring of the last `every` durations
}

// New returns Metrics that log to l with prefix (e.g. "[aggregate]:") every
// `every` durations. Fewer than 100 values per summary make the 99th
// percentile meaningless, which New warns about.
func New(l *log.Logger, every int, prefix string) *Metrics {
	m := &Metrics{log: l, prefix: prefix, every: every}
	if every > 0 {
		if every < 100 {
			l.Printf("WARNING: %s --status-every %d is below 100; percentiles need more values to be accurate", prefix, every)
		}
		m.timings = make([]time.Duration, 0, every)
	}
	return m
}

// Status records the time elapsed since start.
func (m *Metrics) Status(start time.Time) {
	if m == nil || m.every <= 0 {
		return
	}
	m.StatusDuration(time.Since(start))
}

// StatusDuration records d and logs a summary when due.
func (m *Metrics) StatusDuration(d time.Duration) {
	if m == nil || m.every <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.timings) < m.every {
		m.timings = append(m.timings, d)
	} else {
		m.timings[m.count%m.every] = d
	}
	m.count++
	if m.count%m.every == 0 {
		p99, p95, avg := Summarize(m.timings)
		m.log.Printf("%s finished %d - 99th: %.02fms - 95th: %.02fms - avg: %.02fms",
			m.prefix, m.count, ms(p99), ms(p95), ms(avg))
	}
}

// Summarize returns the 99th and 95th percentiles and the mean of ds (not
// modified; may be empty).
func Summarize(ds []time.Duration) (p99, p95, avg time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	var total time.Duration
	for _, d := range sorted {
		total += d
	}
	return percentile(sorted, 0.99), percentile(sorted, 0.95), total / time.Duration(len(sorted))
}

// percentile is the nearest-rank percentile of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	idx := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(idx, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
