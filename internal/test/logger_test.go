package test

import (
	"testing"

	"github.com/nsqgo/nsq/internal/lg"
)

var _ lg.Logger = (*Logger)(nil)

func TestLoggerWritesToTest(t *testing.T) {
	f := &fakeTB{}
	l := NewLogger(f)
	if err := l.Output(2, "[nsqd] INFO: hello\n"); err != nil {
		t.Fatal(err)
	}
	if len(f.msgs) != 1 || f.msgs[0] != "[nsqd] INFO: hello" {
		t.Fatalf("logged %q", f.msgs)
	}
	for _, c := range f.cleanups {
		c()
	}
	if err := l.Output(2, "late"); err != nil {
		t.Fatal(err)
	}
	if len(f.msgs) != 1 {
		t.Fatalf("logged after cleanup: %q", f.msgs)
	}
}

func TestLoggerAfterTestEnds(t *testing.T) {
	var l *Logger
	t.Run("inner", func(t *testing.T) {
		l = NewLogger(t)
		lg.Logf(l, lg.DEBUG, lg.INFO, "inside %d", 1)
	})
	// Would panic ("Log in goroutine after ... has completed") without the
	// cleanup guard.
	lg.Logf(l, lg.DEBUG, lg.INFO, "after")
}
