package quantile

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const maxRelErr = 1.0 / 128

func TestBucketBounds(t *testing.T) {
	values := []uint64{0, 1, 63, 64, 127, 128, 129, 255, 256, 1000, 1 << 40, 1<<40 - 1, math.MaxInt64}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		values = append(values, rng.Uint64()>>rng.IntN(64))
	}
	for _, v := range values {
		v = min(v, math.MaxInt64)
		b := bucketOf(v)
		require.GreaterOrEqual(t, b, 0, "bucketOf(%d) = %d outside [0,%d)", v, b, maxBuckets)
		require.Less(t, b, maxBuckets, "bucketOf(%d) = %d outside [0,%d)", v, b, maxBuckets)
		mid := float64(bucketMid(b))
		require.LessOrEqual(t, math.Abs(mid-float64(v))/max(float64(v), 1), maxRelErr, "value %d bucket %d mid %v: relative error", v, b, mid)
		if v < 128 {
			require.Equal(t, float64(v), mid, "small value %d not exact", v)
		}
		if v > 0 {
			require.LessOrEqual(t, bucketOf(v-1), b, "bucketOf not monotonic at %d", v)
		}
	}
	require.Equal(t, maxBuckets-1, bucketOf(math.MaxInt64), "last bucket %d", bucketOf(math.MaxInt64))
}

// exact returns the sample of rank ceil(q*n) of sorted.
func exact(sorted []int64, q float64) float64 {
	rank := int(math.Ceil(q*float64(len(sorted)) - 1e-9))
	return float64(sorted[min(max(rank, 1), len(sorted))-1])
}

func checkAccuracy(t *testing.T, name string, samples []int64) {
	t.Helper()
	s := &sketch{}
	for _, v := range samples {
		s.insert(v)
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	for _, q := range []float64{0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1} {
		got, want := s.query(q), exact(sorted, q)
		assert.LessOrEqual(t, math.Abs(got-want)/max(want, 1), maxRelErr, "%s q=%v", name, q)
	}
	assert.Equal(t, float64(sorted[len(sorted)-1]), s.query(1), "%s: max not exact", name)
	assert.LessOrEqual(t, len(s.counts), maxBuckets, "%s: %d counters > bound %d", name, len(s.counts), maxBuckets)
}

func TestSketchAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 200000
	gen := map[string]func() int64{
		"uniform 0-1e6":        func() int64 { return rng.Int64N(1e6) },
		"uniform 0-100":        func() int64 { return rng.Int64N(100) },
		"exponential 5ms":      func() int64 { return int64(rng.ExpFloat64() * 5e6) },
		"lognormal":            func() int64 { return int64(math.Exp(rng.NormFloat64()*2 + 15)) },
		"bimodal us/s":         func() int64 { return []int64{2e3, 3e9}[rng.IntN(2)] + rng.Int64N(1e3) },
		"full int64 range":     func() int64 { return rng.Int64N(math.MaxInt64) >> rng.IntN(63) },
		"constant 11454135493": func() int64 { return 11454135493 },
	}
	for name, g := range gen {
		samples := make([]int64, n)
		for i := range samples {
			samples[i] = g()
		}
		checkAccuracy(t, name, samples)
	}
}

func TestSketchSmallCounts(t *testing.T) {
	s := &sketch{}
	require.EqualValues(t, 0, s.query(0.5), "empty sketch not 0")
	s.insert(11454135493)
	for _, q := range []float64{0.01, 0.5, 0.99, 1} {
		require.EqualValues(t, 11454135493, s.query(q), "single sample q=%v", q)
	}
	s.insert(-5) // clock skew counts as 0
	require.EqualValues(t, 0, s.query(0.5), "two samples: p50=%v p100=%v n=%d", s.query(0.5), s.query(1), s.n)
	require.EqualValues(t, 11454135493, s.query(1), "two samples: p50=%v p100=%v n=%d", s.query(0.5), s.query(1), s.n)
	require.EqualValues(t, 2, s.n, "two samples: p50=%v p100=%v n=%d", s.query(0.5), s.query(1), s.n)
}

func TestSketchResetAndMerge(t *testing.T) {
	a, b := &sketch{}, &sketch{}
	var all []int64
	for i := range int64(5000) {
		a.insert(i * 1000)
		b.insert(1e9 + i*7)
		all = append(all, i*1000, 1e9+i*7)
	}
	a.merge(b)
	a.merge(&sketch{})
	a.merge(nil)
	slices.Sort(all)
	require.EqualValues(t, 10000, a.n, "merged n=%d min=%d max=%d", a.n, a.min, a.max)
	require.EqualValues(t, 0, a.min, "merged n=%d min=%d max=%d", a.n, a.min, a.max)
	require.EqualValues(t, 1e9+4999*7, a.max, "merged n=%d min=%d max=%d", a.n, a.min, a.max)
	for _, q := range []float64{0.1, 0.5, 0.51, 0.9, 1} {
		got, want := a.query(q), exact(all, q)
		assert.LessOrEqual(t, math.Abs(got-want)/max(want, 1), maxRelErr, "merged q=%v", q)
	}
	a.reset()
	require.EqualValues(t, 0, a.n, "reset sketch not empty")
	require.EqualValues(t, 0, a.query(0.5), "reset sketch not empty")
	a.insert(42)
	require.EqualValues(t, 42, a.query(0.5), "reused sketch wrong")
	require.EqualValues(t, 1, a.n, "reused sketch wrong")
}
