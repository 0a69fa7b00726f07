package test

import (
	"testing"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/stretchr/testify/require"
)

var _ lg.Logger = (*Logger)(nil)

func TestLoggerWritesToTest(t *testing.T) {
	f := &fakeTB{}
	l := NewLogger(f)
	require.NoError(t, l.Output(2, "[nsqd] INFO: hello\n"))
	require.Len(t, f.msgs, 1, "logged")
	require.Equal(t, "[nsqd] INFO: hello", f.msgs[0], "logged")
	for _, c := range f.cleanups {
		c()
	}
	require.NoError(t, l.Output(2, "late"))
	require.Len(t, f.msgs, 1, "logged after cleanup")
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
