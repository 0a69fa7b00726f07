// Command bench_writer publishes to nsqd as fast as it can: one connection
// per CPU, each sending MPUB batches of --batch-size messages of --size zero
// bytes and waiting for each answer, for --runfor. It prints one line with
// the elapsed time, MB/s, messages/s and microseconds per message, in the
// format of NSQ's bench_writer so that figures compare.
package main

import (
	"flag"
	"log"
	"os"
)

func main() {
	logger := log.New(os.Stderr, "[bench_writer] ", log.LstdFlags)
	cfg := newConfig(flag.CommandLine)
	flag.Parse()
	if err := cfg.validate(); err != nil {
		logger.Fatal(err)
	}
	if err := run(cfg, logger); err != nil {
		logger.Fatal(err)
	}
}
