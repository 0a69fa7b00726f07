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

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/nsqlookupd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// NSQD is a running nsqd.
type NSQD struct {
	*nsqd.NSQD
	TCPAddr, HTTPAddr string
	// Opts are the options it was created with (DataPath is where a
	// restarted nsqd finds its data).
	Opts *nsqd.Options
	run  *running
}

// Option adjusts the options of an nsqd before StartNSQD creates it. A
// func(*nsqd.Options) literal is an Option.
type Option func(*nsqd.Options)

// WithLookupd registers the nsqd with the nsqlookupds at tcpAddrs.
func WithLookupd(tcpAddrs ...string) Option {
	return func(o *nsqd.Options) { o.NSQLookupdTCPAddresses = tcpAddrs }
}

// WithDataPath keeps the nsqd's data in dir instead of a fresh temporary
// directory, for a restart over the data of an earlier nsqd.
func WithDataPath(dir string) Option {
	return func(o *nsqd.Options) { o.DataPath = dir }
}

// WithLogLevel sets the nsqd's log level.
func WithLogLevel(level lg.Level) Option {
	return func(o *nsqd.Options) { o.LogLevel = level }
}

// Quiet discards the nsqd's log, for benchmarks.
func Quiet() Option {
	return func(o *nsqd.Options) { o.Logger, o.LogLevel = lg.NilLogger{}, lg.ERROR }
}

// stopWait bounds how long stopping a daemon may take before the test fails.
const stopWait = 10 * time.Second

// Lookupd is a running nsqlookupd.
type Lookupd struct {
	*nsqlookupd.NSQLookupd
	TCPAddr, HTTPAddr string
	run               *running
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

// running is a daemon whose Main runs in a goroutine of the test.
type running struct {
	exited chan struct{} // closed when Main has returned
	err    error         // what Main returned, once exited is closed
	stop   func()
}

// serve runs d until stop is called, at the latest when the test ends; stop
// may be called more than once.
func serve(t testing.TB, name string, d daemon) *running {
	r := &running{exited: make(chan struct{})}
	go func() {
		defer close(r.exited)
		r.err = d.Main()
	}()
	r.stop = sync.OnceFunc(func() {
		d.Exit()
		select {
		case <-r.exited:
			assert.NoError(t, r.err, "%s Main", name)
		case <-time.After(stopWait):
			assert.Failf(t, "daemon did not stop", "%s Main did not return within %v of Exit", name, stopWait)
		}
	})
	t.Cleanup(r.stop)
	return r
}

// Exited is closed when the nsqd's Main has returned, whether on Stop or
// by itself (after a drain, say); MainErr is then what it returned.
func (n *NSQD) Exited() <-chan struct{} { return n.run.exited }

// MainErr is what Main returned; call it only once Exited is closed.
func (n *NSQD) MainErr() error { return n.run.err }

// NSQDOptions returns the options StartNSQD would create an nsqd with, for
// a test that calls nsqd.New itself (to see it fail).
func NSQDOptions(t testing.TB, options ...Option) *nsqd.Options {
	t.Helper()
	opts := nsqd.NewOptions()
	opts.TCPAddress, opts.HTTPAddress, opts.HTTPSAddress = "127.0.0.1:0", "127.0.0.1:0", ""
	opts.BroadcastAddress = "127.0.0.1"
	opts.DataPath = t.TempDir()
	opts.Logger = test.NewLogger(t)
	for _, o := range options {
		if o != nil {
			o(opts)
		}
	}
	return opts
}

// StartNSQD runs an nsqd on loopback ephemeral TCP and HTTP ports (no
// HTTPS), with a temporary data path and its log in the test log; options
// adjust that, in order. It stops when the test ends or on Stop.
func StartNSQD(t testing.TB, options ...Option) *NSQD {
	t.Helper()
	opts := NSQDOptions(t, options...)
	n, err := nsqd.New(opts)
	require.NoError(t, err, "nsqd.New")
	started := &NSQD{NSQD: n, TCPAddr: n.RealTCPAddr().String(), Opts: opts}
	if a := n.RealHTTPAddr(); a != nil {
		started.HTTPAddr = a.String()
	}
	started.run = serve(t, "nsqd", n)
	return started
}

// Stop stops the nsqd before the test ends.
func (n *NSQD) Stop() { n.run.stop() }

// URL is the base of the nsqd's HTTP API, "http://" and its HTTP address.
func (n *NSQD) URL() string { return "http://" + n.HTTPAddr }

// StartLookupd runs an nsqlookupd on loopback ephemeral ports; options
// adjust its options, in order. It stops when the test ends or on Stop.
func StartLookupd(t testing.TB, options ...func(*nsqlookupd.Options)) *Lookupd {
	t.Helper()
	opts := nsqlookupd.NewOptions()
	opts.TCPAddress, opts.HTTPAddress = "127.0.0.1:0", "127.0.0.1:0"
	opts.BroadcastAddress = "127.0.0.1"
	opts.Logger = test.NewLogger(t)
	for _, o := range options {
		o(opts)
	}
	l, err := nsqlookupd.New(opts)
	require.NoError(t, err, "nsqlookupd.New")
	return &Lookupd{NSQLookupd: l, TCPAddr: l.RealTCPAddr().String(), HTTPAddr: l.RealHTTPAddr().String(),
		run: serve(t, "nsqlookupd", l)}
}

// Stop stops the nsqlookupd before the test ends.
func (l *Lookupd) Stop() { l.run.stop() }

// StartCluster runs an nsqlookupd and nsqds nsqds registered with it.
func StartCluster(t testing.TB, nsqds int) *Cluster {
	t.Helper()
	c := &Cluster{Lookupd: StartLookupd(t)}
	for range nsqds {
		c.NSQDs = append(c.NSQDs, StartNSQD(t, WithLookupd(c.Lookupd.TCPAddr)))
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

// TopicStats returns the stats of topic (with its channels and their
// clients), and whether it exists.
func (n *NSQD) TopicStats(topic string) (nsqd.TopicStats, bool) {
	for _, ts := range n.GetStats(topic, "", true).Topics {
		if ts.TopicName == topic {
			return ts, true
		}
	}
	return nsqd.TopicStats{}, false
}

// ChannelStats returns the stats of topic/channel, and whether it exists.
func (n *NSQD) ChannelStats(topic, channel string) (nsqd.ChannelStats, bool) {
	ts, _ := n.TopicStats(topic)
	for _, cs := range ts.Channels {
		if cs.ChannelName == channel {
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
	u := "http://" + n.HTTPAddr + path + "?" + q.Encode()
	r := test.HTTPSend(t, http.MethodPost, u, b)
	require.Equal(t, http.StatusOK, r.Code, "POST %s: %s", u, r)
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
