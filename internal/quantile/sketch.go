package quantile

import (
	"math"
	"math/bits"
)

// Buckets are log-linear: values below 128 have a bucket each; above that,
// every power-of-two range [2^e, 2^(e+1)) is cut into 64 equal buckets. The
// index of v is shift*64 + v>>shift with shift = max(0, bitlen(v)-7), so a
// bucket is never wider than 1/64 of its lower bound and its midpoint is
// within 1/128 (0.79%) of every value in it.
const (
	subBits    = 6
	subCount   = 1 << subBits
	maxBuckets = (63-subBits-1)<<subBits + 2*subCount // buckets of 0..MaxInt64 (3712)
)

func bucketOf(v uint64) int {
	shift := max(bits.Len64(v)-(subBits+1), 0)
	return shift<<subBits + int(v>>shift)
}

// bucketMid is the value reported for bucket b: the middle of its range.
func bucketMid(b int) int64 {
	if b < 2*subCount {
		return int64(b)
	}
	shift := b>>subBits - 1
	lower := int64(b-shift<<subBits) << shift
	return lower + (int64(1)<<shift-1)/2
}

// sketch is a histogram over the buckets above. Counts are stored densely
// for the range of buckets seen so far (grown a 64-bucket octave at a
// time), so memory is bounded by maxBuckets counters and usually far less.
// Ranks are exact; only values are approximated.
type sketch struct {
	counts   []uint64 // counts[i] is the count of bucket lo+i
	lo       int
	n        uint64
	min, max int64
}

func (s *sketch) insert(v int64) {
	v = max(v, 0)
	b := bucketOf(uint64(v))
	if b < s.lo || b >= s.lo+len(s.counts) {
		s.grow(b, b)
	}
	s.counts[b-s.lo]++
	if s.n == 0 || v < s.min {
		s.min = v
	}
	if s.n == 0 || v > s.max {
		s.max = v
	}
	s.n++
}

// grow widens the stored range to include buckets first..last.
func (s *sketch) grow(first, last int) {
	lo := first &^ (subCount - 1)
	hi := (last | (subCount - 1)) + 1
	if len(s.counts) == 0 {
		s.counts, s.lo = make([]uint64, hi-lo), lo
		return
	}
	lo, hi = min(lo, s.lo), max(hi, s.lo+len(s.counts))
	counts := make([]uint64, hi-lo)
	copy(counts[s.lo-lo:], s.counts)
	s.counts, s.lo = counts, lo
}

// reset empties the sketch and keeps its storage.
func (s *sketch) reset() {
	clear(s.counts)
	s.n, s.min, s.max = 0, 0, 0
}

func (s *sketch) merge(o *sketch) {
	if o == nil || o.n == 0 {
		return
	}
	first, last := o.usedRange()
	if first < s.lo || last >= s.lo+len(s.counts) {
		s.grow(first, last)
	}
	for b := first; b <= last; b++ {
		s.counts[b-s.lo] += o.counts[b-o.lo]
	}
	if s.n == 0 || o.min < s.min {
		s.min = o.min
	}
	if s.n == 0 || o.max > s.max {
		s.max = o.max
	}
	s.n += o.n
}

// usedRange returns the buckets holding the smallest and largest values.
func (s *sketch) usedRange() (first, last int) {
	return bucketOf(uint64(s.min)), bucketOf(uint64(s.max))
}

// query returns the value of rank ceil(q*n) (1-based), to within 1/128 of
// the true sample at that rank; the extremes are exact.
func (s *sketch) query(q float64) float64 {
	if s.n == 0 {
		return 0
	}
	rank := uint64(max(math.Ceil(q*float64(s.n)-1e-9), 1))
	if rank >= s.n {
		return float64(s.max)
	}
	if rank == 1 {
		return float64(s.min)
	}
	var seen uint64
	for i, c := range s.counts {
		seen += c
		if seen >= rank {
			return float64(min(max(bucketMid(s.lo+i), s.min), s.max))
		}
	}
	return float64(s.max)
}
