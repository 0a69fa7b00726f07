package nsqadmin_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqadmin"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

const waitFor = 10 * time.Second

// nsqdTopic is the part of nsqd's /stats the tests check.
type nsqdTopic struct {
	TopicName string `json:"topic_name"`
	Depth     int64  `json:"depth"`
	Paused    bool   `json:"paused"`
	Channels  []struct {
		ChannelName string `json:"channel_name"`
		Depth       int64  `json:"depth"`
		Paused      bool   `json:"paused"`
	} `json:"channels"`
}

// topicOf returns nd's stats of topic, read from its /stats, or nil when
// it has none.
func topicOf(t *testing.T, nd *testcluster.NSQD, topic string) *nsqdTopic {
	t.Helper()
	var doc struct {
		Topics []*nsqdTopic `json:"topics"`
	}
	test.HTTPGetJSON(t, "http://"+nd.HTTPAddr+"/stats?format=json", &doc)
	for _, ts := range doc.Topics {
		if ts.TopicName == topic {
			return ts
		}
	}
	return nil
}

// admin is a running nsqadmin.
type admin struct {
	n    *nsqadmin.NSQAdmin
	base string // http://host:port
	addr string
}

func startAdmin(t *testing.T, configure func(*nsqadmin.Options)) *admin {
	t.Helper()
	opts := nsqadmin.NewOptions()
	opts.HTTPAddress = "127.0.0.1:0"
	opts.Logger = test.NewLogger(t)
	configure(opts)
	n, err := nsqadmin.New(opts)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- n.Main() }()
	t.Cleanup(func() { n.Exit(); <-done })
	addr := n.RealHTTPAddr().String()
	return &admin{n: n, base: "http://" + addr, addr: addr}
}

func lookupdMode(addrs ...string) func(*nsqadmin.Options) {
	return func(o *nsqadmin.Options) { o.NSQLookupdHTTPAddresses = addrs }
}

func nsqdMode(addrs ...string) func(*nsqadmin.Options) {
	return func(o *nsqadmin.Options) { o.NSQDHTTPAddresses = addrs }
}

// expect sends a request and requires status code and, unless want is
// "", exactly the body want.
func expect(t *testing.T, code int, method, u, body, want string) string {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	resp := test.HTTPSend(t, method, u, b)
	require.Equal(t, code, resp.Code, "%s %s: %s", method, u, resp)
	if want != "" {
		require.Equal(t, want, string(resp.Body), "%s %s: %s", method, u, resp)
	}
	return string(resp.Body)
}

// waitProducers polls the lookupd until topic has n producers.
func waitProducers(t *testing.T, lookupdHTTP, topic string, n int) {
	t.Helper()
	test.Eventually(t, waitFor, func() bool {
		resp, err := http.Get("http://" + lookupdHTTP + "/lookup?topic=" + url.QueryEscape(topic))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var doc struct {
			Producers []json.RawMessage `json:"producers"`
		}
		return json.NewDecoder(resp.Body).Decode(&doc) == nil && len(doc.Producers) == n
	}, fmt.Sprintf("%d producers of %s", n, topic))
}

// deadAddr returns an address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	return addr
}

// cluster is one lookupd and two nsqd registered to it, topic "t" with
// channel "c" on both, 3 messages on a and 2 on b, and an admin.
type cluster struct {
	l    *testcluster.Lookupd
	a, b *testcluster.NSQD
	adm  *admin
}

func startCluster(t *testing.T, configure ...func(*nsqadmin.Options)) *cluster {
	t.Helper()
	c := &cluster{l: testcluster.StartLookupd(t)}
	c.a, c.b = testcluster.StartNSQD(t, testcluster.WithLookupd(c.l.TCPAddr)), testcluster.StartNSQD(t, testcluster.WithLookupd(c.l.TCPAddr))
	c.a.CreateChannel(t, "t", "c")
	c.b.CreateChannel(t, "t", "c")
	c.a.PublishN(t, "t", 3)
	c.b.PublishN(t, "t", 2)
	waitProducers(t, c.l.HTTPAddr, "t", 2)
	c.adm = startAdmin(t, func(o *nsqadmin.Options) {
		o.NSQLookupdHTTPAddresses = []string{c.l.HTTPAddr}
		for _, f := range configure {
			f(o)
		}
	})
	return c
}

// global returns the JavaScript expression the shell assigns to the
// global name, spaces trimmed.
func global(t *testing.T, shell, name string) string {
	t.Helper()
	m := regexp.MustCompile(`var ` + name + ` = (.*?);`).FindStringSubmatch(shell)
	require.NotNil(t, m, "no global %s in the shell", name)
	return strings.TrimSpace(m[1])
}
