package nsqadmin_test

import (
	"net/http"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
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
		code, body := test.HTTPDoHeader(t, r.method, b+r.path, []byte(r.body), test.CrossSite())
		assert.Equal(t, http.StatusForbidden, code, "%s %s", r.method, r.path)
		assert.JSONEq(t, `{"message":"CROSS_ORIGIN_REQUEST"}`, string(body), "%s %s", r.method, r.path)
	}
	// Every refusal has been answered: nothing changed.
	for _, nd := range []*node{c.a, c.b} {
		ts := nd.topic(t, "t")
		require.NotNil(t, ts)
		assert.False(t, ts.Paused)
		require.Len(t, ts.Channels, 1)
		assert.False(t, ts.Channels[0].Paused)
		assert.NotZero(t, ts.Channels[0].Depth)
	}
	assert.Nil(t, c.a.topic(t, "new"))
	expect(t, 200, "GET", b+"/api/topics", "", `{"topics":["t"],"message":""}`)

	code, _ := test.HTTPDoHeader(t, "POST", b+"/api/topics/t", []byte(`{"action":"pause"}`), nil)
	require.Equal(t, http.StatusOK, code)
	c.forBoth(t, "topic paused by a curl-like request", func(ts *nsqdTopic) bool { return ts.Paused })
	code, _ = test.HTTPDoHeader(t, "POST", b+"/api/topics/t", []byte(`{"action":"unpause"}`), test.SameOrigin())
	require.Equal(t, http.StatusOK, code)
	c.forBoth(t, "topic unpaused from the same origin", func(ts *nsqdTopic) bool { return !ts.Paused })
}
