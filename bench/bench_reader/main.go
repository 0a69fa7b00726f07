// Command bench_reader consumes from nsqd as fast as it can: one connection
// per CPU subscribes to --topic/--channel with RDY --rdy and finishes every
// message, for --runfor. It prints one line with the elapsed time, MB/s
// (counting --size bytes a message), messages/s and microseconds per message,
// in the format of NSQ's bench_reader so that figures compare.
package main

import (
	"flag"
	"log"
	"os"
)

func main() {
	logger := log.New(os.Stderr, "[bench_reader] ", log.LstdFlags)
	cfg := newConfig(flag.CommandLine)
	flag.Parse()
	if err := cfg.validate(); err != nil {
		logger.Fatal(err)
	}
	if err := run(cfg, logger); err != nil {
		logger.Fatal(err)
	}
}
