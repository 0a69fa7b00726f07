package main

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
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
	if got := col.Bodies(); !sameSet(got, bodies) {
		t.Fatalf("destination got %q", got)
	}
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
	if got := col.Bodies(); !sameSet(got, []string{"from-t1", "from-t2"}) {
		t.Fatalf("merged got %q", got)
	}
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
			if c1.Len() != 5 || c2.Len() != 5 || !sameSet(append(c1.Bodies(), c2.Bodies()...), bodies) {
				t.Fatalf("destinations got %q and %q", c1.Bodies(), c2.Bodies())
			}
			if logs := a.Stderr.String(); !strings.Contains(logs, "[aggregate]: finished 10 - 99th: ") ||
				!strings.Contains(logs, "["+d1.RealTCPAddr().String()+"]: finished 5 - ") {
				t.Errorf("no timing lines in %q", logs)
			}
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
			if !sameSet(append(c1.Bodies(), c2.Bodies()...), bodies) {
				t.Fatalf("destinations got %d and %d messages", c1.Len(), c2.Len())
			}
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
	if got := col.Bodies(); !sameSet(got, want) {
		t.Fatalf("destination got %q, want %q", got, want)
	}
	for _, line := range []string{"ERROR: Unable to decode json: not json", "ERROR: Unable to decode json: [1,2]"} {
		if !strings.Contains(a.Stderr.String(), line) {
			t.Errorf("stderr lacks %q", line)
		}
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
	if !strings.Contains(a.Stderr.String(), "ERROR: missing field to check required value") {
		t.Errorf("stderr %q", a.Stderr)
	}
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
	// Every message handed out was answered (FIN) before the connection
	// closed: none requeued, and what left the source arrived exactly once.
	cs, _ := src.ChannelStats("stop", "nsq_to_nsq")
	relayed := topicCount(dst, "stop")
	if cs.InFlightCount != 0 || cs.RequeueCount != 0 || cs.TimeoutCount != 0 || uint64(cs.Depth)+relayed != 200 {
		t.Fatalf("after exit: in flight %d, requeued %d, timed out %d, left %d, relayed %d",
			cs.InFlightCount, cs.RequeueCount, cs.TimeoutCount, cs.Depth, relayed)
	}
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
		if code != c.code || !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("%q: code %d stderr %q, want %d and %q", c.args, code, stderr, c.code, c.stderr)
		}
	}
	stdout := &test.Buffer{}
	if code := run([]string{"--version"}, stdout, io.Discard, nil); code != 0 || stdout.String() != "nsq_to_nsq v1.3.0\n" {
		t.Errorf("--version: %d %q", code, stdout)
	}
}
