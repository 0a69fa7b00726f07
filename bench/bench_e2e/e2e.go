package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"runtime"
	"sync"
	"time"

	"github.com/nsqgo/nsq/internal/benchwire"
)

// config holds the flags.
type config struct {
	addr      string
	topic     string
	channel   string
	size      int
	batchSize int
	rdy       int
	runfor    time.Duration
	writers   int
	readers   int
	rate      int
}

// newConfig registers the flags on fs. Names and defaults follow
// bench_writer and bench_reader where they overlap.
func newConfig(fs *flag.FlagSet) *config {
	c := &config{}
	procs := runtime.GOMAXPROCS(0)
	fs.DurationVar(&c.runfor, "runfor", 10*time.Second, "duration of time to run")
	fs.StringVar(&c.addr, "nsqd-tcp-address", "127.0.0.1:4150", "<addr>:<port> to connect to nsqd")
	fs.StringVar(&c.topic, "topic", "e2e_bench", "topic to publish to and consume from")
	fs.StringVar(&c.channel, "channel", "ch", "channel to receive messages on")
	fs.IntVar(&c.size, "size", 200, fmt.Sprintf("size of messages (at least %d: the first bytes carry the send time)", stampSize))
	fs.IntVar(&c.batchSize, "batch-size", 200, "batch size of messages")
	fs.IntVar(&c.rdy, "rdy", 2500, "RDY count to use")
	fs.IntVar(&c.writers, "writers", procs, "number of publishing connections")
	fs.IntVar(&c.readers, "readers", procs, "number of consuming connections")
	fs.IntVar(&c.rate, "rate", 0, "messages per second to publish in total (0 = as fast as possible)")
	return c
}

// validate rejects values the run cannot work with.
func (c *config) validate() error {
	checks := []struct {
		bad bool
		msg string
	}{
		{c.size < stampSize, fmt.Sprintf("--size must be at least %d, got %d", stampSize, c.size)},
		{c.batchSize < 1, fmt.Sprintf("--batch-size must be at least 1, got %d", c.batchSize)},
		{c.rdy < 1, fmt.Sprintf("--rdy must be at least 1, got %d", c.rdy)},
		{c.writers < 1, fmt.Sprintf("--writers must be at least 1, got %d", c.writers)},
		{c.readers < 1, fmt.Sprintf("--readers must be at least 1, got %d", c.readers)},
		{c.rate < 0, fmt.Sprintf("--rate must not be negative, got %d", c.rate)},
		{c.runfor <= 0, fmt.Sprintf("--runfor must be positive, got %s", c.runfor)},
	}
	for _, ch := range checks {
		if ch.bad {
			return errors.New(ch.msg)
		}
	}
	return nil
}

// result is what one run measured.
type result struct {
	pub, sub       int64
	pubDur, subDur time.Duration
	latency        histogram
	stale          int64
}

// run subscribes the readers, connects the writers, runs both for runfor
// and logs the result.
func run(c *config, logger *log.Logger) error {
	readers, err := benchwire.OpenN(c.readers, func() (*benchwire.Conn, error) { return subscribe(c) })
	if err != nil {
		return fmt.Errorf("subscribing to %s/%s at %s: %w", c.topic, c.channel, c.addr, err)
	}
	writers, err := benchwire.OpenN(c.writers, func() (*benchwire.Conn, error) {
		return benchwire.Open(c.addr, identify("writer"))
	})
	if err != nil {
		closeAll(readers)
		return fmt.Errorf("connecting to nsqd at %s: %w", c.addr, err)
	}
	res, err := measure(c, readers, writers)
	report(logger, c, res)
	if err != nil {
		return err
	}
	if res.latency.count() == 0 {
		return errors.New("no message published in this run was consumed")
	}
	return nil
}

// measure runs the writers and the readers at once until runfor has passed.
func measure(c *config, readers, writers []*benchwire.Conn) (*result, error) {
	res := &result{}
	start := time.Now()
	end := start.Add(c.runfor)
	var pubErr, subErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		res.pub, res.pubDur, pubErr = benchwire.Run(writers, func(conn *benchwire.Conn) (int64, error) {
			return benchwire.Publish(conn, benchwire.NewMPUB(c.topic, c.batchSize, c.size), end, newStamper(c, start))
		})
	})
	res.sub, res.subDur, subErr = consumeAll(c, readers, start, end, res)
	wg.Wait()
	if pubErr != nil {
		return res, fmt.Errorf("publishing to %s: %w", c.topic, pubErr)
	}
	if subErr != nil {
		return res, fmt.Errorf("consuming %s/%s: %w", c.topic, c.channel, subErr)
	}
	return res, nil
}

// consumeAll runs the readers, each with its own histogram, and merges
// their latencies into res. Messages stamped before start are left over
// from an earlier run: they are counted as stale, not as latencies.
func consumeAll(c *config, readers []*benchwire.Conn, start, end time.Time, res *result) (int64, time.Duration, error) {
	var mu sync.Mutex
	from := start.UnixNano()
	return benchwire.Run(readers, func(conn *benchwire.Conn) (int64, error) {
		var h histogram
		var stale int64
		n, err := benchwire.Consume(conn, c.rdy, end, func(body []byte) {
			sent, ok := readStamp(body)
			if !ok || sent < from {
				stale++
				return
			}
			h.record(time.Duration(time.Now().UnixNano() - sent))
		})
		mu.Lock()
		res.latency.merge(&h)
		res.stale += stale
		mu.Unlock()
		return n, err
	})
}

// report logs the publish and consume lines and the latency percentiles.
func report(logger *log.Logger, c *config, res *result) {
	logger.Print("PUB: " + benchwire.Result(res.pubDur, res.pub, c.size))
	logger.Print("SUB: " + benchwire.Result(res.subDur, res.sub, c.size))
	logger.Print(latencyLine(&res.latency, max(res.pub-int64(res.latency.count()), 0)))
	if res.stale > 0 {
		logger.Printf("ignored %d messages left over from an earlier run", res.stale)
	}
}

// latencyLine formats the end-to-end latency percentiles, and how many
// published messages were not consumed in time: when the writers outpace
// the readers, that backlog is what the latency measures.
func latencyLine(h *histogram, queued int64) string {
	r := func(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
	return fmt.Sprintf("latency: p50 %s - p99 %s - p99.9 %s - max %s (%d msgs, %d left in queue)",
		r(h.percentile(0.5)), r(h.percentile(0.99)), r(h.percentile(0.999)), r(h.max), h.count(), queued)
}

// identify is what a connection sends in IDENTIFY.
func identify(role string) map[string]any {
	return map[string]any{
		"client_id":  role,
		"hostname":   role,
		"user_agent": "bench_e2e/1.1.0",
	}
}

// subscribe opens one identified connection subscribed to the channel.
func subscribe(c *config) (*benchwire.Conn, error) {
	conn, err := benchwire.Open(c.addr, identify("reader"))
	if err != nil {
		return nil, err
	}
	if err := conn.Subscribe(c.topic, c.channel); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func closeAll(conns []*benchwire.Conn) {
	for _, c := range conns {
		c.Close()
	}
}
