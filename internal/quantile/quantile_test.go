package quantile

import (
	"encoding/json"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time            { return c.t }
func (c *fakeClock) advance(d time.Duration)   { c.t = c.t.Add(d) }
func (c *fakeClock) ago(d time.Duration) int64 { return c.t.Add(-d).UnixNano() }

func newFake(window time.Duration, percentiles ...float64) (*Quantile, *fakeClock) {
	c := &fakeClock{t: time.Unix(1700000000, 0)}
	return newWithClock(window, percentiles, c.now), c
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestResultJSON(t *testing.T) {
	q, c := newFake(10*time.Minute, 0.99, 1, 0.5)
	q.Insert(c.ago(11454135493))
	want := `{"count":1,"percentiles":[{"quantile":0.99,"value":11454135493},` +
		`{"quantile":1,"value":11454135493},{"quantile":0.5,"value":11454135493}]}`
	require.Equal(t, want, jsonOf(t, q.Result()))
}

func TestEmptyResults(t *testing.T) {
	var nilQ *Quantile
	nilQ.Insert(5)
	nilQ.Merge(New(time.Minute, []float64{0.5}))
	cases := map[string]*Result{
		"nil quantile":     nilQ.Result(),
		"no percentiles":   New(time.Minute, nil).Result(),
		"merge of nothing": MergeResults(),
		"merge of nil":     MergeResults(nil, nilQ.Result()),
		"zero value":       {},
	}
	for name, r := range cases {
		assert.Equal(t, `{"count":0,"percentiles":null}`, jsonOf(t, r), "%s", name)
	}
	q := New(time.Minute, []float64{0.5, 0.99})
	assert.Equal(t, `{"count":0,"percentiles":[{"quantile":0.5,"value":0},{"quantile":0.99,"value":0}]}`, jsonOf(t, q.Result()), "configured but empty")
}

func TestInsertMeasuresLatency(t *testing.T) {
	q, c := newFake(time.Minute, 0.5)
	for i := range 100 {
		q.Insert(c.ago(time.Duration(i+1) * time.Millisecond))
	}
	r := q.Result()
	require.EqualValues(t, 100, r.Count, "result %+v", r)
	require.LessOrEqual(t, math.Abs(r.Percentiles[0].Value-50e6)/50e6, maxRelErr, "result %+v", r)
	q.Insert(c.t.Add(time.Second).UnixNano()) // timestamp in the future
	require.EqualValues(t, 101, q.Result().Count, "count")
}

func TestWindowRotation(t *testing.T) {
	const window = 10 * time.Second
	q, c := newFake(window, 1)
	count := func() int { return q.Result().Count }

	q.Insert(c.ago(1))
	c.advance(window / 2) // exactly on the boundary: no move yet
	q.Insert(c.ago(2))
	require.EqualValues(t, 2, count(), "same half-window: count")
	c.advance(1) // first move: samples so far are now in the older window
	q.Insert(c.ago(3))
	require.EqualValues(t, 3, count(), "after one move: count")
	c.advance(window / 2) // second move drops the first two samples
	r := q.Result()
	require.EqualValues(t, 1, r.Count, "after two moves: only the sample of 3ns")
	require.EqualValues(t, 3, r.Percentiles[0].Value, "after two moves: only the sample of 3ns")
	c.advance(window / 2) // third move drops the rest, without any insert
	require.EqualValues(t, 0, count(), "after three moves: count")
	q.Insert(c.ago(4))
	c.advance(100 * window) // long idle: both windows emptied at once
	require.EqualValues(t, 0, count(), "after idle: count")
	q.Insert(c.ago(5))
	r = q.Result()
	require.EqualValues(t, 1, r.Count, "after idle insert")
	require.EqualValues(t, 5, r.Percentiles[0].Value, "after idle insert")
}

func TestWindowBoundariesStayAligned(t *testing.T) {
	q, c := newFake(10*time.Second, 1)
	start := c.t
	c.advance(27 * time.Second) // 5 half-windows and 2s
	q.Insert(c.ago(1))
	require.WithinDuration(t, start.Add(25*time.Second), q.lastMove, 0, "lastMove")
	c.advance(3*time.Second + 1) // crosses 30s
	q.Insert(c.ago(1))
	require.EqualValues(t, 2, q.Result().Count, "sample from previous half-window lost")
}

func TestZeroWindowNeverRotates(t *testing.T) {
	q, c := newFake(0, 0.5)
	q.Insert(c.ago(7))
	c.advance(1000 * time.Hour)
	q.Insert(c.ago(7))
	require.EqualValues(t, 2, q.Result().Count, "count")
}

func TestQuantileMerge(t *testing.T) {
	topic, c := newFake(time.Minute, 0.5, 1)
	ch1 := newWithClock(time.Minute, []float64{0.5, 1}, c.now)
	ch2 := newWithClock(time.Minute, []float64{0.5, 1}, c.now)
	for i := range 300 {
		ch1.Insert(c.ago(time.Duration(i) * time.Microsecond))
	}
	for range 100 {
		ch2.Insert(c.ago(time.Second))
	}
	topic.Merge(ch1)
	topic.Merge(ch2)
	topic.Merge(nil)
	r := topic.Result()
	require.EqualValues(t, 400, r.Count, "merged %+v", r)
	require.EqualValues(t, 1e9, r.Percentiles[1].Value, "merged %+v", r)
	// rank 200 of 400 is the 200th smallest: 199us
	require.LessOrEqual(t, math.Abs(r.Percentiles[0].Value-199e3)/199e3, maxRelErr, "merged p50")
	require.EqualValues(t, 300, ch1.Result().Count, "merge modified its source")
	require.EqualValues(t, 100, ch2.Result().Count, "merge modified its source")
	self, _ := newFake(time.Minute, 1)
	self.Insert(1)
	self.Merge(self) // must not deadlock
	require.EqualValues(t, 2, self.Result().Count, "self merge")
}

func TestMergeResults(t *testing.T) {
	_, c := newFake(time.Minute)
	a := newWithClock(time.Minute, []float64{0.99, 0.5}, c.now)
	b := newWithClock(time.Minute, []float64{0.99, 0.5}, c.now)
	for i := range 99 {
		a.Insert(c.ago(time.Duration(i + 1)))
	}
	b.Insert(c.ago(1000))
	ra, rb := a.Result(), b.Result()
	m := MergeResults(nil, ra, rb)
	want := `{"count":100,"percentiles":[{"quantile":0.99,"value":99},{"quantile":0.5,"value":50}]}`
	require.Equal(t, want, jsonOf(t, m))
	require.EqualValues(t, 99, ra.Count, "inputs modified or merge not repeatable")
	require.EqualValues(t, 1, rb.Count, "inputs modified or merge not repeatable")
	require.Equal(t, want, jsonOf(t, MergeResults(m)), "inputs modified or merge not repeatable")
	require.Equal(t, `{"count":1,"percentiles":[{"quantile":0.99,"value":1000},{"quantile":0.5,"value":1000}]}`, jsonOf(t, MergeResults(&Result{}, rb)), "empty first")
}

func TestConcurrentUse(t *testing.T) {
	topic := New(time.Minute, []float64{0.5, 0.99})
	chans := []*Quantile{New(time.Minute, []float64{0.5}), New(time.Minute, []float64{0.5})}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 2000 {
				chans[i%2].Insert(time.Now().UnixNano() - 1000)
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			topic.Merge(chans[0])
			chans[1].Merge(chans[0])
			chans[0].Merge(chans[1])
			_ = MergeResults(chans[0].Result(), chans[1].Result())
		}
	})
	wg.Wait()
	// The merges above may all run before any insert; one more after the
	// inserts have finished must carry samples.
	topic.Merge(chans[0])
	require.NotEqualValues(t, 0, topic.Result().Count, "nothing merged")
}
