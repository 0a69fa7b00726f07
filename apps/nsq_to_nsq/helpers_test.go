package main

import (
	"io"
	"os"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/nsqlookupd"
)

// startNSQD runs an nsqd on loopback ports, registered with the lookupds at
// lookupdTCP, until the test ends.
func startNSQD(t *testing.T, lookupdTCP ...string) *nsqd.NSQD {
	t.Helper()
	opts := nsqd.NewOptions()
	opts.TCPAddress, opts.HTTPAddress, opts.HTTPSAddress = "127.0.0.1:0", "127.0.0.1:0", ""
	opts.BroadcastAddress = "127.0.0.1"
	opts.DataPath = t.TempDir()
	opts.NSQLookupdTCPAddresses = lookupdTCP
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

// startLookupd runs an nsqlookupd on loopback ports until the test ends.
func startLookupd(t *testing.T) *nsqlookupd.NSQLookupd {
	t.Helper()
	opts := nsqlookupd.NewOptions()
	opts.TCPAddress, opts.HTTPAddress = "127.0.0.1:0", "127.0.0.1:0"
	opts.BroadcastAddress = "127.0.0.1"
	opts.Logger = test.NewLogger(t)
	l, err := nsqlookupd.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Main() }()
	t.Cleanup(func() {
		l.Exit()
		<-done
	})
	return l
}

// channelStats returns the stats of topic/channel on n.
func channelStats(n *nsqd.NSQD, topic, channel string) (nsqd.ChannelStats, bool) {
	for _, ts := range n.GetStats(topic, channel, false).Topics {
		for _, cs := range ts.Channels {
			return cs, true
		}
	}
	return nsqd.ChannelStats{}, false
}

// drained reports whether every message published to topic went through
// channel and was FINished.
func drained(n *nsqd.NSQD, topic, channel string, published uint64) bool {
	cs, ok := channelStats(n, topic, channel)
	return ok && cs.MessageCount >= published && cs.Depth == 0 && cs.InFlightCount == 0 && cs.DeferredCount == 0
}

// app is nsq_to_nsq running in the background.
type app struct {
	stderr *test.Buffer
	stop   chan os.Signal
	code   chan int
}

// startApp runs nsq_to_nsq with args; the test's end stops it.
func startApp(t *testing.T, args ...string) *app {
	t.Helper()
	a := &app{stderr: &test.Buffer{}, stop: make(chan os.Signal, 1), code: make(chan int, 1)}
	stderr := io.MultiWriter(a.stderr, test.NewLogger(t))
	go func() { a.code <- run(args, io.Discard, stderr, a.stop) }()
	t.Cleanup(func() { a.shutdown(t) })
	return a
}

// shutdown sends SIGTERM and waits for exit code 0.
func (a *app) shutdown(t *testing.T) {
	t.Helper()
	select {
	case a.stop <- os.Interrupt:
	default:
	}
	select {
	case code := <-a.code:
		if code != 0 {
			t.Errorf("exit code %d", code)
		}
		a.code <- code
	case <-time.After(10 * time.Second):
		t.Fatal("nsq_to_nsq did not stop")
	}
}
