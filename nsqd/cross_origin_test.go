package nsqd_test

import (
	"net/http"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTTPRefusesCrossOriginWrites: a page of another site cannot change
// anything through a browser (a text/plain POST needs no preflight);
// curl-like clients and same-origin requests still can.
func TestHTTPRefusesCrossOriginWrites(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	base := n.URL()
	mustPublish(t, n, "kept", "m")
	mustHTTPPost(t, n, "/channel/create", map[string][]string{"topic": {"kept"}, "channel": {"c"}})
	// The topic hands its message to the new channel on its own time.
	mustChannelStatsEventually(t, n, "kept", "c", func(c channelStatsDoc) bool { return c.MessageCount == 1 })
	before := mustStats(t, n)
	level := test.HTTPGet(t, base+"/config/log_level").Body

	for _, r := range []struct{ method, path string }{
		{"POST", "/topic/create?topic=new"},
		{"POST", "/pub?topic=kept"},
		{"POST", "/mpub?topic=kept"},
		{"POST", "/topic/pause?topic=kept"},
		{"POST", "/topic/empty?topic=kept"},
		{"POST", "/channel/pause?topic=kept&channel=c"},
		{"POST", "/channel/delete?topic=kept&channel=c"},
		{"POST", "/topic/delete?topic=kept"},
		{"PUT", "/config/log_level"},
	} {
		resp := test.HTTPSend(t, r.method, base+r.path, []byte(`{"x":1}`), test.CrossSite())
		assert.Equal(t, http.StatusForbidden, resp.Code, "%s %s", r.method, r.path)
		assert.JSONEq(t, `{"message":"CROSS_ORIGIN_REQUEST"}`, string(resp.Body), "%s %s", r.method, r.path)
	}
	// Every refusal has been answered: nothing changed.
	assert.Equal(t, before.Topics, mustStats(t, n).Topics)
	after := test.HTTPGet(t, base+"/config/log_level").Body
	assert.Equal(t, string(level), string(after))

	// Without browser headers (curl) and from the same origin, it works.
	r := test.HTTPSend(t, "POST", base+"/topic/pause?topic=kept", nil)
	require.Equal(t, http.StatusOK, r.Code, "%s", r)
	assert.True(t, mustTopicStats(t, n, "kept").Paused)
	r = test.HTTPSend(t, "POST", base+"/topic/unpause?topic=kept", []byte("x"), test.SameOrigin())
	require.Equal(t, http.StatusOK, r.Code, "%s", r)
	assert.False(t, mustTopicStats(t, n, "kept").Paused)
}
