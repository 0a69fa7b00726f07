package main

import (
	"net/http"
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

// waitRegistered waits until the lookupd lists a producer of topic.
func waitRegistered(t *testing.T, l *nsqlookupd.NSQLookupd, topic string) {
	t.Helper()
	url := "http://" + l.RealHTTPAddr().String() + "/lookup?topic=" + topic
	test.Eventually(t, 5*time.Second, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "lookupd lists topic "+topic)
}
