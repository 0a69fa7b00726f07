package nsqd

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pickRandom picks distinct indices in range, every index over many
// picks, and rebuilds its permutation when the channel count changes.
func TestPickRandom(t *testing.T) {
	var perm []int
	seen := make(map[int]bool)
	for range 200 {
		got := pickRandom(&perm, 50, 20)
		require.Len(t, got, 20)
		distinct := make(map[int]bool)
		for _, i := range got {
			require.True(t, i >= 0 && i < 50, "index %d out of range", i)
			distinct[i] = true
			seen[i] = true
		}
		assert.Len(t, distinct, 20, "indices repeat: %v", got)
	}
	assert.Len(t, seen, 50, "some channel is never picked")
	got := pickRandom(&perm, 3, 3)
	assert.ElementsMatch(t, []int{0, 1, 2}, got)
}

func BenchmarkPickRandom(b *testing.B) {
	b.ReportAllocs()
	var perm []int
	for b.Loop() {
		pickRandom(&perm, 2000, 20)
	}
}
