package main

import (
	"time"

	"github.com/nsqgo/nsq/internal/benchwire"
)

// newStamper returns the hook one writer runs before each MPUB: it waits
// for the batch's slot when --rate is set, then stamps every body with the
// time of sending.
func newStamper(c *config, start time.Time) func(*benchwire.MPUB) {
	p := newPacer(c.rate, c.writers, c.batchSize, start)
	return func(m *benchwire.MPUB) {
		p.wait()
		now := time.Now()
		for i := range m.Len() {
			putStamp(m.Body(i), now)
		}
	}
}

// pacer spaces one writer's batches so that all writers together publish
// rate messages a second. A writer that falls behind does not burst to
// catch up: its schedule restarts from now.
type pacer struct {
	interval time.Duration // 0: no pacing
	next     time.Time
}

func newPacer(rate, writers, batch int, start time.Time) *pacer {
	if rate <= 0 {
		return &pacer{}
	}
	perWriter := float64(rate) / float64(writers)
	interval := time.Duration(float64(batch) / perWriter * float64(time.Second))
	return &pacer{interval: max(interval, 1), next: start}
}

// wait sleeps until the next batch is due.
func (p *pacer) wait() {
	if d := p.delay(time.Now()); d > 0 {
		time.Sleep(d)
	}
}

// delay books the next batch's slot and returns how long to wait for it
// at now.
func (p *pacer) delay(now time.Time) time.Duration {
	if p.interval == 0 {
		return 0
	}
	d := p.next.Sub(now)
	if -d > p.interval {
		p.next, d = now, 0
	}
	p.next = p.next.Add(p.interval)
	return max(d, 0)
}
