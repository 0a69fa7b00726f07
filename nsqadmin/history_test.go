package nsqadmin_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqadmin"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type point struct {
	TS       int64 `json:"ts"`
	Depth    int64 `json:"depth"`
	InFlight int64 `json:"in_flight"`
	Deferred int64 `json:"deferred"`
	Messages int64 `json:"messages"`
	Requeued int64 `json:"requeued"`
	TimedOut int64 `json:"timed_out"`
	Clients  int64 `json:"clients"`
}

type historyDoc struct {
	Message  string             `json:"message"`
	Interval int                `json:"interval"`
	Points   []point            `json:"points"`
	Topics   map[string][]point `json:"topics"`
}

func TestHistory(t *testing.T) {
	a, b := testcluster.StartNSQD(t), testcluster.StartNSQD(t)
	a.CreateChannel(t, "h", "c")
	b.CreateChannel(t, "h", "c")
	a.PublishN(t, "h", 2)
	adm := startAdmin(t, func(o *nsqadmin.Options) {
		o.NSQDHTTPAddresses = []string{a.HTTPAddr, b.HTTPAddr}
		o.StatsInterval = time.Second
	})
	u := adm.base + "/api/history"
	var doc historyDoc
	test.Eventually(t, waitFor, func() bool {
		doc = historyDoc{}
		test.HTTPGetJSON(t, u+"?topic=h", &doc)
		return len(doc.Points) >= 1
	}, "first sample")
	b.PublishN(t, "h", 3)
	test.Eventually(t, waitFor, func() bool {
		test.HTTPGetJSON(t, u+"?topic=h", &doc)
		return doc.Points[len(doc.Points)-1].Messages == 5
	}, "cumulative message count 5")
	require.EqualValues(t, 1, doc.Interval, "topic history = %+v", doc)
	require.Equal(t, "", doc.Message, "topic history = %+v", doc)
	require.GreaterOrEqual(t, len(doc.Points), 2, "topic history = %+v", doc)
	for i := 1; i < len(doc.Points); i++ {
		p, q := doc.Points[i-1], doc.Points[i]
		assert.GreaterOrEqual(t, q.TS, p.TS, "points not in order or counter decreased: %+v then %+v", p, q)
		assert.GreaterOrEqual(t, q.Messages, p.Messages, "points not in order or counter decreased: %+v then %+v", p, q)
	}
	// The topic's messages went to its channel on both nodes.
	assert.EqualValues(t, 0, doc.Points[len(doc.Points)-1].Depth, "topic point")
	test.HTTPGetJSON(t, u+"?topic=h&channel=c", &doc)
	last := doc.Points[len(doc.Points)-1]
	assert.EqualValues(t, 5, last.Depth, "channel point %+v", last)
	assert.EqualValues(t, 5, last.Messages, "channel point %+v", last)
	test.HTTPGetJSON(t, u+"?node="+b.HTTPAddr, &doc)
	assert.EqualValues(t, 3, doc.Points[len(doc.Points)-1].Messages, "node point")
	doc = historyDoc{}
	test.HTTPGetJSON(t, u, &doc)
	require.Len(t, doc.Topics, 1, "all topics = %+v", doc)
	require.GreaterOrEqual(t, len(doc.Topics["h"]), 2, "all topics = %+v", doc)
	require.Nil(t, doc.Points, "all topics = %+v", doc)
	expect(t, 404, "GET", u+"?topic=nope", "", `{"message":"NOT_FOUND"}`)
	expect(t, 404, "GET", u+"?topic=h&channel=nope", "", `{"message":"NOT_FOUND"}`)
	expect(t, 404, "GET", u+"?node=127.0.0.1:1", "", `{"message":"NOT_FOUND"}`)
	expect(t, 400, "GET", u+"?channel=c", "", `{"message":"MISSING_ARG_TOPIC"}`)
}

func TestStartupValidation(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a pem"), 0o600)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	for _, c := range []struct {
		set  func(*nsqadmin.Options)
		want string
	}{
		{func(o *nsqadmin.Options) {}, "--nsqd-http-address or --lookupd-http-address required"},
		{func(o *nsqadmin.Options) {
			o.NSQLookupdHTTPAddresses = []string{"a:1"}
			o.NSQDHTTPAddresses = []string{"b:2"}
		},
			"use --nsqd-http-address or --lookupd-http-address not both"},
		{func(o *nsqadmin.Options) { o.HTTPClientTLSCert = junk },
			"--http-client-tls-key must be specified with --http-client-tls-cert"},
		{func(o *nsqadmin.Options) { o.HTTPClientTLSKey = junk },
			"--http-client-tls-cert must be specified with --http-client-tls-key"},
		{func(o *nsqadmin.Options) { o.HTTPClientTLSCert, o.HTTPClientTLSKey = junk, junk },
			"failed to LoadX509KeyPair " + junk + ", " + junk + " - "},
		{func(o *nsqadmin.Options) { o.HTTPClientTLSRootCAFile = filepath.Join(dir, "missing") },
			"failed to read TLS root CA file " + filepath.Join(dir, "missing") + " - "},
		{func(o *nsqadmin.Options) { o.HTTPClientTLSRootCAFile = junk }, "failed to AppendCertsFromPEM " + junk},
		{func(o *nsqadmin.Options) { o.NSQDHTTPAddresses = []string{"nohostport"} },
			"failed to resolve --nsqd-http-address (nohostport) - "},
		{func(o *nsqadmin.Options) { o.NSQDHTTPAddresses = nil; o.NSQLookupdHTTPAddresses = []string{"x"} },
			"failed to resolve --lookupd-http-address (x) - "},
		{func(o *nsqadmin.Options) { o.ProxyGraphite, o.GraphiteURL = true, "http://[::1" },
			"failed to parse --graphite-url (http://[::1) - "},
		{func(o *nsqadmin.Options) { o.AllowConfigFromCIDR = "10.0.0.0/99" },
			"failed to parse --allow-config-from-cidr (10.0.0.0/99) - "},
		{func(o *nsqadmin.Options) { o.StatsInterval = time.Millisecond }, "--stats-interval must be at least 1s"},
		{func(o *nsqadmin.Options) { o.HTTPAddress = busy.Addr().String() },
			"listen (" + busy.Addr().String() + ") failed - "},
	} {
		opts := nsqadmin.NewOptions()
		opts.HTTPAddress = "127.0.0.1:0"
		opts.Logger = test.NewLogger(t)
		if !strings.Contains(c.want, "required") {
			opts.NSQDHTTPAddresses = []string{"127.0.0.1:4151"}
		}
		c.set(opts)
		n, err := nsqadmin.New(opts)
		if n != nil {
			n.Exit()
		}
		if assert.Error(t, err, "want %q", c.want) {
			assert.True(t, strings.HasPrefix(err.Error(), c.want), "want %q, got %v", c.want, err)
		}
	}
}

func TestExitWithoutMainAndTwice(t *testing.T) {
	opts := nsqadmin.NewOptions()
	opts.HTTPAddress = "127.0.0.1:0"
	opts.Logger = test.NewLogger(t)
	opts.NSQDHTTPAddresses = []string{"127.0.0.1:4151"}
	opts.NotificationHTTPEndpoint = "http://127.0.0.1:1/"
	n, err := nsqadmin.New(opts)
	require.NoError(t, err)
	n.Exit()
	n.Exit()
	_, err = net.Dial("tcp", n.RealHTTPAddr().String())
	require.Error(t, err, "still listening after Exit")
}
