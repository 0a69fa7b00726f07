package hostpool

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var errDown = errors.New("down")

// fakeClock is a settable time source.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestStandard(hosts ...string) (*Standard, *fakeClock) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	p := NewStandard(hosts)
	p.now = clk.now
	return p, clk
}

func gets(p Pool, n int) []string {
	var out []string
	for range n {
		r := p.Get()
		out = append(out, r.Host())
		r.Mark(nil)
	}
	return out
}

func TestStandardRotates(t *testing.T) {
	p, _ := newTestStandard("a", "b", "c")
	require.Equal(t, []string{"a", "b", "c", "a"}, gets(p, 4))
}

func TestStandardDeadHostRetries(t *testing.T) {
	p, clk := newTestStandard("a", "b")
	r := p.Get() // a
	r.Mark(errDown)
	require.Equal(t, []string{"b", "b", "b"}, gets(p, 3), "dead host used")
	clk.advance(30*time.Second + time.Millisecond)
	probe := p.Get()
	require.Equal(t, "a", probe.Host(), "due host not probed: %s", probe.Host())
	probe.Mark(errDown) // still dead: next retry in 60 s
	clk.advance(59 * time.Second)
	require.Equal(t, []string{"b", "b"}, gets(p, 2), "retried too early")
	clk.advance(2 * time.Second)
	probe = p.Get()
	require.Equal(t, "a", probe.Host(), "not retried after the doubled delay: %s", probe.Host())
	probe.Mark(nil)
	require.Equal(t, []string{"b", "a"}, gets(p, 2), "revived host not in rotation")
}

func TestStandardRetryDelayCaps(t *testing.T) {
	h := &hostEntry{retryDelay: initialRetryDelay}
	now := time.Unix(0, 0)
	for range 10 {
		h.scheduleRetry(now)
	}
	require.Equal(t, maxRetryDelay, h.retryDelay, "delay %v", h.retryDelay)
}

func TestStandardAllDeadRevives(t *testing.T) {
	p, _ := newTestStandard("a", "b")
	p.Get().Mark(errDown)
	p.Get().Mark(errDown)
	require.Equal(t, []string{"a", "b", "a"}, gets(p, 3))
}

func TestEpsilonGreedyPrefersFastHost(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	p := NewEpsilonGreedy([]string{"slow", "fast"})
	p.std.now = clk.now
	p.start = clk.t
	for range 20 {
		p.record("slow", 90*time.Millisecond)
		p.record("fast", 10*time.Millisecond)
	}
	p.rand = func() float64 { return 0.5 } // exploit; draw the middle of the weights
	// weights 1/90 and 1/10: "slow" holds the first 10 % of the range.
	require.Equal(t, "fast", p.Get().Host(), "picked")
	p.rand = func() float64 { return 0.05 } // < Epsilon: explore (rotation)
	require.Equal(t, "slow", p.Get().Host(), "exploration picked")
}

func TestEpsilonGreedyDecay(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	p := NewEpsilonGreedy([]string{"a"})
	p.std.now = clk.now
	p.start = clk.t
	p.record("a", 10*time.Millisecond)
	require.EqualValues(t, 10, p.timings["a"].weightedMeanMs(p.cur), "mean")
	clk.advance(DecayDuration + bucketSpan)
	p.mu.Lock()
	p.rotateLocked()
	p.mu.Unlock()
	require.EqualValues(t, 0, p.timings["a"].weightedMeanMs(p.cur), "sample did not expire")
}

func TestEpsilonGreedySkipsDeadHosts(t *testing.T) {
	p := NewEpsilonGreedy([]string{"a", "b"})
	p.rand = func() float64 { return 0.99 }
	r := p.Get()
	r.Mark(errDown)
	for range 5 {
		require.NotEqual(t, r.Host(), p.Get().Host(), "dead host")
	}
}
