// Command bench_e2e publishes and consumes at the same time and measures
// end-to-end latency: --writers connections send MPUB batches whose message
// bodies carry the send time, while --readers connections subscribed to the
// same topic finish every message and record how long it took to arrive.
// After --runfor it prints the publish and consume rates in the format of
// NSQ's bench_writer/bench_reader lines, and the latency percentiles p50,
// p99 and p99.9.
package main

import (
	"flag"
	"log"
	"os"
)

func main() {
	logger := log.New(os.Stderr, "[bench_e2e] ", log.LstdFlags)
	cfg := newConfig(flag.CommandLine)
	flag.Parse()
	if err := cfg.validate(); err != nil {
		logger.Fatal(err)
	}
	if err := run(cfg, logger); err != nil {
		logger.Fatal(err)
	}
}
