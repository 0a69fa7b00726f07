package auth

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func benchState(b *testing.B) *State {
	s := &State{TTL: 60, Authorizations: tableAuthorizations()}
	require.NoError(b, s.prepare(time.Now()))
	return s
}

// BenchmarkIsAllowedPublish is the check every PUB/MPUB/DPUB makes.
func BenchmarkIsAllowedPublish(b *testing.B) {
	s := benchState(b)
	b.ReportAllocs()
	for b.Loop() {
		require.True(b, s.IsAllowed("pub_only", ""), "denied")
	}
}

// BenchmarkIsAllowedSubscribe walks several authorizations before a match.
func BenchmarkIsAllowedSubscribe(b *testing.B) {
	s := benchState(b)
	b.ReportAllocs()
	for b.Loop() {
		require.True(b, s.IsAllowed("multi", "bee"), "denied")
	}
}

func BenchmarkIsExpired(b *testing.B) {
	s := benchState(b)
	b.ReportAllocs()
	for b.Loop() {
		require.False(b, s.IsExpired(), "expired")
	}
}
