// Command to_nsq reads stdin, splits it at a delimiter and publishes every
// non-empty chunk to a topic on every given nsqd.
//
// Unlike the reference, an unterminated final chunk is published whole (the
// reference drops its last byte).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdin, os.Stderr, stop))
}
