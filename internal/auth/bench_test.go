package auth

import (
	"testing"
	"time"
)

func benchState(b *testing.B) *State {
	s := &State{TTL: 60, Authorizations: tableAuthorizations()}
	if err := s.prepare(time.Now()); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkIsAllowedPublish is the check every PUB/MPUB/DPUB makes.
func BenchmarkIsAllowedPublish(b *testing.B) {
	s := benchState(b)
	b.ReportAllocs()
	for b.Loop() {
		if !s.IsAllowed("pub_only", "") {
			b.Fatal("denied")
		}
	}
}

// BenchmarkIsAllowedSubscribe walks several authorizations before a match.
func BenchmarkIsAllowedSubscribe(b *testing.B) {
	s := benchState(b)
	b.ReportAllocs()
	for b.Loop() {
		if !s.IsAllowed("multi", "bee") {
			b.Fatal("denied")
		}
	}
}

func BenchmarkIsExpired(b *testing.B) {
	s := benchState(b)
	b.ReportAllocs()
	for b.Loop() {
		if s.IsExpired() {
			b.Fatal("expired")
		}
	}
}
