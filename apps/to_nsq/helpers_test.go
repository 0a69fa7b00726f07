package main

import (
	"bufio"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
)

// startNSQD runs an nsqd on loopback ports until the test ends.
func startNSQD(t *testing.T) *nsqd.NSQD {
	t.Helper()
	opts := nsqd.NewOptions()
	opts.TCPAddress, opts.HTTPAddress, opts.HTTPSAddress = "127.0.0.1:0", "127.0.0.1:0", ""
	opts.BroadcastAddress = "127.0.0.1"
	opts.DataPath = t.TempDir()
	opts.Logger = test.NewLogger(t)
	n, err := nsqd.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Main() }()
	t.Cleanup(func() {
		n.Exit()
		<-done
	})
	return n
}

func newReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }
