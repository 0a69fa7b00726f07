package main

import (
	"flag"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStampRoundTrip(t *testing.T) {
	body := make([]byte, 200)
	now := time.Now()
	putStamp(body, now)
	got, ok := readStamp(body)
	require.True(t, ok, "readStamp = %d %v", got, ok)
	require.Equal(t, now.UnixNano(), got, "readStamp = %d %v", got, ok)
	_, ok = readStamp(make([]byte, 200))
	require.False(t, ok, "zero body has a stamp")
	_, ok = readStamp(body[:7])
	require.False(t, ok, "7-byte body has a stamp")
}

func TestBucketsAreContiguous(t *testing.T) {
	for _, v := range []int64{0, 1, 127, 128, 255, 256, 1000, 1 << 20, 1<<40 + 12345, 1<<63 - 1} {
		i := bucket(v)
		require.GreaterOrEqual(t, i, 0, "bucket(%d) = %d out of range", v, i)
		require.Less(t, i, numBuckets, "bucket(%d) = %d out of range", v, i)
		mid := bucketValue(i)
		require.Equal(t, i, bucket(mid), "bucketValue(%d) = %d lies in bucket %d", i, mid, bucket(mid))
		require.InDelta(t, 0, float64(mid-v)/float64(max(v, 1)), 1.0/subBuckets, "v %d: bucket middle %d", v, mid)
	}
	for v := int64(0); v < 4096; v++ {
		require.GreaterOrEqual(t, bucket(v+1), bucket(v), "buckets of %d and %d are not adjacent", v, v+1)
		require.LessOrEqual(t, bucket(v+1), bucket(v)+1, "buckets of %d and %d are not adjacent", v, v+1)
	}
}

func TestPercentileExactSmall(t *testing.T) {
	var h histogram
	require.EqualValues(t, 0, h.percentile(0.5), "empty histogram: percentile not 0")
	for v := 1; v <= 100; v++ {
		h.record(time.Duration(v))
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50}, {0.99, 99}, {0.999, 100}, {0.01, 1}, {1, 100}} {
		assert.Equal(t, c.want, h.percentile(c.q), "p%v", c.q*100)
	}
}

func TestPercentileWithinOnePercent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var a, b histogram
	var all []time.Duration
	for i := range 100000 {
		d := time.Duration(r.ExpFloat64() * float64(5*time.Millisecond))
		all = append(all, d)
		if i%2 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
	}
	a.merge(&b)
	slices.Sort(all)
	require.Equal(t, uint64(len(all)), a.count(), "merged count %d max %s", a.count(), a.max)
	require.Equal(t, all[len(all)-1], a.max, "merged count %d max %s", a.count(), a.max)
	for _, q := range []float64{0.5, 0.99, 0.999} {
		exact := all[int(q*float64(len(all)))-1]
		got := a.percentile(q)
		assert.InEpsilon(t, float64(exact), float64(got), 0.01, "p%v = %s, exact %s", q*100, got, exact)
	}
}

func TestRecordNegativeAsZero(t *testing.T) {
	var h histogram
	h.record(-time.Second)
	require.EqualValues(t, 1, h.count(), "count %d p50 %s", h.count(), h.percentile(0.5))
	require.EqualValues(t, 0, h.percentile(0.5), "count %d p50 %s", h.count(), h.percentile(0.5))
}

func TestLatencyLine(t *testing.T) {
	var h histogram
	h.record(1500 * time.Microsecond)
	got := latencyLine(&h, 7)
	want := "latency: p50 1.5ms - p99 1.5ms - p99.9 1.5ms - max 1.5ms (1 msgs, 7 left in queue)"
	require.Equal(t, want, got)
}

func TestPacer(t *testing.T) {
	start := time.Unix(1000, 0)
	// 2 writers, 1000 msgs/s in total, 100 a batch: one batch per 200ms each.
	p := newPacer(1000, 2, 100, start)
	steps := []struct {
		at   time.Duration
		want time.Duration
	}{
		{0, 0}, // first batch at start
		{10 * time.Millisecond, 190 * time.Millisecond}, // early: wait for 200ms
		{200 * time.Millisecond, 200 * time.Millisecond},
		{2 * time.Second, 0}, // far behind: restart from now, no burst
		{2010 * time.Millisecond, 190 * time.Millisecond},
	}
	for i, s := range steps {
		require.Equal(t, s.want, p.delay(start.Add(s.at)), "step %d at %s: delay", i, s.at)
	}
	require.EqualValues(t, 0, newPacer(0, 2, 100, start).delay(start), "unpaced delay")
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--size=7"}, "--size must be at least 8"},
		{[]string{"--batch-size=0"}, "--batch-size"},
		{[]string{"--rdy=0"}, "--rdy"},
		{[]string{"--writers=0"}, "--writers"},
		{[]string{"--readers=0"}, "--readers"},
		{[]string{"--rate=-1"}, "--rate"},
		{[]string{"--runfor=0s"}, "--runfor"},
	} {
		fs := flag.NewFlagSet("bench_e2e", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg := newConfig(fs)
		require.NoError(t, fs.Parse(c.args))
		err := cfg.validate()
		if c.want == "" {
			assert.NoError(t, err, "%v", c.args)
		} else {
			assert.ErrorContains(t, err, c.want, "%v", c.args)
		}
	}
}
