package nsqd

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/protocol"
)

// The plain-HTTP listener serves the simplest, most frequent requests
// itself: a keep-alive HTTP/1.1 POST /pub or /mpub with a Content-Length
// body and a plain topic, and GET /ping. Anything else (another path or
// method, HTTP/1.0, chunked bodies, Expect, unknown headers, errors to
// report, oversized heads or bodies) is handed to the net/http server
// together with every byte read so far, so net/http sees the connection
// exactly as the client sent it and answers as it always has. Once handed
// over, a connection stays with net/http.

// fastListener wraps the HTTP listener given to http.Server.Serve: it
// accepts every connection itself, serves it on the fast path, and yields
// from Accept only the connections handed over.
type fastListener struct {
	net.Listener
	s        *httpServer
	timeouts httpapi.Timeouts
	handed   chan net.Conn
	errs     chan error
	done     chan struct{}

	closeOnce sync.Once
	conns     protocol.ConnSet // served on the fast path
	wg        sync.WaitGroup   // the accept loop and every fast connection

	served, handedOver atomic.Uint64 // requests answered, connections handed over
}

func newFastListener(ln net.Listener, s *httpServer, t httpapi.Timeouts) *fastListener {
	l := &fastListener{
		Listener: ln, s: s, timeouts: t,
		handed: make(chan net.Conn), errs: make(chan error), done: make(chan struct{}),
	}
	l.wg.Go(l.acceptLoop)
	return l
}

// Accept yields the next connection handed over, or the error of the
// underlying listener.
func (l *fastListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.handed:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting, closes every connection still on the fast path
// (as http.Server.Close does with its own) and waits for their loops.
func (l *fastListener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.done)
		err = l.Listener.Close()
		l.conns.CloseAll()
		l.wg.Wait()
	})
	return err
}

// acceptLoop runs until the listener is closed. Accept errors go to
// Accept one by one, so http.Server's back-off on temporary errors also
// paces this loop.
func (l *fastListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			select {
			case l.errs <- err:
			case <-l.done:
				return
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if !l.conns.Track(c) {
			c.Close()
			continue
		}
		l.wg.Go(func() { l.serve(c) })
	}
}

// serve runs the fast loop of one connection, then closes it or hands it
// over.
func (l *fastListener) serve(c net.Conn) {
	fc := newFastConn(l, c)
	h := fc.run()
	l.conns.Untrack(c)
	if h != nil {
		l.handedOver.Add(1)
	}
	if h == nil {
		c.Close()
		return
	}
	select {
	case l.handed <- h:
	case <-l.done:
		c.Close()
	}
}

// handedConn is a connection given to net/http: its first reads return
// the bytes the fast path had read, unconsumed. The fast path had a read
// deadline running for the request in progress (header or whole-request
// timeout); net/http starts its own at the first two SetReadDeadline calls
// of a connection (header, then whole request), and these are held to the
// ones already running so that handing over does not extend them.
type handedConn struct {
	net.Conn
	buf   []byte
	limit [2]time.Time
	calls atomic.Int32
}

func (h *handedConn) Read(p []byte) (int, error) {
	if len(h.buf) > 0 {
		n := copy(p, h.buf)
		h.buf = h.buf[n:]
		return n, nil
	}
	return h.Conn.Read(p)
}

func (h *handedConn) SetReadDeadline(t time.Time) error {
	if i := h.calls.Add(1) - 1; i < 2 {
		if lim := h.limit[i]; !t.IsZero() && !lim.IsZero() && t.After(lim) {
			t = lim
		}
	}
	return h.Conn.SetReadDeadline(t)
}

// CloseWrite lets net/http half-close a TCP connection after an error
// answer, as it does on the connection itself.
func (h *handedConn) CloseWrite() error {
	if cw, ok := h.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
