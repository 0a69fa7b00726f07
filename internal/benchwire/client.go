package benchwire

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
)

// DialTimeout bounds each connection attempt, as in the reference tools.
const DialTimeout = time.Second

// Open connects to addr and identifies with fields.
func Open(addr string, fields map[string]any) (*Conn, error) {
	conn, err := Dial(addr, DialTimeout)
	if err != nil {
		return nil, err
	}
	if err = conn.Identify(fields); err == nil {
		err = conn.ExpectOK()
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// Subscribe sends SUB topic channel and waits for OK.
func (c *Conn) Subscribe(topic, channel string) error {
	if err := c.Sub(topic, channel); err != nil {
		return err
	}
	return c.ExpectOK()
}

// OpenN calls open n times; if one fails it closes those already open.
func OpenN(n int, open func() (*Conn, error)) ([]*Conn, error) {
	conns := make([]*Conn, 0, n)
	for range n {
		conn, err := open()
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			return nil, err
		}
		conns = append(conns, conn)
	}
	return conns, nil
}

// Publish sends m and waits for nsqd's answer, one at a time, until end
// (at least once), and returns how many messages nsqd acknowledged. before,
// if not nil, runs before each send and may rewrite m's bodies or sleep.
func Publish(conn *Conn, m *MPUB, end time.Time, before func(*MPUB)) (int64, error) {
	var n int64
	for {
		if before != nil {
			before(m)
		}
		if err := conn.Write(m.Bytes()); err != nil {
			return n, err
		}
		if err := conn.ExpectOK(); err != nil {
			return n, fmt.Errorf("MPUB: %w", err)
		}
		n += int64(m.Len())
		if time.Now().After(end) {
			return n, nil
		}
	}
}

// Consume sends RDY rdy on a subscribed conn, then finishes every message
// until end, and returns how many it received. onBody, if not nil, sees
// each body (valid only during the call). FINs are flushed whenever no more
// data is waiting, so that a small RDY never stalls.
func Consume(conn *Conn, rdy int, end time.Time, onBody func([]byte)) (int64, error) {
	if err := conn.SetReadDeadline(end); err != nil {
		return 0, err
	}
	if err := conn.Rdy(rdy); err != nil {
		return 0, err
	}
	var n int64
	for {
		if conn.Buffered() == 0 {
			if err := conn.Flush(); err != nil {
				return n, err
			}
		}
		got, err := conn.handleFrame(onBody)
		if errors.Is(err, errTimeUp) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n += got
	}
}

// errTimeUp ends Consume when its read deadline passes.
var errTimeUp = errors.New("time up")

// handleFrame reads one frame and answers it: FIN a message (counted 1),
// NOP a heartbeat. An error frame is an error.
func (c *Conn) handleFrame(onBody func([]byte)) (int64, error) {
	ft, data, err := c.ReadFrame()
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return 0, errTimeUp
	}
	if err != nil {
		return 0, err
	}
	switch {
	case ft == protocol.FrameTypeMessage:
		id, body, err := ParseMessage(data)
		if err != nil {
			return 0, err
		}
		if onBody != nil {
			onBody(body)
		}
		return 1, c.Fin(id)
	case ft == protocol.FrameTypeError:
		return 0, fmt.Errorf("%w: %s", ErrFrame, data)
	case IsHeartbeat(ft, data):
		return 0, c.Nop()
	}
	return 0, nil
}

// Run runs work on every conn at once and closes each conn when its work
// returns. It returns the sum of the counts, the time from the start to the
// last return, and the errors joined.
func Run(conns []*Conn, work func(*Conn) (int64, error)) (int64, time.Duration, error) {
	var total atomic.Int64
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	start := time.Now()
	for i, conn := range conns {
		wg.Go(func() {
			defer conn.Close()
			n, err := work(conn)
			total.Add(n)
			errs[i] = err
		})
	}
	wg.Wait()
	return total.Load(), time.Since(start), errors.Join(errs...)
}
