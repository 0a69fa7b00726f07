package timermetrics

import (
	"bytes"
	"log"
	"strings"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	p99, p95, avg := Summarize(ds)
	if p99 != 99*time.Millisecond || p95 != 95*time.Millisecond || avg != 50500*time.Microsecond {
		t.Fatalf("p99 %v p95 %v avg %v", p99, p95, avg)
	}
	if ds[0] != 100*time.Millisecond {
		t.Fatal("input was modified")
	}
	if a, b, c := Summarize(nil); a != 0 || b != 0 || c != 0 {
		t.Fatal("empty input")
	}
}

func TestLogsEveryN(t *testing.T) {
	var out bytes.Buffer
	m := New(log.New(&out, "", 0), 2, "[aggregate]:")
	if !strings.Contains(out.String(), "WARNING") {
		t.Fatalf("no warning for a small window: %q", out.String())
	}
	out.Reset()
	for _, d := range []time.Duration{time.Millisecond, 3 * time.Millisecond, 5 * time.Millisecond, 7 * time.Millisecond} {
		m.StatusDuration(d)
	}
	want := "[aggregate]: finished 2 - 99th: 3.00ms - 95th: 3.00ms - avg: 2.00ms\n" +
		"[aggregate]: finished 4 - 99th: 7.00ms - 95th: 7.00ms - avg: 6.00ms\n"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

func TestDisabled(t *testing.T) {
	var out bytes.Buffer
	m := New(log.New(&out, "", 0), 0, "x")
	m.Status(time.Now())
	var nilMetrics *Metrics
	nilMetrics.Status(time.Now())
	if out.Len() != 0 {
		t.Fatalf("logged %q", out.String())
	}
}
