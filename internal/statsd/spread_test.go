package statsd

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type recordingWriter struct{ writes []string }

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func packets(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func TestSpreadDuration(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		time.Minute: 59 * time.Second, 3 * time.Second: 2 * time.Second,
		time.Second: 0, 500 * time.Millisecond: 0, 0: 0, -time.Second: 0,
	} {
		assert.Equal(t, want, SpreadDuration(in), "SpreadDuration(%v)", in)
	}
}

func TestSpreadSpacing(t *testing.T) {
	var w recordingWriter
	var waits []time.Duration
	wait := func(d time.Duration, _ <-chan struct{}) bool {
		waits = append(waits, d)
		return false
	}
	err := spread(&w, packets("a", "b", "c", "d"), SpreadDuration(3*time.Second), nil, wait)
	require.NoError(t, err)
	want := []time.Duration{500 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond}
	require.Equal(t, []string{"a", "b", "c", "d"}, w.writes, "writes %q waits %v", w.writes, waits)
	require.Equal(t, want, waits, "writes %q waits %v", w.writes, waits)
}

func TestSpreadNoWait(t *testing.T) {
	never := func(time.Duration, <-chan struct{}) bool { require.FailNow(t, "waited"); return false }
	for _, over := range []time.Duration{0, -time.Second} {
		var w recordingWriter
		require.NoError(t, spread(&w, packets("a", "b"), over, nil, never), "over %v: writes %q err", over, w.writes)
		require.Len(t, w.writes, 2, "over %v: writes %q err", over, w.writes)
	}
	var w recordingWriter
	require.Nil(t, spread(&w, nil, time.Minute, nil, never), "empty spread wrote")
	require.Empty(t, w.writes, "empty spread wrote")
	require.Nil(t, spread(&w, packets("only"), time.Minute, nil, never), "single packet waited or was lost")
	require.Len(t, w.writes, 1, "single packet waited or was lost")
}

func TestSpreadStopSendsRestAtOnce(t *testing.T) {
	stop := make(chan struct{})
	close(stop)
	var w recordingWriter
	done := make(chan error)
	go func() { done <- Spread(&w, packets("a", "b", "c"), time.Hour, stop) }()
	select {
	case err := <-done:
		require.NoError(t, err, "writes %q err %v", w.writes, err)
		require.Len(t, w.writes, 3, "writes %q err %v", w.writes, err)
	case <-time.After(10 * time.Second):
		require.FailNow(t, "Spread waited despite stop")
	}
}

func TestSpreadRealTimer(t *testing.T) {
	var w recordingWriter
	start := time.Now()
	require.NoError(t, Spread(&w, packets("a", "b", "c"), 60*time.Millisecond, nil))
	require.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond, "3 packets over 60ms took")
	require.Len(t, w.writes, 3, "3 packets over 60ms took")
}

func TestSpreadKeepsSendingAfterError(t *testing.T) {
	fw := &failWriter{}
	require.Error(t, Spread(fw, packets("a", "b", "c"), 0, nil), "err")
	require.EqualValues(t, 3, fw.n, "err")
}
