package clusterinfo_test

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/nsqlookupd"
)

const waitFor = 10 * time.Second

func startLookupd(t *testing.T) string {
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
	t.Cleanup(func() { l.Exit(); <-done })
	return l.RealTCPAddr().String() + "|" + l.RealHTTPAddr().String()
}

// node is a running nsqd.
type node struct {
	n    *nsqd.NSQD
	http string
	stop func()
}

func startNSQD(t *testing.T, lookupdTCP ...string) *node {
	t.Helper()
	opts := nsqd.NewOptions()
	opts.TCPAddress, opts.HTTPAddress, opts.HTTPSAddress = "127.0.0.1:0", "127.0.0.1:0", ""
	opts.BroadcastAddress = "127.0.0.1"
	opts.DataPath = t.TempDir()
	opts.Logger = test.NewLogger(t)
	opts.NSQLookupdTCPAddresses = lookupdTCP
	n, err := nsqd.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Main() }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			n.Exit()
			<-done
		}
	}
	t.Cleanup(stop)
	return &node{n: n, http: n.RealHTTPAddr().String(), stop: stop}
}

func splitLookupd(addrs string) (tcp, http string) {
	tcp, http, _ = strings.Cut(addrs, "|")
	return tcp, http
}

func (nd *node) post(t *testing.T, path string, q url.Values, body string) {
	t.Helper()
	u := "http://" + nd.http + path + "?" + q.Encode()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	test.HTTPExpect(t, http.StatusOK, http.MethodPost, u, b)
}

func (nd *node) createChannel(t *testing.T, topic, channel string) {
	t.Helper()
	nd.post(t, "/topic/create", url.Values{"topic": {topic}}, "")
	nd.post(t, "/channel/create", url.Values{"topic": {topic}, "channel": {channel}}, "")
}

func (nd *node) publish(t *testing.T, topic string, n int) {
	t.Helper()
	for range n {
		nd.post(t, "/pub", url.Values{"topic": {topic}}, "msg")
	}
}

func newCI(t *testing.T) *clusterinfo.ClusterInfo {
	return clusterinfo.New(nil, httpapi.NewClient(nil, time.Second, 5*time.Second))
}

// deadAddr returns an address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// waitTopics polls the lookupd until its topic list is want.
func waitTopics(t *testing.T, ci *clusterinfo.ClusterInfo, lookupdHTTP string, want ...string) {
	t.Helper()
	test.Eventually(t, waitFor, func() bool {
		got, err := ci.GetLookupdTopics([]string{lookupdHTTP})
		return err == nil && slices.Equal(got, want)
	}, "lookupd lists topics "+strings.Join(want, ","))
}
