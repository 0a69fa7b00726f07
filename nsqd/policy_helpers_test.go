package nsqd_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// pTopic and pChannel read /stats for the policy tests; a missing topic or
// channel reads as the zero value.
func pTopic(t testing.TB, n *testcluster.NSQD, name string) topicStatsDoc {
	t.Helper()
	if tp := topicOf(t, n, name); tp != nil {
		return *tp
	}
	return topicStatsDoc{}
}

func pChannel(t testing.TB, n *testcluster.NSQD, topic, channel string) channelStatsDoc {
	t.Helper()
	if ch := channelOf(t, n, topic, channel); ch != nil {
		return *ch
	}
	return channelStatsDoc{}
}

// call sends method path?q and decodes a JSON answer into a map (nil for
// a non-JSON body).
func call(t testing.TB, h *testcluster.NSQD, method, path string, q url.Values) (int, map[string]any) {
	t.Helper()
	u := h.URL() + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	r := test.HTTPSend(t, method, u, nil)
	var m map[string]any
	json.Unmarshal(r.Body, &m)
	return r.Code, m
}

// mustCall is call that requires a 200.
func mustCall(t testing.TB, h *testcluster.NSQD, method, path string, q url.Values) map[string]any {
	t.Helper()
	code, m := call(t, h, method, path, q)
	require.Equal(t, 200, code, "%s %s %v: %v", method, path, q, m)
	return m
}

func tc(topic, channel string, kv ...string) url.Values {
	q := url.Values{"topic": {topic}}
	if channel != "" {
		q.Set("channel", channel)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

// subscribed dials, subscribes and sets RDY.
func subscribed(t testing.TB, h *testcluster.NSQD, topic, channel string, rdy int) *test.Conn {
	t.Helper()
	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, topic, channel)
	c.Cmd(fmt.Sprintf("RDY %d", rdy))
	return c
}
