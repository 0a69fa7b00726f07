package nsqd

import (
	"net"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
)

const (
	fastBufSize   = 8 << 10  // initial read buffer (net/http keeps 4 KiB to read, 4 KiB to write)
	fastBufKeep   = 64 << 10 // a read buffer grown for a body is kept up to this size
	fastHeadMax   = 4 << 10  // a longer request head is handed over
	fastFlushSize = 32 << 10 // answers held back for pipelined requests
)

// fastConn is one connection on the fast path. The request being read
// stays in buf until it is answered, so that it can be handed over whole.
type fastConn struct {
	l    *fastListener
	c    net.Conn
	buf  []byte // unread bytes are buf[r:w]
	r, w int
	out  []byte // answers not yet written

	lastPOST bool      // net/http skips up to 4 CR/LF after a POST
	deadline time.Time // the read deadline in force
	whole    time.Time // the current request's whole-request deadline

	dateSec int64
	date    []byte
	remote  string
}

func newFastConn(l *fastListener, c net.Conn) *fastConn {
	fc := &fastConn{l: l, c: c, buf: make([]byte, fastBufSize)}
	if ra := c.RemoteAddr(); ra != nil {
		fc.remote = ra.String()
	}
	return fc
}

// run serves requests until the connection ends (nil) or has to be
// handed over (the connection to give to net/http).
func (fc *fastConn) run() net.Conn {
	fc.beginRequest(true)
	for {
		var req fastReq
		switch fc.readHead(&req) {
		case headClosed:
			return nil
		case headHandOver:
			return fc.handOver()
		}
		if !fc.serve(&req) {
			return fc.handOver()
		}
		if len(fc.out) >= fastFlushSize && !fc.flush() {
			return nil
		}
		if !fc.awaitNext() {
			return nil
		}
	}
}

// beginRequest starts the header timeout, as net/http does when a
// connection opens and when the next request's first bytes arrive.
func (fc *fastConn) beginRequest(first bool) {
	t := fc.l.timeouts
	now := time.Now()
	hdr := t.Header
	if hdr <= 0 {
		hdr = t.Read
	}
	fc.deadline, fc.whole = time.Time{}, time.Time{}
	if hdr > 0 {
		fc.deadline = now.Add(hdr)
		fc.c.SetReadDeadline(fc.deadline)
	} else if !first {
		fc.c.SetReadDeadline(time.Time{})
	}
	if t.Read > 0 {
		fc.whole = now.Add(t.Read)
	}
}

// headRead switches to the whole-request timeout.
func (fc *fastConn) headRead() {
	fc.deadline = fc.whole
	fc.c.SetReadDeadline(fc.whole)
}

// awaitNext waits, under the idle timeout, for the first four bytes of
// the next request (fewer and the connection ends, as in net/http).
func (fc *fastConn) awaitNext() bool {
	if fc.w-fc.r < 4 {
		// as in net/http, no idle timeout means the read timeout
		idle, d := time.Time{}, fc.l.timeouts.Idle
		if d <= 0 {
			d = fc.l.timeouts.Read
		}
		if d > 0 {
			idle = time.Now().Add(d)
		}
		fc.c.SetReadDeadline(idle)
		for fc.w-fc.r < 4 {
			if !fc.fill() {
				return false
			}
		}
	}
	fc.beginRequest(false)
	if fc.lastPOST {
		n := 0
		for n < 4 && (fc.buf[fc.r+n] == '\r' || fc.buf[fc.r+n] == '\n') {
			n++
		}
		fc.r += n
	}
	return true
}

type headStatus int

const (
	headOK headStatus = iota
	headHandOver
	headClosed
)

// readHead reads until the request head is complete and fast, or shows
// it is not.
func (fc *fastConn) readHead(req *fastReq) headStatus {
	for {
		switch parseHead(fc.buf[fc.r:fc.w], req) {
		case parseDone:
			if req.headLen > fastHeadMax {
				return headHandOver
			}
			fc.headRead()
			return headOK
		case parseNotFast:
			return headHandOver
		}
		if fc.w-fc.r >= fastHeadMax {
			return headHandOver
		}
		if !fc.fill() {
			if fc.w > fc.r {
				return headHandOver
			}
			return headClosed
		}
	}
}

// fill writes out pending answers, then reads more bytes; false on a
// read or write error.
func (fc *fastConn) fill() bool {
	if !fc.flush() {
		return false
	}
	if fc.r == fc.w {
		fc.r, fc.w = 0, 0
		if len(fc.buf) > fastBufKeep {
			fc.buf = make([]byte, fastBufSize)
		}
	} else if fc.w == len(fc.buf) {
		fc.w = copy(fc.buf, fc.buf[fc.r:fc.w])
		fc.r = 0
	}
	n, err := fc.c.Read(fc.buf[fc.w:])
	fc.w += n
	return n > 0 || err == nil
}

// readBody makes the whole body of n bytes, after the head of headLen,
// available in buf; false if the connection failed first.
func (fc *fastConn) readBody(headLen, n int) bool {
	need := headLen + n
	if need > len(fc.buf) {
		nb := make([]byte, need)
		fc.w = copy(nb, fc.buf[fc.r:fc.w])
		fc.r, fc.buf = 0, nb
	} else if need > len(fc.buf)-fc.r {
		fc.w = copy(fc.buf, fc.buf[fc.r:fc.w])
		fc.r = 0
	}
	for fc.w-fc.r < need {
		if !fc.fill() {
			return false
		}
	}
	return true
}

func (fc *fastConn) flush() bool {
	if len(fc.out) == 0 {
		return true
	}
	_, err := fc.c.Write(fc.out)
	fc.out = fc.out[:0]
	return err == nil
}

// handOver gives the connection, with the unanswered bytes, to net/http.
func (fc *fastConn) handOver() net.Conn {
	if !fc.flush() {
		return nil
	}
	h := &handedConn{Conn: fc.c, buf: fc.buf[fc.r:fc.w]}
	h.limit = [2]time.Time{fc.deadline, fc.whole}
	return h
}

// dateNow is the Date header value net/http would write now.
func (fc *fastConn) dateNow() []byte {
	now := time.Now()
	if s := now.Unix(); s != fc.dateSec || fc.date == nil {
		fc.date = now.UTC().AppendFormat(fc.date[:0], "Mon, 02 Jan 2006 15:04:05 GMT")
		fc.dateSec = s
	}
	return fc.date
}

// debugStart is when a request's handling starts if it is to be logged
// (the HTTP log decorator's debug line), zero otherwise.
func (fc *fastConn) debugStart() time.Time {
	if fc.l.s.nsqd.getOpts().LogLevel <= lg.DEBUG {
		return time.Now()
	}
	return time.Time{}
}

// answered counts a request answered and logs it as the HTTP log
// decorator does.
func (fc *fastConn) answered(req *fastReq, start time.Time) {
	fc.l.served.Add(1)
	if !start.IsZero() {
		fc.l.s.nsqd.logf(lg.DEBUG, "%s %s (%s) %s", req.method(), req.target, fc.remote, time.Since(start))
	}
}
