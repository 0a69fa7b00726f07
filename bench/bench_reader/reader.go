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
	"client_id":  "reader",
	"hostname":   "reader",
	"user_agent": "bench_reader/1.1.0",
}

// config holds the flags.
type config struct {
	addr     string
	topic    string
	channel  string
	size     int
	rdy      int
	runfor   time.Duration
	deadline string
	workers  int
}

// newConfig registers the flags on fs, with the reference's names and
// defaults.
func newConfig(fs *flag.FlagSet) *config {
	c := &config{workers: runtime.GOMAXPROCS(0)}
	fs.DurationVar(&c.runfor, "runfor", 10*time.Second, "duration of time to run")
	fs.StringVar(&c.addr, "nsqd-tcp-address", "127.0.0.1:4150", "<addr>:<port> to connect to nsqd")
	fs.IntVar(&c.size, "size", 200, "size of messages")
	fs.StringVar(&c.topic, "topic", "sub_bench", "topic to receive messages on")
	fs.StringVar(&c.channel, "channel", "ch", "channel to receive messages on")
	fs.StringVar(&c.deadline, "deadline", "", "deadline to start the benchmark run")
	fs.IntVar(&c.rdy, "rdy", 2500, "RDY count to use")
	return c
}

// validate rejects values the run cannot work with.
func (c *config) validate() error {
	switch {
	case c.size < 0:
		return fmt.Errorf("--size must not be negative, got %d", c.size)
	case c.rdy < 1:
		return fmt.Errorf("--rdy must be at least 1, got %d", c.rdy)
	case c.runfor <= 0:
		return fmt.Errorf("--runfor must be positive, got %s", c.runfor)
	}
	_, err := benchwire.ParseDeadline(c.deadline)
	return err
}

// run subscribes every worker, waits for the deadline, consumes for runfor
// and logs the result line.
func run(c *config, logger *log.Logger) error {
	deadline, err := benchwire.ParseDeadline(c.deadline)
	if err != nil {
		return err
	}
	conns, err := benchwire.OpenN(c.workers, func() (*benchwire.Conn, error) {
		return subscribe(c)
	})
	if err != nil {
		return fmt.Errorf("subscribing to %s/%s at %s: %w", c.topic, c.channel, c.addr, err)
	}
	benchwire.SleepUntil(deadline, logger.Printf)
	end := time.Now().Add(c.runfor)
	n, d, err := benchwire.Run(conns, func(conn *benchwire.Conn) (int64, error) {
		return benchwire.Consume(conn, c.rdy, end, nil)
	})
	logger.Print(benchwire.Result(d, n, c.size))
	if err != nil {
		return fmt.Errorf("consuming %s/%s: %w", c.topic, c.channel, err)
	}
	return nil
}

// subscribe opens one identified connection subscribed to the channel.
func subscribe(c *config) (*benchwire.Conn, error) {
	conn, err := benchwire.Open(c.addr, identify)
	if err != nil {
		return nil, err
	}
	if err := conn.Subscribe(c.topic, c.channel); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
