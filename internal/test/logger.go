package test

import (
	"strings"
	"sync"
	"testing"
)

// Logger writes a daemon's log lines to t.Log. It satisfies lg.Logger and the
// logger interface of go-nsq. Lines logged once the test's cleanup has begun
// are dropped, because testing panics on a Log call after the test completed.
type Logger struct {
	tb   testing.TB
	mu   sync.RWMutex
	done bool
}

// NewLogger returns a Logger bound to t. Create it before anything that logs
// to it registers its own cleanup, so that it stops last.
func NewLogger(t testing.TB) *Logger {
	l := &Logger{tb: t}
	t.Cleanup(func() {
		l.mu.Lock()
		l.done = true
		l.mu.Unlock()
	})
	return l
}

// Output implements lg.Logger.
func (l *Logger) Output(_ int, s string) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if !l.done {
		l.tb.Log(strings.TrimSuffix(s, "\n"))
	}
	return nil
}

// Write implements io.Writer, so a program's stderr can go to t.Log: each
// call is logged as one entry.
func (l *Logger) Write(p []byte) (int, error) {
	_ = l.Output(2, string(p))
	return len(p), nil
}
