package nsqd_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

// pStats, pTopic and pChannel read /stats for the policy tests; a missing
// topic or channel reads as the zero value.
func (h *hNode) pStats(t testing.TB) statsDoc {
	t.Helper()
	return mustStats(t, h.n)
}

func (h *hNode) pTopic(t testing.TB, name string) topicStatsDoc {
	t.Helper()
	if tp := h.pStats(t).topic(name); tp != nil {
		return *tp
	}
	return topicStatsDoc{}
}

func (h *hNode) pChannel(t testing.TB, topic, channel string) channelStatsDoc {
	t.Helper()
	if ch := h.pTopic(t, topic).channel(channel); ch != nil {
		return *ch
	}
	return channelStatsDoc{}
}

// call sends method path?q and decodes a JSON answer into a map (nil for
// a non-JSON body).
func (h *hNode) call(t testing.TB, method, path string, q url.Values) (int, map[string]any) {
	t.Helper()
	u := h.url + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	r := test.HTTPSend(t, method, u, nil)
	var m map[string]any
	json.Unmarshal(r.Body, &m)
	return r.Code, m
}

// mustCall is call that requires a 200.
func (h *hNode) mustCall(t testing.TB, method, path string, q url.Values) map[string]any {
	t.Helper()
	code, m := h.call(t, method, path, q)
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
func subscribed(t testing.TB, h *hNode, topic, channel string, rdy int) *test.Conn {
	t.Helper()
	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, topic, channel)
	c.Cmd(fmt.Sprintf("RDY %d", rdy))
	return c
}
