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
	if got := gets(p, 4); got[0] != "a" || got[1] != "b" || got[2] != "c" || got[3] != "a" {
		t.Fatalf("got %q", got)
	}
}

func TestStandardDeadHostRetries(t *testing.T) {
	p, clk := newTestStandard("a", "b")
	r := p.Get() // a
	r.Mark(errDown)
	if got := gets(p, 3); got[0] != "b" || got[1] != "b" || got[2] != "b" {
		t.Fatalf("dead host used: %q", got)
	}
	clk.advance(30*time.Second + time.Millisecond)
	probe := p.Get()
	require.Equal(t, "a", probe.Host(), "due host not probed: %s", probe.Host())
	probe.Mark(errDown) // still dead: next retry in 60 s
	clk.advance(59 * time.Second)
	if got := gets(p, 2); got[0] != "b" || got[1] != "b" {
		t.Fatalf("retried too early: %q", got)
	}
	clk.advance(2 * time.Second)
	probe = p.Get()
	require.Equal(t, "a", probe.Host(), "not retried after the doubled delay: %s", probe.Host())
	probe.Mark(nil)
	if got := gets(p, 2); got[0] != "b" || got[1] != "a" {
		t.Fatalf("revived host not in rotation: %q", got)
	}
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
	if got := gets(p, 3); got[0] != "a" || got[1] != "b" || got[2] != "a" {
		t.Fatalf("got %q", got)
	}
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
