package nsqadmin_test

import (
	"net/http"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAPIRefusesCrossOriginWrites: a page of another site cannot pause,
// empty, delete, create or tombstone through nsqadmin with a browser (a
// text/plain JSON body needs no preflight); curl-like clients and
// nsqadmin's own pages (same origin) still can.
func TestAPIRefusesCrossOriginWrites(t *testing.T) {
	c := startCluster(t)
	b := c.adm.base
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/api/topics/t", `{"action":"pause"}`},
		{"POST", "/api/topics/t", `{"action":"empty"}`},
		{"POST", "/api/topics/t/c", `{"action":"pause"}`},
		{"POST", "/api/topics/t/c", `{"action":"empty"}`},
		{"POST", "/api/topics", `{"topic":"new","channel":"x"}`},
		{"DELETE", "/api/topics/t/c", ""},
		{"DELETE", "/api/topics/t", ""},
		{"DELETE", "/api/nodes/" + c.a.HTTPAddr, `{"topic":"t"}`},
		{"PUT", "/config/nsqlookupd_http_addresses", `["127.0.0.1:1"]`},
	} {
		resp := test.HTTPSend(t, r.method, b+r.path, []byte(r.body), test.CrossSite())
		assert.Equal(t, http.StatusForbidden, resp.Code, "%s %s", r.method, r.path)
		assert.JSONEq(t, `{"message":"CROSS_ORIGIN_REQUEST"}`, string(resp.Body), "%s %s", r.method, r.path)
	}
	// Every refusal has been answered: nothing changed.
	for _, nd := range []*testcluster.NSQD{c.a, c.b} {
		ts := topicOf(t, nd, "t")
		require.NotNil(t, ts)
		assert.False(t, ts.Paused)
		require.Len(t, ts.Channels, 1)
		assert.False(t, ts.Channels[0].Paused)
		assert.NotZero(t, ts.Channels[0].Depth)
	}
	assert.Nil(t, topicOf(t, c.a, "new"))
	expect(t, 200, "GET", b+"/api/topics", "", `{"topics":["t"],"message":""}`)

	resp := test.HTTPSend(t, "POST", b+"/api/topics/t", []byte(`{"action":"pause"}`))
	require.Equal(t, http.StatusOK, resp.Code, resp.String())
	c.forBoth(t, "topic paused by a curl-like request", func(ts *nsqdTopic) bool { return ts.Paused })
	resp = test.HTTPSend(t, "POST", b+"/api/topics/t", []byte(`{"action":"unpause"}`), test.SameOrigin())
	require.Equal(t, http.StatusOK, resp.Code, resp.String())
	c.forBoth(t, "topic unpaused from the same origin", func(ts *nsqdTopic) bool { return !ts.Paused })
}
