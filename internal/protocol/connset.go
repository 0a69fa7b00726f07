package protocol

import (
	"net"
	"sync"
)

// ConnSet tracks a server's open connections so that it can close them
// all when it exits; once CloseAll has run it refuses new ones. The zero
// value is ready to use.
type ConnSet struct {
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// Track adds c; it returns false, leaving c to the caller to close, once
// CloseAll has run.
func (s *ConnSet) Track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[net.Conn]struct{})
	}
	s.conns[c] = struct{}{}
	return true
}

// Untrack removes c.
func (s *ConnSet) Untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// CloseAll closes every tracked connection and refuses new ones.
func (s *ConnSet) CloseAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
}
