package main

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const waitFor = 10 * time.Second

func post(t *testing.T, addr, path string, q url.Values, body string) {
	t.Helper()
	r := test.HTTPPost(t, "http://"+addr+path+"?"+q.Encode(), body)
	require.Equal(t, http.StatusOK, r.Code, "POST %s: %s", path, r)
}

// fill creates topic/channel on the nsqd and publishes n messages.
func fill(t *testing.T, addr, topic, channel string, n int) {
	t.Helper()
	post(t, addr, "/topic/create", url.Values{"topic": {topic}}, "")
	post(t, addr, "/channel/create", url.Values{"topic": {topic}, "channel": {channel}}, "")
	for range n {
		post(t, addr, "/pub", url.Values{"topic": {topic}}, "hello")
	}
}

func runStat(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr, nil)
	return code, stdout.String(), stderr.String()
}

const headers = "------rate------+----------------depth----------------+--------------metadata---------------\n" +
	"ingress  egress |   total     mem    disk inflt   def |     req     t-o         msgs clients\n"

func TestLookupdModeRows(t *testing.T) {
	l := testcluster.StartLookupd(t)
	lhttp := l.HTTPAddr
	addr := testcluster.StartNSQD(t, testcluster.WithLookupd(l.TCPAddr)).HTTPAddr
	fill(t, addr, "st", "ch", 3)
	test.Eventually(t, waitFor, func() bool {
		return test.HTTPGet(t, "http://"+lhttp+"/lookup?topic=st").Code == http.StatusOK
	}, "lookupd knows the topic")

	code, out, errOut := runStat("--lookupd-http-address="+lhttp, "--topic=st", "--channel=ch",
		"--interval=5ms", "--count=2")
	row := "      0       0 |       3       3       0     0     0 |       0       0            3       0\n"
	require.EqualValues(t, 0, code, "exit %d, stdout:\n%s\nstderr: %s", code, out, errOut)
	require.Equal(t, headers+row+row, out, "exit %d, stdout:\n%s\nstderr: %s", code, out, errOut)
}

func TestNSQDModeMergesAndRepeatsHeader(t *testing.T) {
	a, b := testcluster.StartNSQD(t).HTTPAddr, testcluster.StartNSQD(t).HTTPAddr
	fill(t, a, "st", "ch", 2)
	fill(t, b, "st", "ch", 5)
	code, out, errOut := runStat("--nsqd-http-address="+a, "--nsqd-http-address="+b, "--topic=st", "--channel=ch",
		"--interval=1ms", "--count=26")
	row := "      0       0 |       7       7       0     0     0 |       0       0            7       0\n"
	want := headers + strings.Repeat(row, 24) + headers + row + row
	require.EqualValues(t, 0, code, "exit %d, stdout:\n%s\nstderr: %s", code, out, errOut)
	require.Equal(t, want, out, "exit %d, stdout:\n%s\nstderr: %s", code, out, errOut)
}

func TestFatalErrors(t *testing.T) {
	a := testcluster.StartNSQD(t).HTTPAddr
	fill(t, a, "st", "ch", 0)
	dead := deadAddr(t)
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"--nsqd-http-address=" + a, "--topic=st", "--channel=nope"},
			"ERROR: failed to find channel(nope) in stats metadata for topic(st)"},
		{[]string{"--nsqd-http-address=" + a, "--topic=missing", "--channel=ch"},
			"ERROR: failed to get nsqd stats - failed to query any nsqd: "},
		{[]string{"--lookupd-http-address=" + dead, "--topic=st", "--channel=ch"},
			`ERROR: failed to get topic producers - failed to query any nsqlookupd: Get "http://` + dead +
				`/lookup?topic=st": dial tcp ` + dead + `: connect: connection refused`},
		{[]string{"--nsqd-http-address=" + a, "--nsqd-http-address=" + dead, "--topic=st", "--channel=ch"},
			`ERROR: failed to get topic producers - Get "http://` + dead + `/stats?format=json&include_clients=false&topic=st": dial tcp ` +
				dead + `: connect: connection refused`},
	}
	for _, c := range cases {
		code, out, errOut := runStat(c.args...)
		assert.EqualValues(t, 1, code, "%v: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
		assert.Equal(t, "", out, "%v: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
		assert.Equal(t, c.msg+"\n", stripTime(errOut), "%v: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
	}
}

func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

var timestamp = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d `)

func stripTime(s string) string {
	if !timestamp.MatchString(s) {
		return "no timestamp: " + s
	}
	return timestamp.ReplaceAllString(s, "")
}

func TestValidation(t *testing.T) {
	n := "--nsqd-http-address=127.0.0.1:4151"
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{n, "--topic=t"}, "--topic and --channel are required"},
		{[]string{n, "--topic=t", "--channel=c", "--interval=0"}, "--interval should be positive"},
		{[]string{n, "--topic=t", "--channel=c", "--http-client-connect-timeout=0"}, "--http-client-connect-timeout should be positive"},
		{[]string{n, "--topic=t", "--channel=c", "--http-client-request-timeout=0"}, "--http-client-request-timeout should be positive"},
		{[]string{n, "--topic=t", "--channel=c", "--count=0"}, "--count should be positive"},
		{[]string{"--topic=t", "--channel=c"}, "--nsqd-http-address or --lookupd-http-address required"},
		{[]string{n, "--lookupd-http-address=x:1", "--topic=t", "--channel=c"}, "use --nsqd-http-address or --lookupd-http-address not both"},
		{[]string{"--nsqd-http-address=http://x:1", "--topic=t", "--channel=c"}, "--nsqd-http-address error - address should not contain scheme"},
		{[]string{"--lookupd-http-address=http://x:1", "--topic=t", "--channel=c"}, "--lookupd-http-address error - address should not contain scheme"},
	}
	for _, c := range cases {
		code, _, errOut := runStat(c.args...)
		assert.EqualValues(t, 1, code, "%v: exit %d, stderr %q", c.args, code, errOut)
		assert.Equal(t, c.msg+"\n", stripTime(errOut), "%v: exit %d, stderr %q", c.args, code, errOut)
	}
	code, out, _ := runStat("--version")
	assert.EqualValues(t, 0, code, "--version: %d %q", code, out)
	assert.Equal(t, "nsq_stat v1.3.0\n", out, "--version: %d %q", code, out)
	code, _, errOut := runStat("--bogus")
	assert.EqualValues(t, 2, code, "--bogus: %d %q", code, errOut)
	assert.True(t, strings.HasPrefix(errOut, "flag provided but not defined: -bogus"), "--bogus: %d %q", code, errOut)
}

func TestSignalExitsZero(t *testing.T) {
	a := testcluster.StartNSQD(t).HTTPAddr
	fill(t, a, "st", "ch", 1)
	sigs := make(chan os.Signal, 1)
	exit := make(chan int, 1)
	out := &bytes.Buffer{}
	go func() {
		exit <- run([]string{"--nsqd-http-address=" + a, "--topic=st", "--channel=ch", "--interval=1h"}, out, out, sigs)
	}()
	sigs <- syscall.SIGINT
	select {
	case code := <-exit:
		require.EqualValues(t, 0, code, "exit %d, output %q", code, out.String())
		require.Equal(t, headers, out.String(), "exit %d, output %q", code, out.String())
	case <-time.After(waitFor):
		require.FailNow(t, "no exit on SIGINT")
	}
}

func TestRowRates(t *testing.T) {
	prev := &clusterinfo.ChannelStats{MessageCount: 100, Depth: 50}
	cur := &clusterinfo.ChannelStats{MessageCount: 130, Depth: 40, MemoryDepth: 30, BackendDepth: 10,
		InFlightCount: 4, DeferredCount: 2, RequeueCount: 7, TimeoutCount: 1, ClientCount: 3}
	got := row(prev, cur, 2*time.Second)
	want := "     15      20 |      40      30      10     4     2 |       7       1          130       3\n"
	assert.Equal(t, want, got, "row\n")
}
