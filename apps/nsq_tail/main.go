// Command nsq_tail prints the messages of one or more topics to stdout, one
// line per message (optionally prefixed with "<topic> | "), by default from
// an ephemeral channel of its own.
//
// With -n the reference exits as soon as a topic reached n messages and
// leaves the n-th message un-FINished; here it is FINished, messages that
// arrive after the count was reached are requeued instead of printed, and
// the consumers are stopped cleanly before exiting 0.
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
