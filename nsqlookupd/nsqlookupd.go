package nsqlookupd

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/version"
)

// NSQLookupd is one nsqlookupd instance. See doc.go for goroutine
// ownership and lock order.
type NSQLookupd struct {
	opts     *Options
	hostname string
	db       *registrationDB

	tcpListener  net.Listener
	httpListener net.Listener
	tcpServer    *tcpServer
	httpServer   *http.Server

	exitChan chan struct{}
	exitOnce sync.Once
	wg       sync.WaitGroup
	mainErr  chan error
}

// New binds the TCP and HTTP listeners; nothing is served until Main.
func New(opts *Options) (*NSQLookupd, error) {
	if opts.Logger == nil {
		opts.Logger = lg.New(opts.LogPrefix)
	}
	hostname, err := os.Hostname()
	if err != nil {
		return nil, fmt.Errorf("failed to read hostname - %w", err)
	}
	l := &NSQLookupd{
		opts:     opts,
		hostname: hostname,
		db:       newRegistrationDB(),
		exitChan: make(chan struct{}),
		mainErr:  make(chan error, 2),
	}
	l.logf(lg.INFO, "%s", version.String("nsqlookupd"))
	if l.tcpListener, err = net.Listen("tcp", opts.TCPAddress); err != nil {
		return nil, fmt.Errorf("listen (%s) failed - %w", opts.TCPAddress, err)
	}
	if l.httpListener, err = net.Listen("tcp", opts.HTTPAddress); err != nil {
		l.tcpListener.Close()
		return nil, fmt.Errorf("listen (%s) failed - %w", opts.HTTPAddress, err)
	}
	l.tcpServer = newTCPServer(l)
	l.httpServer = httpapi.NewServer(newHTTPServer(l), opts.Logger, opts.HTTPTimeouts)
	return l, nil
}

// Main serves until Exit is called or a server loop fails; on a failure it
// shuts down and returns the error.
func (l *NSQLookupd) Main() error {
	l.logf(lg.INFO, "TCP: listening on %s", l.tcpListener.Addr())
	l.logf(lg.INFO, "HTTP: listening on %s", l.httpListener.Addr())
	l.goServe(func() error {
		return protocol.TCPServer(l.tcpListener, l.tcpServer, func(f string, args ...any) {
			l.logf(lg.WARN, f, args...)
		})
	})
	l.goServe(func() error {
		err := l.httpServer.Serve(l.httpListener)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	})
	select {
	case err := <-l.mainErr:
		l.logf(lg.FATAL, "%s", err)
		l.Exit()
		return err
	case <-l.exitChan:
		return nil
	}
}

// goServe runs a server loop owned by l.wg; an error it returns ends Main.
func (l *NSQLookupd) goServe(serve func() error) {
	l.wg.Go(func() {
		if err := serve(); err != nil {
			select {
			case l.mainErr <- err:
			default:
			}
		}
	})
}

// Exit stops listening for TCP, closes every client connection, closes the
// HTTP server and waits for all goroutines. It is idempotent.
func (l *NSQLookupd) Exit() {
	l.exitOnce.Do(func() {
		l.tcpListener.Close()
		l.tcpServer.closeAll()
		l.httpServer.Close()
		l.httpListener.Close()
		close(l.exitChan)
		l.wg.Wait()
	})
}

// RealTCPAddr is the bound address of the TCP listener.
func (l *NSQLookupd) RealTCPAddr() *net.TCPAddr { return l.tcpListener.Addr().(*net.TCPAddr) }

// RealHTTPAddr is the bound address of the HTTP listener.
func (l *NSQLookupd) RealHTTPAddr() *net.TCPAddr { return l.httpListener.Addr().(*net.TCPAddr) }

func (l *NSQLookupd) logf(level lg.Level, f string, args ...any) {
	lg.Logf(l.opts.Logger, l.opts.LogLevel, level, f, args...)
}
