package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// openInterval spaces the connections, as in the reference.
const openInterval = 5 * time.Millisecond

// config holds the flags.
type config struct {
	num  int
	addr string
}

// newConfig registers the flags on fs, with the reference's names and
// defaults.
func newConfig(fs *flag.FlagSet) *config {
	c := &config{}
	fs.IntVar(&c.num, "num", 10000, "num channels")
	fs.StringVar(&c.addr, "nsqd-tcp-address", "127.0.0.1:4150", "<addr>:<port> to connect to nsqd")
	return c
}

// validate rejects values the run cannot work with.
func (c *config) validate() error {
	if c.num < 1 {
		return fmt.Errorf("--num must be at least 1, got %d", c.num)
	}
	return nil
}

// bench is one run: its connections and what they did.
type bench struct {
	cfg      *config
	start    chan struct{} // closed once every connection is open
	conns    []*subConn    // owned by run
	finished atomic.Int64
	failed   chan error // the first worker error
	wg       sync.WaitGroup
}

func newBench(c *config) *bench {
	return &bench{cfg: c, start: make(chan struct{}), failed: make(chan error, 1)}
}

// run opens the connections, releases them, and waits until ctx is done or
// a connection fails; then it closes them all and logs a summary.
func (b *bench) run(ctx context.Context, logger *log.Logger) error {
	err := b.open(ctx)
	close(b.start)
	if err == nil {
		select {
		case <-ctx.Done():
		case err = <-b.failed:
		}
	}
	for _, c := range b.conns {
		c.nc.Close()
	}
	b.wg.Wait()
	logger.Printf("%d connections subscribed to t0..t%d/ch - %d messages finished",
		len(b.conns), len(b.conns)-1, b.finished.Load())
	return err
}

// open connects and subscribes one connection per topic, openInterval
// apart, until num are open or ctx is done.
func (b *bench) open(ctx context.Context) error {
	ticker := time.NewTicker(openInterval)
	defer ticker.Stop()
	for j := range b.cfg.num {
		c, err := subscribe(b.cfg.addr, fmt.Sprintf("t%d", j), "ch")
		if err != nil {
			return fmt.Errorf("connection %d to %s: %w", j, b.cfg.addr, err)
		}
		b.conns = append(b.conns, c)
		b.wg.Go(func() { b.serve(ctx, c) })
		select {
		case <-ctx.Done():
			return nil
		case err := <-b.failed:
			return err
		case <-ticker.C:
		}
	}
	return nil
}

// serve runs one connection once every connection is open, and reports its
// error unless the run is over.
func (b *bench) serve(ctx context.Context, c *subConn) {
	select {
	case <-b.start:
	case <-ctx.Done():
		return
	}
	err := c.consume(&b.finished)
	if ctx.Err() != nil || isClosed(err) {
		return
	}
	select {
	case b.failed <- err:
	default:
	}
}

func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
