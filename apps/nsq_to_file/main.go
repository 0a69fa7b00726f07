// Command nsq_to_file archives NSQ topics to files: one file per topic,
// named from --filename-format, rotated by time, size or interval,
// optionally gzipped, with every message FINished only once it is synced
// to disk.
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
