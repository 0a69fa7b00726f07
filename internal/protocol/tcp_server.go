package protocol

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
)

// Handler serves one accepted connection.
type Handler interface {
	Handle(net.Conn)
}

// TCPServer accepts connections on l until it is closed, serving each in
// its own goroutine. It returns nil when l was closed deliberately and
// waits for every handler to return.
func TCPServer(l net.Listener, h Handler, logf func(f string, args ...any)) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := l.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				logf("temporary Accept() failure - %s", err)
				runtime.Gosched()
				continue
			}
			if errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "use of closed network connection") {
				return nil
			}
			return fmt.Errorf("listener.Accept() error - %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.Handle(conn)
		}()
	}
}
