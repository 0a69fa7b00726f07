package timermetrics

import (
	"bytes"
	"log"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	p99, p95, avg := Summarize(ds)
	require.Equal(t, 99*time.Millisecond, p99, "p99 %v p95 %v avg %v", p99, p95, avg)
	require.Equal(t, 95*time.Millisecond, p95, "p99 %v p95 %v avg %v", p99, p95, avg)
	require.Equal(t, 50500*time.Microsecond, avg, "p99 %v p95 %v avg %v", p99, p95, avg)
	require.Equal(t, 100*time.Millisecond, ds[0], "input was modified")
	a, b, c := Summarize(nil)
	require.EqualValues(t, 0, a, "empty input")
	require.EqualValues(t, 0, b, "empty input")
	require.EqualValues(t, 0, c, "empty input")
}

func TestLogsEveryN(t *testing.T) {
	var out bytes.Buffer
	m := New(log.New(&out, "", 0), 2, "[aggregate]:")
	require.Contains(t, out.String(), "WARNING", "no warning for a small window: %q", out.String())
	out.Reset()
	for _, d := range []time.Duration{time.Millisecond, 3 * time.Millisecond, 5 * time.Millisecond, 7 * time.Millisecond} {
		m.StatusDuration(d)
	}
	want := "[aggregate]: finished 2 - 99th: 3.00ms - 95th: 3.00ms - avg: 2.00ms\n" +
		"[aggregate]: finished 4 - 99th: 7.00ms - 95th: 7.00ms - avg: 6.00ms\n"
	require.Equal(t, want, out.String())
}

func TestDisabled(t *testing.T) {
	var out bytes.Buffer
	m := New(log.New(&out, "", 0), 0, "x")
	m.Status(time.Now())
	var nilMetrics *Metrics
	nilMetrics.Status(time.Now())
	require.EqualValues(t, 0, out.Len(), "logged %q", out.String())
}
