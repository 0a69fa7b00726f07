package statsd

import (
	"io"
	"time"
)

// SpreadDuration is the time a push's datagrams are spread over: the push
// interval less one second, or zero (send at once) for intervals of one
// second or less.
func SpreadDuration(interval time.Duration) time.Duration {
	return max(interval-time.Second, 0)
}

// Spread writes each packet to w (one Write, so one datagram on a UDP
// connection), the first at once and the rest evenly spaced so that n
// packets take over*(n-1)/n. When stop is closed the remaining packets are
// sent without waiting. Every packet is attempted; the first write error is
// returned.
func Spread(w io.Writer, packets [][]byte, over time.Duration, stop <-chan struct{}) error {
	return spread(w, packets, over, stop, sleep)
}

// waitFunc waits for d unless stop closes first; it reports whether stop
// closed.
type waitFunc func(d time.Duration, stop <-chan struct{}) (stopped bool)

func sleep(d time.Duration, stop <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return false
	case <-stop:
		return true
	}
}

func spread(w io.Writer, packets [][]byte, over time.Duration, stop <-chan struct{}, wait waitFunc) error {
	var gap time.Duration
	if len(packets) > 0 && over > 0 {
		gap = over / time.Duration(len(packets))
	}
	var firstErr error
	for i, pkt := range packets {
		if i > 0 && gap > 0 && wait(gap, stop) {
			gap = 0
		}
		if _, err := w.Write(pkt); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}
