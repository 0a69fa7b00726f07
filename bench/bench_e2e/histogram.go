package main

import (
	"math/bits"
	"time"
)

// A histogram counts durations in log-linear buckets: exact below
// subBuckets nanoseconds, then subBuckets buckets per power of two, so a
// reported percentile is within 1/subBuckets (under 1 %) of the true value.
// The zero value is empty and ready to use; it is not safe for concurrent
// use: give each goroutine its own and merge them.
type histogram struct {
	counts [numBuckets]uint64
	n      uint64
	max    time.Duration
}

const (
	subBits    = 7
	subBuckets = 1 << subBits
	numBuckets = (64 - subBits) * subBuckets
)

// bucket returns the index of the bucket holding v (v >= 0).
func bucket(v int64) int {
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - subBits - 1
	return (shift+1)*subBuckets + int(v>>shift) - subBuckets
}

// bucketValue returns the middle of bucket i's range of values.
func bucketValue(i int) int64 {
	if i < subBuckets {
		return int64(i)
	}
	shift := i/subBuckets - 1
	low := int64(i%subBuckets+subBuckets) << shift
	return low + (int64(1)<<shift)/2
}

// record adds one duration; negative ones count as zero.
func (h *histogram) record(d time.Duration) {
	d = max(d, 0)
	h.counts[bucket(int64(d))]++
	h.n++
	h.max = max(h.max, d)
}

// merge adds o's counts to h.
func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// count is the number of recorded durations.
func (h *histogram) count() uint64 { return h.n }

// percentile returns the duration at or below which a fraction q (0 < q
// <= 1) of the recorded ones lie, never more than the maximum recorded;
// zero if nothing was recorded.
func (h *histogram) percentile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q * float64(h.n))
	if float64(rank) < q*float64(h.n) || rank == 0 {
		rank++
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(bucketValue(i)), h.max)
		}
	}
	return h.max
}
