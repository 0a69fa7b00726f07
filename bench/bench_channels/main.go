// Command bench_channels stresses nsqd with many topics, channels and
// connections: it opens --num connections, 5 ms apart, connection j
// subscribed to topic t<j> channel ch; once all are open each sends RDY 1,
// finishes every message it gets and sends RDY 1 again. It runs until
// interrupted, then prints how many connections it held and how many
// messages they finished. Commands are encoded with go-nsq, the ecosystem's
// client library, over plain TCP connections.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	logger := log.New(os.Stderr, "[bench_channels] ", log.LstdFlags)
	cfg := newConfig(flag.CommandLine)
	flag.Parse()
	if err := cfg.validate(); err != nil {
		logger.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newBench(cfg).run(ctx, logger); err != nil {
		logger.Fatal(err)
	}
}
