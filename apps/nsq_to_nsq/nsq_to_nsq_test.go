package main

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}

// sameSet compares got and want ignoring order.
func sameSet(got, want []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want)))
}

func TestRelaysToAnotherNSQD(t *testing.T) {
	t.Parallel()
	src, dst := testcluster.StartNSQD(t), testcluster.StartNSQD(t)
	srcAddr, dstAddr := src.RealTCPAddr().String(), dst.RealTCPAddr().String()
	bodies := numbered("relay", 20)
	test.Publish(t, srcAddr, "orders", bodies...)
	startApp(t, "--topic=orders", "--nsqd-tcp-address="+srcAddr, "--destination-nsqd-tcp-address="+dstAddr)
	col := test.Collect(t, "orders", "sink", dstAddr)
	test.Eventually(t, 5*time.Second, func() bool { return col.Len() >= len(bodies) })
	test.Eventually(t, 5*time.Second, func() bool { return src.Drained("orders", "nsq_to_nsq", 20) })
	require.True(t, sameSet(col.Bodies(), bodies), "destination")
}

func TestDestinationTopicViaLookupd(t *testing.T) {
	t.Parallel()
	l := testcluster.StartLookupd(t)
	src, dst := testcluster.StartNSQD(t, testcluster.WithLookupd(l.RealTCPAddr().String())), testcluster.StartNSQD(t)
	srcAddr, dstAddr := src.RealTCPAddr().String(), dst.RealTCPAddr().String()
	test.Publish(t, srcAddr, "t1", "from-t1")
	test.Publish(t, srcAddr, "t2", "from-t2")
	for _, topic := range []string{"t1", "t2"} {
		url := "http://" + l.RealHTTPAddr().String() + "/lookup?topic=" + topic
		test.Eventually(t, 5*time.Second, func() bool {
			resp, err := http.Get(url)
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		}, "lookupd knows "+topic)
	}
	startApp(t, "--topic=t1", "--topic=t2", "--destination-topic=merged", "--channel=relay",
		"--lookupd-http-address="+l.RealHTTPAddr().String(), "--destination-nsqd-tcp-address="+dstAddr)
	col := test.Collect(t, "merged", "sink", dstAddr)
	test.Eventually(t, 5*time.Second, func() bool { return col.Len() >= 2 })
	require.ElementsMatch(t, []string{"from-t1", "from-t2"}, col.Bodies(), "merged")
}

// TestRoundRobin: "round-robin", like any unknown mode, alternates between
// the destinations.
func TestRoundRobin(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"round-robin", "no-such-mode"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			src, d1, d2 := testcluster.StartNSQD(t), testcluster.StartNSQD(t), testcluster.StartNSQD(t)
			srcAddr := src.RealTCPAddr().String()
			bodies := numbered("rr", 10)
			test.Publish(t, srcAddr, "rr", bodies...)
			a := startApp(t, "--topic=rr", "--nsqd-tcp-address="+srcAddr, "--mode="+mode, "--status-every=5",
				"--destination-nsqd-tcp-address="+d1.RealTCPAddr().String(),
				"--destination-nsqd-tcp-address="+d2.RealTCPAddr().String())
			test.Eventually(t, 5*time.Second, func() bool { return src.Drained("rr", "nsq_to_nsq", 10) })
			c1 := test.Collect(t, "rr", "sink", d1.RealTCPAddr().String())
			c2 := test.Collect(t, "rr", "sink", d2.RealTCPAddr().String())
			test.Eventually(t, 5*time.Second, func() bool { return c1.Len()+c2.Len() >= 10 })
			require.EqualValues(t, 5, c1.Len(), "destinations")
			require.EqualValues(t, 5, c2.Len(), "destinations")
			require.True(t, sameSet(append(c1.Bodies(), c2.Bodies()...), bodies), "destinations")
			logs := a.Stderr.String()
			assert.Contains(t, logs, "[aggregate]: finished 10 - 99th: ")
			assert.Contains(t, logs, "["+d1.RealTCPAddr().String()+"]: finished 5 - ")
		})
	}
}

func TestHostPoolModes(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"hostpool", "epsilon-greedy"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			src, d1, d2 := testcluster.StartNSQD(t), testcluster.StartNSQD(t), testcluster.StartNSQD(t)
			srcAddr := src.RealTCPAddr().String()
			bodies := numbered("hp", 100)
			test.Publish(t, srcAddr, "hp", bodies...)
			startApp(t, "--topic=hp", "--nsqd-tcp-address="+srcAddr, "--mode="+mode,
				"--destination-nsqd-tcp-address="+d1.RealTCPAddr().String(),
				"--destination-nsqd-tcp-address="+d2.RealTCPAddr().String())
			test.Eventually(t, 5*time.Second, func() bool { return src.Drained("hp", "nsq_to_nsq", 100) })
			c1 := test.Collect(t, "hp", "sink", d1.RealTCPAddr().String())
			c2 := test.Collect(t, "hp", "sink", d2.RealTCPAddr().String())
			test.Eventually(t, 5*time.Second, func() bool { return c1.Len()+c2.Len() >= 100 })
			require.True(t, sameSet(append(c1.Bodies(), c2.Bodies()...), bodies), "destinations")
		})
	}
}

func TestJSONFilterAndWhitelist(t *testing.T) {
	t.Parallel()
	src, dst := testcluster.StartNSQD(t), testcluster.StartNSQD(t)
	srcAddr, dstAddr := src.RealTCPAddr().String(), dst.RealTCPAddr().String()
	test.Publish(t, srcAddr, "js",
		`{"kind":"click","a":1,"b":"x","c":2.5}`,
		`{"kind":"view","a":2}`,
		`not json`,
		`[1,2]`,
		`{"kind":"click","b":"only b"}`,
		`{"kind":"click","a":1e3,"c":[1,{"d":null}]}`,
	)
	a := startApp(t, "--topic=js", "--nsqd-tcp-address="+srcAddr, "--destination-nsqd-tcp-address="+dstAddr,
		"--require-json-field=kind", "--require-json-value=click",
		"--whitelist-json-field=a", "--whitelist-json-field=c")
	test.Eventually(t, 5*time.Second, func() bool { return src.Drained("js", "nsq_to_nsq", 6) })
	col := test.Collect(t, "js", "sink", dstAddr)
	want := []string{`{"a":1,"c":2.5}`, `{}`, `{"a":1000,"c":[1,{"d":null}]}`}
	test.Eventually(t, 5*time.Second, func() bool { return col.Len() >= len(want) })
	require.True(t, sameSet(col.Bodies(), want), "destination")
	for _, line := range []string{"ERROR: Unable to decode json: not json", "ERROR: Unable to decode json: [1,2]"} {
		assert.Contains(t, a.Stderr.String(), line, "stderr lacks %q", line)
	}
}

// TestMissingRequiredFieldRequeues: a required value whose field is absent
// is an error, so the message is requeued rather than dropped.
func TestMissingRequiredFieldRequeues(t *testing.T) {
	t.Parallel()
	src, dst := testcluster.StartNSQD(t), testcluster.StartNSQD(t)
	srcAddr := src.RealTCPAddr().String()
	test.Publish(t, srcAddr, "miss", `{"other":1}`)
	a := startApp(t, "--topic=miss", "--nsqd-tcp-address="+srcAddr,
		"--destination-nsqd-tcp-address="+dst.RealTCPAddr().String(),
		"--require-json-field=kind", "--require-json-value=click")
	test.Eventually(t, 5*time.Second, func() bool {
		cs, ok := src.ChannelStats("miss", "nsq_to_nsq")
		return ok && cs.RequeueCount >= 1
	})
	assert.Contains(t, a.Stderr.String(), "ERROR: missing field to check required value", "stderr %q", a.Stderr)
}

func TestShutdownAnswersEverything(t *testing.T) {
	t.Parallel()
	src, dst := testcluster.StartNSQD(t), testcluster.StartNSQD(t)
	srcAddr := src.RealTCPAddr().String()
	bodies := numbered("stop", 200)
	test.Publish(t, srcAddr, "stop", bodies...)
	a := startApp(t, "--topic=stop", "--nsqd-tcp-address="+srcAddr,
		"--destination-nsqd-tcp-address="+dst.RealTCPAddr().String())
	test.Eventually(t, 5*time.Second, func() bool {
		cs, ok := src.ChannelStats("stop", "nsq_to_nsq")
		return ok && cs.MessageCount > 0
	})
	a.Shutdown(t)
	// Every message the relay received was answered (FIN) before the
	// connection closed: none requeued, and what left the source arrived
	// exactly once. nsqd may still be reading the last FINs from the closed
	// connection, so wait for them. One message may stay in flight: one that
	// nsqd's pump had taken as CLS arrived and wrote after CLOSE_WAIT, which
	// go-nsq no longer reads; it comes back at its timeout.
	var cs nsqd.ChannelStats
	var relayed uint64
	balanced := func() bool {
		cs, _ = src.ChannelStats("stop", "nsq_to_nsq")
		relayed = topicCount(dst, "stop")
		return cs.InFlightCount <= 1 && uint64(cs.Depth)+uint64(cs.InFlightCount)+relayed == 200
	}
	if !assert.Eventually(t, balanced, 5*time.Second, 10*time.Millisecond) {
		t.Logf("left at the source %d, in flight %d, relayed %d", cs.Depth, cs.InFlightCount, relayed)
	}
	assert.Zero(t, cs.RequeueCount, "requeued")
	assert.Zero(t, cs.TimeoutCount, "timed out")
}

func topicCount(n *testcluster.NSQD, topic string) uint64 {
	for _, ts := range n.GetStats(topic, "", false).Topics {
		return ts.MessageCount
	}
	return 0
}

func TestFlags(t *testing.T) {
	t.Parallel()
	src := []string{"--nsqd-tcp-address=a:1"}
	cases := []struct {
		args   []string
		code   int
		stderr string
	}{
		{src, 1, "--topic and --channel are required"},
		{[]string{"--topic=t", "--channel="}, 1, "--topic and --channel are required"},
		{[]string{"--topic=ok", "--topic=bad/name"}, 1, "--topic is invalid"},
		{[]string{"--topic=t", "--destination-topic=a b"}, 1, "--destination-topic is invalid"},
		{[]string{"--topic=t", "--channel=c!"}, 1, "--channel is invalid"},
		{[]string{"--topic=t"}, 1, "--nsqd-tcp-address or --lookupd-http-address required"},
		{[]string{"--topic=t", "--nsqd-tcp-address=a:1", "--lookupd-http-address=b:2"}, 1,
			"use --nsqd-tcp-address or --lookupd-http-address not both"},
		{append(src, "--topic=t"), 1, "--destination-nsqd-tcp-address required"},
		{[]string{"--producer-opt=nope"}, 2, `invalid value "nope" for flag -producer-opt: invalid option nope`},
		{[]string{"--consumer-opt=nope"}, 2, `invalid value "nope" for flag -consumer-opt: invalid option nope`},
		{[]string{"-h"}, 0, "Usage of nsq_to_nsq:"},
	}
	for _, c := range cases {
		stderr := &test.Buffer{}
		code := run(c.args, io.Discard, stderr, nil)
		assert.Equal(t, c.code, code, "%q: code %d stderr %q", c.args, code, stderr)
		assert.Contains(t, stderr.String(), c.stderr, "%q: code %d stderr %q", c.args, code, stderr)
	}
	stdout := &test.Buffer{}
	require.EqualValues(t, 0, run([]string{"--version"}, stdout, io.Discard, nil), "--version")
	assert.Equal(t, "nsq_to_nsq v1.3.0\n", stdout.String(), "--version")
}
