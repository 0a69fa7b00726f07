// Command nsq_stat polls the nsqd of a topic (found directly or through
// nsqlookupd) and prints one line of aggregate stats for a channel every
// --interval.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, sigs))
}
