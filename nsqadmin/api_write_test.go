package nsqadmin_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqadmin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// forBoth requires cond of topic "t" on both nodes, eventually.
func (c *cluster) forBoth(t *testing.T, what string, cond func(*nsqdTopic) bool) {
	t.Helper()
	test.Eventually(t, waitFor, func() bool {
		return cond(topicOf(t, c.a, "t")) && cond(topicOf(t, c.b, "t"))
	}, what)
}

func TestTopicActions(t *testing.T) {
	c := startCluster(t)
	u := c.adm.base + "/api/topics/t"
	expect(t, 200, "POST", u, `{"action":"pause"}`, `{"message":""}`)
	c.forBoth(t, "topic paused", func(ts *nsqdTopic) bool { return ts != nil && ts.Paused })
	expect(t, 200, "POST", u, `{"action":"unpause"}`, `{"message":""}`)
	c.forBoth(t, "topic unpaused", func(ts *nsqdTopic) bool { return ts != nil && !ts.Paused })

	expect(t, 200, "POST", u+"/c", `{"action":"pause"}`, `{"message":""}`)
	c.forBoth(t, "channel paused", func(ts *nsqdTopic) bool { return ts.Channels[0].Paused })
	expect(t, 200, "POST", u+"/c", `{"action":"unpause"}`, `{"message":""}`)
	c.forBoth(t, "channel unpaused", func(ts *nsqdTopic) bool { return !ts.Channels[0].Paused })
	expect(t, 200, "POST", u+"/c", `{"action":"empty"}`, `{"message":""}`)
	c.forBoth(t, "channel emptied", func(ts *nsqdTopic) bool { return ts.Channels[0].Depth == 0 })

	// With the channel gone, published messages stay in the topic.
	expect(t, 200, "DELETE", u+"/c", "", `{"message":""}`)
	c.forBoth(t, "channel deleted", func(ts *nsqdTopic) bool { return len(ts.Channels) == 0 })
	c.a.PublishN(t, "t", 2)
	test.Eventually(t, waitFor, func() bool { return topicOf(t, c.a, "t").Depth == 2 }, "depth 2 on a")
	expect(t, 200, "POST", u, `{"action":"empty"}`, `{"message":""}`)
	test.Eventually(t, waitFor, func() bool { return topicOf(t, c.a, "t").Depth == 0 }, "topic emptied")

	expect(t, 200, "DELETE", u, "", `{"message":""}`)
	c.forBoth(t, "topic deleted", func(ts *nsqdTopic) bool { return ts == nil })
	expect(t, 200, "GET", c.adm.base+"/api/topics", "", `{"topics":[],"message":""}`)
}

func TestActionValidation(t *testing.T) {
	c := startCluster(t)
	b := c.adm.base
	expect(t, 400, "POST", b+"/api/topics", `nope`, `{"message":"invalid character 'o' in literal null (expecting 'u')"}`)
	expect(t, 400, "POST", b+"/api/topics", `{"topic":"bad topic"}`, `{"message":"INVALID_TOPIC"}`)
	expect(t, 400, "POST", b+"/api/topics", `{"topic":"ok","channel":"bad/ch"}`, `{"message":"INVALID_CHANNEL"}`)
	expect(t, 400, "POST", b+"/api/topics/t", `{"action":"explode"}`, `{"message":"INVALID_ACTION"}`)
	expect(t, 400, "POST", b+"/api/topics/t/c", `{"action":"delete"}`, `{"message":"INVALID_ACTION"}`)
	expect(t, 400, "DELETE", b+"/api/nodes/"+c.a.HTTPAddr, `x`, `{"message":"INVALID_BODY"}`)
	expect(t, 400, "DELETE", b+"/api/nodes/"+c.a.HTTPAddr, `{"topic":""}`, `{"message":"INVALID_TOPIC"}`)
	body := expect(t, 502, "DELETE", b+"/api/topics/missing", "", "")
	assert.Contains(t, body, "UPSTREAM_ERROR: failed to query any nsqlookupd: got response 404", "delete unknown topic: %s", body)
}

func TestCreateAndTombstone(t *testing.T) {
	c := startCluster(t)
	expect(t, 200, "POST", c.adm.base+"/api/topics", `{"topic":"t","channel":"new"}`, `{"message":""}`)
	c.forBoth(t, "channel created on producers", func(ts *nsqdTopic) bool { return len(ts.Channels) == 2 })
	expect(t, 200, "POST", c.adm.base+"/api/topics", `{"topic":"fresh"}`, `{"message":""}`)
	expect(t, 200, "GET", c.adm.base+"/api/topics", "", `{"topics":["fresh","t"],"message":""}`)

	expect(t, 200, "DELETE", c.adm.base+"/api/nodes/"+c.a.HTTPAddr, `{"topic":"t"}`, `{"message":""}`)
	test.Eventually(t, waitFor, func() bool { return topicOf(t, c.a, "t") == nil }, "topic deleted on a")
	require.NotNil(t, topicOf(t, c.b, "t"), "topic deleted on b too")
	waitProducers(t, c.l.HTTPAddr, "t", 1)
}

func TestPartialAction(t *testing.T) {
	c := startCluster(t)
	dead := deadAddr(t)
	adm := startAdmin(t, lookupdMode(c.l.HTTPAddr, dead))
	body := string(test.HTTPSend(t, "POST", adm.base+"/api/topics/t", []byte(`{"action":"pause"}`)).Body)
	require.True(t, strings.HasPrefix(body, `{"message":"WARNING: Get \"http://`+dead+`/lookup?topic=t\"`), "partial pause: %s", body)
	c.forBoth(t, "topic paused", func(ts *nsqdTopic) bool { return ts.Paused })
	adm = startAdmin(t, lookupdMode(dead))
	body = string(test.HTTPSend(t, "POST", adm.base+"/api/topics/t", []byte(`{"action":"pause"}`)).Body)
	require.True(t, strings.HasPrefix(body, `{"message":"UPSTREAM_ERROR: failed to query any nsqlookupd: `), "total failure: %s", body)
}

func TestACL(t *testing.T) {
	c := startCluster(t, func(o *nsqadmin.Options) { o.AdminUsers = []string{"alice"} })
	u := c.adm.base + "/api/topics/t"
	for _, h := range []http.Header{nil, {"X-Forwarded-User": {"bob"}}} {
		resp := test.HTTPSend(t, "POST", u, []byte(`{"action":"pause"}`), h)
		body := string(resp.Body)
		require.EqualValues(t, 403, resp.Code, "%v: %d %s", h, resp.Code, body)
		require.Equal(t, `{"message":"FORBIDDEN"}`, body, "%v: %d %s", h, resp.Code, body)
		resp = test.HTTPSend(t, "DELETE", u, nil, h)
		require.EqualValues(t, 403, resp.Code, "delete as %v: %d", h, resp.Code)
		body = string(test.HTTPSend(t, "GET", c.adm.base+"/", nil, h).Body)
		require.Equal(t, "false", global(t, body, "IS_ADMIN"), "shell for %v says admin", h)
	}
	alice := http.Header{"X-Forwarded-User": {"alice"}}
	resp := test.HTTPSend(t, "POST", u, []byte(`{"action":"pause"}`), alice)
	body := string(resp.Body)
	require.EqualValues(t, 200, resp.Code, "alice: %d %s", resp.Code, body)
	body = string(test.HTTPSend(t, "GET", c.adm.base+"/", nil, alice).Body)
	require.Equal(t, "true", global(t, body, "IS_ADMIN"), "shell for alice says not admin")
}

// sink records the notifications it receives.
type sink struct {
	mu     sync.Mutex
	bodies []string
	types  []string
}

func (s *sink) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(b))
	s.types = append(s.types, req.Header.Get("Content-Type"))
	s.mu.Unlock()
}

func (s *sink) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

func TestNotifications(t *testing.T) {
	s := &sink{}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c := startCluster(t, func(o *nsqadmin.Options) { o.NotificationHTTPEndpoint = srv.URL + "/notify" })
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("user1:pw"))
	resp := test.HTTPSend(t, "POST", c.adm.base+"/api/topics/t/c", []byte(`{"action":"pause"}`),
		http.Header{"Authorization": {auth}, "User-Agent": {"testagent"}})
	require.EqualValues(t, 200, resp.Code, "pause: %s", resp)
	expect(t, 200, "DELETE", c.adm.base+"/api/nodes/"+c.a.HTTPAddr, `{"topic":"t"}`, "")
	test.Eventually(t, waitFor, func() bool { return len(s.got()) == 2 }, "two notifications")

	bodies := s.got()
	hostname, _ := os.Hostname()
	var n map[string]any
	require.NoError(t, json.Unmarshal([]byte(bodies[0]), &n))
	prefix := `{"action":"pause_channel","topic":"t","channel":"c","timestamp":`
	require.True(t, strings.HasPrefix(bodies[0], prefix), "notification %s", bodies[0])
	require.Equal(t, "user1", n["user"], "notification %s", bodies[0])
	require.Equal(t, "testagent", n["user_agent"], "notification %s", bodies[0])
	require.Equal(t, c.adm.base+"/api/topics/t/c", n["url"], "notification %s", bodies[0])
	require.Equal(t, hostname, n["via"], "notification %s", bodies[0])
	require.True(t, strings.HasPrefix(n["remote_ip"].(string), "127.0.0.1:"), "notification %s", bodies[0])
	require.Equal(t, "application/json", s.types[0], "notification %s", bodies[0])
	assert.LessOrEqual(t, time.Since(time.Unix(int64(n["timestamp"].(float64)), 0)), time.Minute, "timestamp")
	assert.True(t, strings.HasPrefix(bodies[1], `{"action":"tombstone_topic_producer","topic":"t","node":"`+c.a.HTTPAddr+`","timestamp":`),
		"tombstone notification %s", bodies[1])
	assert.NotContains(t, bodies[1], `"user"`, "tombstone notification")
}

func TestNotificationEndpointDown(t *testing.T) {
	dead := deadAddr(t)
	c := startCluster(t, func(o *nsqadmin.Options) { o.NotificationHTTPEndpoint = "http://" + dead + "/" })
	for _, a := range []string{"pause", "unpause", "empty"} {
		expect(t, 200, "POST", c.adm.base+"/api/topics/t", `{"action":"`+a+`"}`, `{"message":""}`)
	}
	expect(t, 200, "GET", c.adm.base+"/ping", "", "OK")
}
