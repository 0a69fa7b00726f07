package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestThrottleDisabled(t *testing.T) {
	t.Parallel()
	for _, rate := range []int64{0, -1} {
		th := newThrottle(rate)
		require.Nil(t, th, "rate %d throttles", rate)
		require.True(t, th.wait(nil), "rate %d throttles", rate)
	}
}

// TestThrottleTokens drives the bucket with a fake start time instead of
// sleeping: it starts with one token and refills to at most rate.
func TestThrottleTokens(t *testing.T) {
	t.Parallel()
	th := newThrottle(100)
	require.True(t, th.wait(nil), "first token")
	require.Less(t, th.tokens, 1.0, "tokens %v after the first wait", th.tokens)
	th.last = time.Now().Add(-time.Hour)
	done := make(chan struct{})
	for range 100 {
		require.True(t, th.wait(done), "burst of rate tokens not available")
	}
	require.Less(t, th.tokens, 1.0, "bucket held more than rate tokens: %v left", th.tokens)
	close(done)
	th.last = time.Now().Add(time.Hour) // no token for a long time
	require.False(t, th.wait(done), "wait did not give up when done closed")
}
