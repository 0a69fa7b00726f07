package benchwire

import (
	"fmt"
	"time"
)

// DeadlineLayout is the layout of the tools' --deadline flag, in UTC.
const DeadlineLayout = "2006-01-02 15:04:05"

// Result formats a run the way NSQ's benchmarks print it:
//
//	duration: 1.006256007s - 27.219mb/s - 142707.223ops/s - 7.007us/op
//
// MB/s counts msgs×size bytes in MiB; us/op divides the whole microseconds
// of d by msgs (+Inf when nothing moved, as in the reference).
func Result(d time.Duration, msgs int64, size int) string {
	secs := d.Seconds()
	return fmt.Sprintf("duration: %s - %.03fmb/s - %.03fops/s - %.03fus/op",
		d,
		float64(msgs*int64(size))/secs/1024/1024,
		float64(msgs)/secs,
		float64(d/time.Microsecond)/float64(msgs))
}

// ParseDeadline parses a --deadline value; the empty string is the zero time
// (no deadline).
func ParseDeadline(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(DeadlineLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid --deadline %q (want %q, UTC): %w", s, DeadlineLayout, err)
	}
	return t, nil
}

// SleepUntil waits for a --deadline to come, logging first as the reference
// does; a zero deadline returns at once.
func SleepUntil(deadline time.Time, logf func(string, ...any)) {
	if deadline.IsZero() {
		return
	}
	d := time.Until(deadline)
	logf("sleeping until %s (%s)", deadline, d)
	time.Sleep(d)
}
