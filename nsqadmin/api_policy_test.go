package nsqadmin_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqadmin"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// The /api mirror of nsqd's settings endpoints writes to every producer,
// sums the counters, relays nsqd's 400 and sits behind the admin check.
func TestChannelConfigMirror(t *testing.T) {
	c := startCluster(t, func(o *nsqadmin.Options) { o.AdminUsers = []string{"alice"} })
	alice := http.Header{"X-Forwarded-User": {"alice"}}
	u := c.adm.base + "/api/channel/config?topic=t&channel=c"

	for _, h := range []http.Header{nil, {"X-Forwarded-User": {"bob"}}} {
		resp := test.HTTPSend(t, "POST", u+"&max_attempts=2", nil, h)
		body := string(resp.Body)
		require.Equal(t, 403, resp.Code, body)
		resp = test.HTTPSend(t, "POST", c.adm.base+"/api/channel/redrive?topic=t&channel=c", nil, h)
		body = string(resp.Body)
		require.Equal(t, 403, resp.Code, body)
		resp = test.HTTPSend(t, "POST", c.adm.base+"/api/drain?node="+c.a.HTTPAddr, nil, h)
		body = string(resp.Body)
		require.Equal(t, 403, resp.Code, body)
	}
	resp := test.HTTPSend(t, "POST", u+"&max_attempts=-3", nil, alice)
	body := string(resp.Body)
	require.Equal(t, 400, resp.Code)
	require.Contains(t, body, "max_attempts")

	resp = test.HTTPSend(t, "POST", u+"&max_attempts=2&max_depth=50", nil, alice)
	body = string(resp.Body)
	require.Equal(t, 200, resp.Code, body)
	for _, n := range []*testcluster.NSQD{c.a, c.b} {
		var cfg map[string]any
		test.HTTPGetJSON(t, "http://"+n.HTTPAddr+"/channel/config?topic=t&channel=c", &cfg)
		require.Equal(t, 2.0, cfg["max_attempts"], n.HTTPAddr)
		require.Equal(t, 50.0, cfg["max_depth"], n.HTTPAddr)
	}
	var cfg map[string]any
	test.HTTPGetJSON(t, u, &cfg)
	require.Equal(t, 2.0, cfg["max_attempts"])
	require.Equal(t, "t.c.dead", cfg["dead_letter_topic"])

	resp = test.HTTPSend(t, "GET", c.adm.base+"/api/channel/config?topic=t&channel=nope", nil)
	require.Equal(t, 404, resp.Code)

	resp = test.HTTPSend(t, "POST", c.adm.base+"/api/channel/redrive?topic=t&channel=c", nil, alice)
	body = string(resp.Body)
	require.Equal(t, 200, resp.Code, body)
	var moved map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &moved))
	require.Equal(t, 0.0, moved["moved"])

	var drain map[string]any
	test.HTTPGetJSON(t, c.adm.base+"/api/drain?node="+c.a.HTTPAddr, &drain)
	require.Equal(t, false, drain["draining"])
	resp = test.HTTPSend(t, "GET", c.adm.base+"/api/drain?node=127.0.0.1:1", nil)
	require.Equal(t, 404, resp.Code)
}
