package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastRetry makes go-nsq redeliver a requeued message at once.
var fastRetry = []string{"--consumer-opt=default_requeue_delay,0", "--consumer-opt=max_backoff_duration,0"}

func TestPost(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	e := newEndpoint(t, nil)
	test.Publish(t, addr, "posts", "hello", "with\nnewline")
	startApp(t, "--topic=posts", "--nsqd-tcp-address="+addr, "--post="+e.URL+"/in?x=1",
		"--content-type=text/plain", "--header=X-Custom:  v1 ", "--header", "X-Other: a:b", "-n=1")
	test.Eventually(t, 5*time.Second, func() bool { return e.count() == 2 })
	for i, want := range []string{"hello", "with\nnewline"} {
		r := e.got()[i]
		assert.Equal(t, http.MethodPost, r.method, "request %d: %s %s %q", i, r.method, r.uri, r.body)
		assert.Equal(t, "/in?x=1", r.uri, "request %d: %s %s %q", i, r.method, r.uri, r.body)
		assert.Equal(t, want, r.body, "request %d: %s %s %q", i, r.method, r.uri, r.body)
		checkHeader(t, r, "User-Agent", "nsq_to_http v1.3.0")
		checkHeader(t, r, "Content-Type", "text/plain")
		checkHeader(t, r, "X-Custom", "v1")
		checkHeader(t, r, "X-Other", "a:b")
	}
	test.Eventually(t, 5*time.Second, func() bool { return n.Drained("posts", "nsq_to_http", 2) })
}

func checkHeader(t *testing.T, r request, key, want string) {
	t.Helper()
	assert.Equal(t, []string{want}, r.header.Values(key), "header %s", key)
}

func TestPostDefaultContentTypeAndOverride(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	e := newEndpoint(t, nil)
	test.Publish(t, addr, "ct", "x")
	startApp(t, "--topic=ct", "--nsqd-tcp-address="+addr, "--post="+e.URL, "--header=User-Agent: mine")
	test.Eventually(t, 5*time.Second, func() bool { return e.count() == 1 })
	r := e.got()[0]
	checkHeader(t, r, "Content-Type", "application/octet-stream")
	checkHeader(t, r, "User-Agent", "mine")
}

func TestGetTemplate(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	e := newEndpoint(t, nil)
	test.Publish(t, addr, "gets", "a b&c=d/é")
	startApp(t, "--topic=gets", "--nsqd-tcp-address="+addr, "--get="+e.URL+"/get?data=%s&k=v", "--header=X-H: 1")
	test.Eventually(t, 5*time.Second, func() bool { return e.count() == 1 })
	r := e.got()[0]
	require.Equal(t, http.MethodGet, r.method)
	require.Equal(t, "/get?data=a+b%26c%3Dd%2F%C3%A9&k=v", r.uri)
	require.Equal(t, "", r.body)
	checkHeader(t, r, "User-Agent", "nsq_to_http v1.3.0")
	checkHeader(t, r, "X-H", "1")
	assert.Equal(t, "", r.header.Get("Content-Type"), "GET carries Content-Type")
}

// TestFailureRequeues: POST accepts any 2xx, GET only 200; everything else,
// like a 500 or a 404, requeues and the message is delivered again.
func TestFailureRequeues(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, flag string
		first, ok  int
	}{
		{"post500", "--post", http.StatusInternalServerError, http.StatusAccepted},
		{"post404", "--post", http.StatusNotFound, http.StatusNoContent},
		{"get201", "--get", http.StatusCreated, http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			n := testcluster.StartNSQD(t)
			addr := n.RealTCPAddr().String()
			e := newEndpoint(t, func(_ request, seen int) int {
				if seen == 0 {
					return c.first
				}
				return c.ok
			})
			test.Publish(t, addr, "retry", "m1", "m2")
			url := e.URL + "/?m=%s"
			a := startApp(t, append(fastRetry, "--topic=retry", "--nsqd-tcp-address="+addr, c.flag+"="+url, "-n=1")...)
			test.Eventually(t, 5*time.Second, func() bool { return n.Drained("retry", "nsq_to_http", 2) })
			require.EqualValues(t, 4, e.count(), "%d requests", e.count())
			cs, _ := n.ChannelStats("retry", "nsq_to_http")
			require.EqualValues(t, 2, cs.RequeueCount, "requeue count %d", cs.RequeueCount)
			assert.Contains(t, a.Stderr.String(), fmt.Sprintf("got status code %d", c.first), "stderr lacks the failure: %q", a.Stderr)
		})
	}
}

func TestRoundRobin(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	e1, e2 := newEndpoint(t, nil), newEndpoint(t, nil)
	bodies := numbered("rr", 10)
	test.Publish(t, addr, "rr", bodies...)
	a := startApp(t, "--topic=rr", "--nsqd-tcp-address="+addr, "--post="+e1.URL, "--post="+e2.URL,
		"--mode=round-robin", "--status-every=5")
	test.Eventually(t, 5*time.Second, func() bool { return n.Drained("rr", "nsq_to_http", 10) })
	require.EqualValues(t, 5, e1.count(), "endpoint counts %d and %d", e1.count(), e2.count())
	require.EqualValues(t, 5, e2.count(), "endpoint counts %d and %d", e1.count(), e2.count())
	checkExactlyOnce(t, bodies, e1, e2)
	logs := a.Stderr.String()
	for _, prefix := range []string{"[aggregate]:", "[" + e1.URL + "]:", "[" + e2.URL + "]:"} {
		assert.Contains(t, logs, prefix+" finished 5 - 99th: ", "no %s timing line in %q", prefix, logs)
	}
	assert.Contains(t, logs, "WARNING: [aggregate]: --status-every 5 is below 100", "no percentile warning in %q", logs)
}

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}

// checkExactlyOnce: the endpoints together saw each body exactly once.
func checkExactlyOnce(t *testing.T, bodies []string, es ...*endpoint) {
	t.Helper()
	var got []string
	for _, e := range es {
		for _, r := range e.got() {
			got = append(got, r.body)
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(bodies))
	require.Equal(t, want, got, "endpoints received %d bodies %q", len(got), got)
}

func TestHealthyDeliversExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"hostpool", "epsilon-greedy"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			n := testcluster.StartNSQD(t)
			addr := n.RealTCPAddr().String()
			e1, e2 := newEndpoint(t, nil), newEndpoint(t, nil)
			bodies := numbered("once", 300)
			test.Publish(t, addr, "once", bodies...)
			startApp(t, "--topic=once", "--nsqd-tcp-address="+addr, "--post="+e1.URL, "--post="+e2.URL,
				"--mode="+mode, "--status-every=0")
			test.Eventually(t, 10*time.Second, func() bool { return n.Drained("once", "nsq_to_http", 300) })
			checkExactlyOnce(t, bodies, e1, e2)
			assert.NotEqualValues(t, 0, e1.count(), "one endpoint unused: %d and %d", e1.count(), e2.count())
			assert.NotEqualValues(t, 0, e2.count(), "one endpoint unused: %d and %d", e1.count(), e2.count())
		})
	}
}

// TestHostPoolAvoidsFailingHost: the failing endpoint is marked dead after
// its first failure, and the requeued message goes to the healthy one.
func TestHostPoolAvoidsFailingHost(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	bad := newEndpoint(t, func(request, int) int { return http.StatusServiceUnavailable })
	good := newEndpoint(t, nil)
	bodies := numbered("hp", 20)
	test.Publish(t, addr, "hp", bodies...)
	startApp(t, append(fastRetry, "--topic=hp", "--nsqd-tcp-address="+addr, "--post="+bad.URL,
		"--post="+good.URL, "-n=1")...)
	test.Eventually(t, 5*time.Second, func() bool { return n.Drained("hp", "nsq_to_http", 20) })
	checkExactlyOnce(t, bodies, good)
	require.EqualValues(t, 1, bad.count(), "failing endpoint")
}

// TestAllMode: an unknown mode sends each message to every endpoint.
func TestAllMode(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	e1, e2 := newEndpoint(t, nil), newEndpoint(t, nil)
	bodies := numbered("all", 5)
	test.Publish(t, addr, "all", bodies...)
	startApp(t, "--topic=all", "--nsqd-tcp-address="+addr, "--post="+e1.URL, "--post="+e2.URL, "--mode=all")
	test.Eventually(t, 5*time.Second, func() bool { return n.Drained("all", "nsq_to_http", 5) })
	checkExactlyOnce(t, bodies, e1)
	checkExactlyOnce(t, bodies, e2)
}

func TestSampleZeroSkips(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	e := newEndpoint(t, nil)
	test.Publish(t, addr, "sample", numbered("s", 10)...)
	startApp(t, "--topic=sample", "--nsqd-tcp-address="+addr, "--post="+e.URL, "--sample=0")
	test.Eventually(t, 5*time.Second, func() bool { return n.Drained("sample", "nsq_to_http", 10) })
	require.EqualValues(t, 0, e.count(), "%d requests with --sample=0", e.count())
}

func TestSignalStopsAfterInFlight(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	release := make(chan struct{})
	e := newEndpoint(t, func(request, int) int {
		<-release
		return http.StatusOK
	})
	test.Publish(t, addr, "slow", "one")
	a := startApp(t, "--topic=slow", "--nsqd-tcp-address="+addr, "--post="+e.URL)
	test.Eventually(t, 5*time.Second, func() bool { return e.count() == 1 })
	a.Stop <- os.Interrupt
	select {
	case <-a.Code:
		require.FailNow(t, "exited while a delivery was in progress")
	default:
	}
	close(release)
	a.Shutdown(t)
	require.True(t, n.Drained("slow", "nsq_to_http", 1), "in-flight message was not FINished before exit")
}

func TestFlags(t *testing.T) {
	t.Parallel()
	base := []string{"--topic=t", "--nsqd-tcp-address=a:1"}
	cases := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--header=novalue", "--channel="}, 1, "--header value format should be 'key=value'"},
		{[]string{"--header=k:", "--topic=t"}, 1, "--header value format should be 'key=value'"},
		{[]string{"--header=:v", "--topic=t"}, 1, "--header value format should be 'key=value'"},
		{[]string{"--post=http://x/"}, 1, "--topic and --channel are required"},
		{[]string{"--topic=t", "--channel="}, 1, "--topic and --channel are required"},
		{append(base, "--content-type=text/plain", "--get=http://x/%s"), 1, "--content-type only used with --post"},
		{append(base, "--content-type=", "--post=http://x/"), 1, "--content-type requires a value when used"},
		{[]string{"--topic=t", "--post=http://x/"}, 1, "--nsqd-tcp-address or --lookupd-http-address required"},
		{[]string{"--topic=t", "--nsqd-tcp-address=a:1", "--lookupd-http-address=b:2"}, 1,
			"use --nsqd-tcp-address or --lookupd-http-address not both"},
		{base, 1, "--get or --post required"},
		{append(base, "--get=http://x/%s", "--post=http://y/"), 1, "use --get or --post not both"},
		{append(base, "--get=http://x/"), 1, "invalid GET address - must be a printf string"},
		{append(base, "--get=http://x/%s/%s"), 1, "invalid GET address - must be a printf string"},
		{append(base, "--post=http://x/", "--sample=1.5"), 1, "ERROR: --sample must be between 0.0 and 1.0"},
		{append(base, "--post=http://x/", "--sample=-0.1"), 1, "ERROR: --sample must be between 0.0 and 1.0"},
		{[]string{"--consumer-opt=nope,1"}, 2, `invalid value "nope,1" for flag -consumer-opt: invalid option nope`},
		{[]string{"-h"}, 0, "Usage of nsq_to_http:"},
	}
	for _, c := range cases {
		stderr := &test.Buffer{}
		code := run(c.args, io.Discard, stderr, nil)
		assert.Equal(t, c.code, code, "%q: code %d stderr %q", c.args, code, stderr)
		assert.Contains(t, stderr.String(), c.stderr, "%q: code %d stderr %q", c.args, code, stderr)
	}
	stdout := &test.Buffer{}
	require.EqualValues(t, 0, run([]string{"--version"}, stdout, io.Discard, nil), "--version")
	assert.Equal(t, "nsq_to_http v1.3.0\n", stdout.String(), "--version")
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	o, _, ok := parseFlags([]string{"--topic=t", "--nsqd-tcp-address=a:1", "--post=http://x/"}, io.Discard)
	require.True(t, ok, "flags rejected")
	require.Nil(t, o.validate(), "flags rejected")
	assert.Equal(t, "nsq_to_http", o.channel, "defaults %+v", o)
	assert.Equal(t, "hostpool", o.mode, "defaults %+v", o)
	assert.EqualValues(t, 100, o.numPublishers, "defaults %+v", o)
	assert.EqualValues(t, 200, o.cfg.MaxInFlight, "defaults %+v", o)
	assert.EqualValues(t, 1, o.sample, "defaults %+v", o)
	assert.Equal(t, 2*time.Second, o.connectTimeout, "defaults %+v", o)
	assert.Equal(t, 20*time.Second, o.requestTimeout, "defaults %+v", o)
	assert.EqualValues(t, 250, o.statusEvery, "defaults %+v", o)
	assert.Equal(t, "application/octet-stream", o.contentType, "defaults %+v", o)
	assert.Equal(t, "nsq_to_http/1.3.0 go-nsq/1.1.0", o.cfg.UserAgent, "user agent %q", o.cfg.UserAgent)
}
