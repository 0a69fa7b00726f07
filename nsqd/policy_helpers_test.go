package nsqd_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

// pChannel is the part of a channel's /stats JSON the policy tests read.
type pChannel struct {
	Name            string `json:"channel_name"`
	Depth           int64  `json:"depth"`
	InFlight        int    `json:"in_flight_count"`
	Deferred        int    `json:"deferred_count"`
	Messages        uint64 `json:"message_count"`
	Requeues        uint64 `json:"requeue_count"`
	Timeouts        uint64 `json:"timeout_count"`
	DeadLetterCount uint64 `json:"dead_letter_count"`
	DroppedCount    uint64 `json:"dropped_count"`
	ExpiredCount    uint64 `json:"expired_count"`
}

type pTopic struct {
	Name         string     `json:"topic_name"`
	Depth        int64      `json:"depth"`
	Messages     uint64     `json:"message_count"`
	DroppedCount uint64     `json:"dropped_count"`
	ExpiredCount uint64     `json:"expired_count"`
	Channels     []pChannel `json:"channels"`
}

type pStats struct {
	Health   string   `json:"health"`
	Draining bool     `json:"draining"`
	Topics   []pTopic `json:"topics"`
}

func (h *hNode) pStats(t testing.TB) pStats {
	t.Helper()
	r := test.HTTPGet(t, h.url+"/stats?format=json")
	require.Equal(t, 200, r.Code, "%s", r)
	var s pStats
	require.NoError(t, json.Unmarshal(r.Body, &s))
	return s
}

// pTopic returns a topic's stats (zero value with an empty name if none).
func (h *hNode) pTopic(t testing.TB, name string) pTopic {
	t.Helper()
	for _, tp := range h.pStats(t).Topics {
		if tp.Name == name {
			return tp
		}
	}
	return pTopic{}
}

func (h *hNode) pChannel(t testing.TB, topic, channel string) pChannel {
	t.Helper()
	for _, c := range h.pTopic(t, topic).Channels {
		if c.Name == channel {
			return c
		}
	}
	return pChannel{}
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
