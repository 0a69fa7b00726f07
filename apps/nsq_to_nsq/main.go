// Command nsq_to_nsq relays topics from one set of nsqds (or the nsqds a
// set of nsqlookupds knows) to other nsqds, optionally renaming the topic
// and filtering or trimming JSON messages.
//
// A message is FINished once its asynchronous publish succeeded, and
// requeued if it failed. Modes (--mode) pick the destination of each
// message: "hostpool" (default; internal/hostpool's standard pool),
// "epsilon-greedy" (internal/hostpool's epsilon-greedy pool) and
// "round-robin", which any other value also means.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop))
}
