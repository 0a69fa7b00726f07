package main

import (
	"flag"
	"fmt"
	"log"
	"runtime"
	"time"

	"github.com/nsqgo/nsq/internal/benchwire"
)

// identify is what each connection sends in IDENTIFY.
var identify = map[string]any{
	"client_id":  "writer",
	"hostname":   "writer",
	"user_agent": "bench_writer/1.1.0",
}

// config holds the flags.
type config struct {
	addr      string
	topic     string
	size      int
	batchSize int
	runfor    time.Duration
	deadline  string
	workers   int
}

// newConfig registers the flags on fs, with the reference's names and
// defaults.
func newConfig(fs *flag.FlagSet) *config {
	c := &config{workers: runtime.GOMAXPROCS(0)}
	fs.DurationVar(&c.runfor, "runfor", 10*time.Second, "duration of time to run")
	fs.StringVar(&c.addr, "nsqd-tcp-address", "127.0.0.1:4150", "<addr>:<port> to connect to nsqd")
	fs.StringVar(&c.topic, "topic", "sub_bench", "topic to receive messages on")
	fs.IntVar(&c.size, "size", 200, "size of messages")
	fs.IntVar(&c.batchSize, "batch-size", 200, "batch size of messages")
	fs.StringVar(&c.deadline, "deadline", "", "deadline to start the benchmark run")
	return c
}

// validate rejects values the run cannot work with.
func (c *config) validate() error {
	switch {
	case c.size < 1:
		return fmt.Errorf("--size must be at least 1, got %d", c.size)
	case c.batchSize < 1:
		return fmt.Errorf("--batch-size must be at least 1, got %d", c.batchSize)
	case c.runfor <= 0:
		return fmt.Errorf("--runfor must be positive, got %s", c.runfor)
	}
	_, err := benchwire.ParseDeadline(c.deadline)
	return err
}

// run connects every worker, waits for the deadline, publishes for runfor
// and logs the result line.
func run(c *config, logger *log.Logger) error {
	deadline, err := benchwire.ParseDeadline(c.deadline)
	if err != nil {
		return err
	}
	conns, err := benchwire.OpenN(c.workers, func() (*benchwire.Conn, error) {
		return benchwire.Open(c.addr, identify)
	})
	if err != nil {
		return fmt.Errorf("connecting to nsqd at %s: %w", c.addr, err)
	}
	benchwire.SleepUntil(deadline, logger.Printf)
	end := time.Now().Add(c.runfor)
	n, d, err := benchwire.Run(conns, func(conn *benchwire.Conn) (int64, error) {
		return benchwire.Publish(conn, benchwire.NewMPUB(c.topic, c.batchSize, c.size), end, nil)
	})
	logger.Print(benchwire.Result(d, n, c.size))
	if err != nil {
		return fmt.Errorf("publishing to %s: %w", c.topic, err)
	}
	return nil
}
