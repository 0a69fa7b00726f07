// Package testcluster starts nsqd and nsqlookupd in-process, on loopback
// ephemeral ports, for the tests of the apps, the bench tools, nsqadmin and
// internal/clusterinfo. Only _test.go files may import it (make
// check-imports enforces this); it is the one package outside the daemons'
// own tests that may import more than one daemon.
//
// Every daemon it starts logs to t.Log and stops when the test ends.
package testcluster

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/nsqlookupd"
)

// NSQD is a running nsqd.
type NSQD struct {
	*nsqd.NSQD
	TCPAddr, HTTPAddr string
	stop              func()
}

// Lookupd is a running nsqlookupd.
type Lookupd struct {
	*nsqlookupd.NSQLookupd
	TCPAddr, HTTPAddr string
}

// Cluster is one nsqlookupd and the nsqds registered with it.
type Cluster struct {
	Lookupd *Lookupd
	NSQDs   []*NSQD
}

// daemon is the part of a daemon library's value a test drives.
type daemon interface {
	Main() error
	Exit()
}

// serve runs d until the returned stop is called, at the latest when the
// test ends; stop may be called more than once.
func serve(t testing.TB, name string, d daemon) (stop func()) {
	done := make(chan error, 1)
	go func() { done <- d.Main() }()
	stop = sync.OnceFunc(func() {
		d.Exit()
		if err := <-done; err != nil {
			t.Errorf("%s Main: %v", name, err)
		}
	})
	t.Cleanup(stop)
	return stop
}

// StartNSQD runs an nsqd with a temporary data path, registered with the
// nsqlookupds at lookupdTCP.
func StartNSQD(t testing.TB, lookupdTCP ...string) *NSQD {
	t.Helper()
	opts := nsqd.NewOptions()
	opts.TCPAddress, opts.HTTPAddress, opts.HTTPSAddress = "127.0.0.1:0", "127.0.0.1:0", ""
	opts.BroadcastAddress = "127.0.0.1"
	opts.DataPath = t.TempDir()
	opts.NSQLookupdTCPAddresses = lookupdTCP
	opts.Logger = test.NewLogger(t)
	n, err := nsqd.New(opts)
	if err != nil {
		t.Fatalf("nsqd.New: %v", err)
	}
	return &NSQD{
		NSQD:     n,
		TCPAddr:  n.RealTCPAddr().String(),
		HTTPAddr: n.RealHTTPAddr().String(),
		stop:     serve(t, "nsqd", n),
	}
}

// Stop stops the nsqd before the test ends.
func (n *NSQD) Stop() { n.stop() }

// StartLookupd runs an nsqlookupd.
func StartLookupd(t testing.TB) *Lookupd {
	t.Helper()
	opts := nsqlookupd.NewOptions()
	opts.TCPAddress, opts.HTTPAddress = "127.0.0.1:0", "127.0.0.1:0"
	opts.BroadcastAddress = "127.0.0.1"
	opts.Logger = test.NewLogger(t)
	l, err := nsqlookupd.New(opts)
	if err != nil {
		t.Fatalf("nsqlookupd.New: %v", err)
	}
	serve(t, "nsqlookupd", l)
	return &Lookupd{NSQLookupd: l, TCPAddr: l.RealTCPAddr().String(), HTTPAddr: l.RealHTTPAddr().String()}
}

// StartCluster runs an nsqlookupd and nsqds nsqds registered with it.
func StartCluster(t testing.TB, nsqds int) *Cluster {
	t.Helper()
	c := &Cluster{Lookupd: StartLookupd(t)}
	for range nsqds {
		c.NSQDs = append(c.NSQDs, StartNSQD(t, c.Lookupd.TCPAddr))
	}
	return c
}

// WaitRegistered waits until the lookupd lists a producer of topic.
func (l *Lookupd) WaitRegistered(t testing.TB, topic string) {
	t.Helper()
	url := "http://" + l.HTTPAddr + "/lookup?topic=" + topic
	test.Eventually(t, 5*time.Second, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "lookupd lists topic "+topic)
}

// ChannelStats returns the stats of topic/channel.
func (n *NSQD) ChannelStats(topic, channel string) (nsqd.ChannelStats, bool) {
	for _, ts := range n.GetStats(topic, channel, false).Topics {
		for _, cs := range ts.Channels {
			return cs, true
		}
	}
	return nsqd.ChannelStats{}, false
}

// Drained reports whether at least published messages went through
// topic/channel and every one was FINished.
func (n *NSQD) Drained(topic, channel string, published uint64) bool {
	cs, ok := n.ChannelStats(topic, channel)
	return ok && cs.MessageCount >= published && cs.Depth == 0 && cs.InFlightCount == 0 && cs.DeferredCount == 0
}

// Post sends an HTTP POST of body to path?q on the nsqd's HTTP API and
// fails the test unless the answer is 200.
func (n *NSQD) Post(t testing.TB, path string, q url.Values, body string) {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	test.HTTPExpect(t, http.StatusOK, http.MethodPost, "http://"+n.HTTPAddr+path+"?"+q.Encode(), b)
}

// CreateChannel creates topic and its channel through the HTTP API.
func (n *NSQD) CreateChannel(t testing.TB, topic, channel string) {
	t.Helper()
	n.Post(t, "/topic/create", url.Values{"topic": {topic}}, "")
	n.Post(t, "/channel/create", url.Values{"topic": {topic}, "channel": {channel}}, "")
}

// PublishN publishes count messages "msg" to topic through the HTTP API.
func (n *NSQD) PublishN(t testing.TB, topic string, count int) {
	t.Helper()
	for range count {
		n.Post(t, "/pub", url.Values{"topic": {topic}}, "msg")
	}
}
