package quantile

import (
	"math/rand/v2"
	"testing"
	"time"
)

var benchPercentiles = []float64{0.5, 0.95, 0.99, 1}

// BenchmarkInsert is the cost added to every FIN when e2e latency is on.
func BenchmarkInsert(b *testing.B) {
	q := New(10*time.Minute, benchPercentiles)
	start := time.Now().UnixNano()
	b.ReportAllocs()
	for b.Loop() {
		q.Insert(start)
	}
}

// BenchmarkInsertParallel has every goroutine FIN on the same channel.
func BenchmarkInsertParallel(b *testing.B) {
	q := New(10*time.Minute, benchPercentiles)
	start := time.Now().UnixNano()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			q.Insert(start)
		}
	})
}

// BenchmarkSketchInsert is the histogram alone, over a wide spread of values.
func BenchmarkSketchInsert(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	values := make([]int64, 4096)
	for i := range values {
		values[i] = rng.Int64N(1e10)
	}
	s := &sketch{}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.insert(values[i&4095])
		i++
	}
}

func loaded(b *testing.B) *Quantile {
	q := New(10*time.Minute, benchPercentiles)
	rng := rand.New(rand.NewPCG(2, 2))
	now := time.Now().UnixNano()
	for range 100000 {
		q.Insert(now - rng.Int64N(1e10))
	}
	return q
}

// BenchmarkResult is one channel's part of a /stats or statsd pass.
func BenchmarkResult(b *testing.B) {
	q := loaded(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = q.Result()
	}
}

// BenchmarkMergeResults builds a topic's result from ten channels'.
func BenchmarkMergeResults(b *testing.B) {
	results := make([]*Result, 10)
	for i := range results {
		results[i] = loaded(b).Result()
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = MergeResults(results...)
	}
}
