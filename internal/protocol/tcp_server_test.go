package protocol

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type handlerFunc func(net.Conn)

func (f handlerFunc) Handle(c net.Conn) { f(c) }

func TestTCPServerServesAndWaitsForHandlers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	release := make(chan struct{})
	var handled sync.WaitGroup
	handled.Add(2)
	h := handlerFunc(func(c net.Conn) {
		defer c.Close()
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); !assert.NoError(t, err, "handler read") {
			return
		}
		SendFrame(c, FrameTypeResponse, buf)
		handled.Done()
		<-release
	})
	done := make(chan error, 1)
	go func() { done <- TCPServer(l, h, t.Logf) }()

	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", l.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		c.Write([]byte(MagicV2))
		ft, data, err := ReadFrame(c, 0)
		require.NoError(t, err, "echo = (%d, %q, %v)", ft, data, err)
		require.Equal(t, FrameTypeResponse, ft, "echo = (%d, %q, %v)", ft, data, err)
		require.Equal(t, MagicV2, string(data), "echo = (%d, %q, %v)", ft, data, err)
	}
	handled.Wait()
	l.Close()

	select {
	case err := <-done:
		require.FailNow(t, "TCPServer returned while handlers were still running", "err %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-done:
		require.NoError(t, err, "TCPServer returned %v after listener close", err)
	case <-time.After(5 * time.Second):
		require.FailNow(t, "TCPServer did not return after handlers finished")
	}
}

func TestTCPServerClosedListenerReturnsNil(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	l.Close()
	require.NoError(t, TCPServer(l, handlerFunc(func(net.Conn) {}), t.Logf), "TCPServer on closed listener")
}

// scriptedListener returns the scripted Accept errors in order.
type scriptedListener struct {
	mu   sync.Mutex
	errs []error
}

func (l *scriptedListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) == 0 {
		return nil, net.ErrClosed
	}
	err := l.errs[0]
	l.errs = l.errs[1:]
	return nil, err
}
func (l *scriptedListener) Close() error   { return nil }
func (l *scriptedListener) Addr() net.Addr { return &net.TCPAddr{} }

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestTCPServerRetriesTimeouts(t *testing.T) {
	l := &scriptedListener{errs: []error{timeoutErr{}, timeoutErr{}}}
	var logged []string
	logf := func(f string, args ...any) { logged = append(logged, f) }
	require.NoError(t, TCPServer(l, handlerFunc(func(net.Conn) {}), logf), "err")
	require.Len(t, logged, 2, "logged = %q", logged)
	require.True(t, strings.HasPrefix(logged[0], "temporary Accept() failure"), "logged = %q", logged)
}

func TestTCPServerOtherErrorIsReturned(t *testing.T) {
	boom := errors.New("too many open files")
	l := &scriptedListener{errs: []error{boom}}
	err := TCPServer(l, handlerFunc(func(net.Conn) {}), t.Logf)
	require.ErrorIs(t, err, boom, "err = %v", err)
	require.True(t, strings.HasPrefix(err.Error(), "listener.Accept() error - "), "err text = %q", err.Error())
}
