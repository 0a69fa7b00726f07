package nsqd

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
)

// Main serves until Exit is called or a listener fails. On a listener
// failure it shuts down cleanly and returns the error.
func (n *NSQD) Main() error {
	n.goServe(func() error {
		return protocol.TCPServer(n.tcpListener, n.tcpServer, func(f string, args ...any) {
			n.logf(lg.WARN, f, args...)
		})
	})
	if n.httpListener != nil {
		n.serveHTTP(n.httpListener, false)
	}
	if n.httpsListener != nil {
		n.serveHTTP(n.httpsListener, true)
	}
	n.spawn(n.queueScanLoop)
	n.spawn(n.lookupLoop)
	n.spawn(n.metadataLoop)
	n.spawn(n.policyLoop)
	if n.getOpts().StatsdAddress != "" {
		n.spawn(n.statsdLoop)
	}
	select {
	case err := <-n.mainErr:
		n.logf(lg.FATAL, "%s", err)
		n.Exit()
		return err
	case <-n.policies.drained:
		n.Exit()
		return nil
	case <-n.exitChan:
		return nil
	}
}

// goServe runs a server loop; an error it returns ends Main.
func (n *NSQD) goServe(serve func() error) {
	n.spawn(func() {
		if err := serve(); err != nil && !errors.Is(err, net.ErrClosed) {
			select {
			case n.mainErr <- err:
			default:
			}
		}
	})
}

func (n *NSQD) serveHTTP(ln net.Listener, tlsEnabled bool) {
	opts := n.getOpts()
	h := newHTTPServer(n, tlsEnabled, opts.TLSRequired == TLSRequired)
	srv := httpapi.NewServer(h, opts.Logger, opts.HTTPTimeouts)
	if !tlsEnabled && !h.tlsRequired && !n.slowHTTPOnly {
		fl := newFastListener(ln, h, opts.HTTPTimeouts)
		ln = fl
		n.srvMu.Lock()
		n.fastHTTP = fl
		n.srvMu.Unlock()
	}
	n.srvMu.Lock()
	n.httpServers = append(n.httpServers, srv)
	n.srvMu.Unlock()
	n.goServe(func() error {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	})
}

// Exit shuts down in NSQ's order: stop listening and close
// clients, close HTTP, persist nsqd.dat, close every topic (which writes
// queued, in-flight and deferred messages to disk), stop the loops,
// release the data-path lock. It is idempotent.
func (n *NSQD) Exit() {
	n.exitOnce.Do(n.exit)
}

func (n *NSQD) exit() {
	if n.tcpListener != nil {
		n.tcpListener.Close()
	}
	if n.tcpServer != nil {
		n.tcpServer.closeAll()
	}
	n.srvMu.Lock()
	for _, srv := range n.httpServers {
		srv.Close()
	}
	n.srvMu.Unlock()
	if n.httpListener != nil {
		n.httpListener.Close()
	}
	if n.httpsListener != nil {
		n.httpsListener.Close()
	}
	var errs []error
	if err := n.PersistMetadata(); err != nil {
		n.logf(lg.ERROR, "failed to persist metadata - %s", err)
		errs = append(errs, fmt.Errorf("failed to persist metadata - %w", err))
	}
	n.persistMu.Lock()
	n.exiting = true
	n.persistMu.Unlock()
	n.logf(lg.INFO, "NSQ: closing topics")
	n.mu.RLock()
	topics := make([]*Topic, 0, len(n.topicMap))
	for _, t := range n.topicMap {
		topics = append(topics, t)
	}
	n.mu.RUnlock()
	for _, t := range topics {
		if err := t.Close(); err != nil && !errors.Is(err, errExiting) {
			errs = append(errs, fmt.Errorf("TOPIC(%s): %w", t.name, err))
		}
	}
	n.exitErr = errors.Join(errs...)
	if n.exitErr != nil {
		n.logf(lg.ERROR, "NSQ: messages or metadata not saved at exit - %s", n.exitErr)
	}
	close(n.exitChan)
	n.spawnMu.Lock()
	n.stopped = true
	n.spawnMu.Unlock()
	n.wg.Wait()
	n.dl.Unlock()
	n.logf(lg.INFO, "NSQ: bye")
}

// ExitError reports, once Exit has returned, what the shutdown could not
// save (metadata, or messages that failed to reach the disk); nil if
// everything was saved. The nsqd command exits with status 1 on an error.
func (n *NSQD) ExitError() error { return n.exitErr }

// spawn runs f in a goroutine owned by n.wg unless Exit is already waiting
// for them; it reports whether f was started.
func (n *NSQD) spawn(f func()) bool {
	n.spawnMu.Lock()
	defer n.spawnMu.Unlock()
	if n.stopped {
		return false
	}
	n.wg.Go(f)
	return true
}
