package main

import "time"

// throttle limits publishing to rate messages per second with a token
// bucket: it starts with one token, gains one every 1/rate s and holds at
// most rate tokens (a burst of up to one second's worth after idling).
// Unlike the reference, which sleeps one tick whenever its balance is
// exhausted and lets the balance go negative, a caller here waits exactly
// until a whole token is available, so the rate is never exceeded.
type throttle struct {
	rate     float64
	interval time.Duration
	tokens   float64
	last     time.Time
}

// newThrottle returns nil (no limit) when rate < 1.
func newThrottle(rate int64) *throttle {
	if rate < 1 {
		return nil
	}
	return &throttle{
		rate:     float64(rate),
		interval: time.Second / time.Duration(rate),
		tokens:   1,
		last:     time.Now(),
	}
}

// wait takes one token, sleeping until one is available. It reports false
// when done closed first. A nil throttle never waits.
func (t *throttle) wait(done <-chan struct{}) bool {
	if t == nil {
		return true
	}
	for {
		now := time.Now()
		t.tokens = min(t.rate, t.tokens+float64(now.Sub(t.last))/float64(t.interval))
		t.last = now
		if t.tokens >= 1 {
			t.tokens--
			return true
		}
		timer := time.NewTimer(time.Duration((1 - t.tokens) * float64(t.interval)))
		select {
		case <-done:
			timer.Stop()
			return false
		case <-timer.C:
		}
	}
}
