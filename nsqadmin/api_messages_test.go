package nsqadmin_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqadmin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type messagesDoc struct {
	Messages []struct {
		Node      string          `json:"node"`
		ID        string          `json:"id"`
		Timestamp int64           `json:"timestamp"`
		Attempts  int             `json:"attempts"`
		Body      *[]byte         `json:"body"`
		DeliverAt int64           `json:"deliver_at"`
		Client    json.RawMessage `json:"client"`
	} `json:"messages"`
	BodiesHidden bool   `json:"bodies_hidden"`
	Message      string `json:"message"`
}

func getMessages(t *testing.T, u string, h http.Header) messagesDoc {
	t.Helper()
	resp := test.HTTPSend(t, http.MethodGet, u, nil, h)
	body := string(resp.Body)
	require.Equal(t, 200, resp.Code, body)
	var doc messagesDoc
	require.NoError(t, json.Unmarshal([]byte(body), &doc), body)
	require.NotNil(t, doc.Messages, body)
	return doc
}

func TestMessagesFromEveryNode(t *testing.T) {
	c := startCluster(t)
	doc := getMessages(t, c.adm.base+"/api/messages/t/c?n=10", nil)
	require.Len(t, doc.Messages, 5)
	perNode := map[string]int{}
	for i, m := range doc.Messages {
		perNode[m.Node]++
		require.NotNil(t, m.Body)
		assert.Equal(t, "msg", string(*m.Body))
		assert.Len(t, m.ID, 16)
		assert.Zero(t, m.Attempts)
		if i > 0 {
			assert.LessOrEqual(t, doc.Messages[i-1].Timestamp, m.Timestamp, "oldest first")
		}
	}
	assert.Equal(t, map[string]int{c.a.HTTPAddr: 3, c.b.HTTPAddr: 2}, perNode)
	assert.False(t, doc.BodiesHidden)
	assert.Empty(t, doc.Message)
	assert.Len(t, getMessages(t, c.adm.base+"/api/messages/t/c?n=1", nil).Messages, 2, "n is per node")
	assert.Empty(t, getMessages(t, c.adm.base+"/api/messages/t/c?state=in_flight", nil).Messages)
	assert.EqualValues(t, 3, topicOf(t, c.a, "t").Channels[0].Depth, "peeking consumed nothing")

	c.a.Post(t, "/pub", url.Values{"topic": {"backlog"}}, "waiting")
	waitProducers(t, c.l.HTTPAddr, "backlog", 1)
	doc = getMessages(t, c.adm.base+"/api/messages/backlog", nil)
	require.Len(t, doc.Messages, 1, "a topic's own backlog")
	assert.Equal(t, c.a.HTTPAddr, doc.Messages[0].Node)
	assert.Equal(t, "waiting", string(*doc.Messages[0].Body))
	assert.Empty(t, getMessages(t, c.adm.base+"/api/messages/backlog/nochannel", nil).Messages,
		"a node without the channel adds nothing")

	for _, u := range []string{"/api/messages/t/c?n=0", "/api/messages/t/c?n=1001", "/api/messages/t/c?n=x"} {
		expect(t, 400, "GET", c.adm.base+u, "", `{"message":"INVALID_ARG_N"}`)
	}
	for _, u := range []string{"/api/messages/t/c?state=all", "/api/messages/t?state=deferred"} {
		expect(t, 400, "GET", c.adm.base+u, "", `{"message":"INVALID_ARG_STATE"}`)
	}
}

func TestMessageBodiesAdminOnly(t *testing.T) {
	c := startCluster(t, func(o *nsqadmin.Options) { o.AdminUsers = []string{"alice"} })
	for _, h := range []http.Header{nil, {"X-Forwarded-User": {"bob"}}} {
		resp := test.HTTPSend(t, http.MethodGet, c.adm.base+"/api/messages/t/c", nil, h)
		body := string(resp.Body)
		require.Equal(t, 200, resp.Code)
		assert.NotContains(t, body, `"body"`, "%v sees no bodies", h)
		var doc messagesDoc
		require.NoError(t, json.Unmarshal([]byte(body), &doc))
		assert.True(t, doc.BodiesHidden)
		assert.Len(t, doc.Messages, 5, "but does see the messages")

		resp = test.HTTPSend(t, http.MethodPost, c.adm.base+"/api/messages/t/c", []byte(`{"action":"delete","id":"0123456789abcdef","node":"`+c.a.HTTPAddr+`"}`), h)
		body = string(resp.Body)
		assert.Equal(t, 403, resp.Code, body)
	}
	doc := getMessages(t, c.adm.base+"/api/messages/t/c", http.Header{"X-Forwarded-User": {"alice"}})
	assert.False(t, doc.BodiesHidden)
	require.Len(t, doc.Messages, 5)
	assert.Equal(t, "msg", string(*doc.Messages[0].Body))
}

func TestDeferredMessageActions(t *testing.T) {
	c := startCluster(t)
	c.a.Post(t, "/pub", url.Values{"topic": {"t"}, "defer": {"60000"}}, "later-1")
	c.a.Post(t, "/pub", url.Values{"topic": {"t"}, "defer": {"60000"}}, "later-2")
	doc := getMessages(t, c.adm.base+"/api/messages/t/c?state=deferred", nil)
	require.Len(t, doc.Messages, 2)
	first, second := doc.Messages[0], doc.Messages[1]
	assert.Equal(t, c.a.HTTPAddr, first.Node)
	assert.Equal(t, "later-1", string(*first.Body))
	assert.Greater(t, first.DeliverAt, first.Timestamp)

	u := c.adm.base + "/api/messages/t/c"
	act := func(action, id, node string) string {
		return `{"action":"` + action + `","id":"` + id + `","node":"` + node + `"}`
	}
	expect(t, 200, "POST", u, act("deliver", first.ID, c.a.HTTPAddr), `{"message":""}`)
	expect(t, 404, "POST", u, act("deliver", first.ID, c.a.HTTPAddr), `{"message":"MESSAGE_NOT_FOUND"}`)
	expect(t, 404, "POST", u, act("delete", second.ID, c.b.HTTPAddr), `{"message":"MESSAGE_NOT_FOUND"}`)
	expect(t, 200, "POST", u, act("delete", second.ID, c.a.HTTPAddr), `{"message":""}`)
	cs, ok := c.a.ChannelStats("t", "c")
	require.True(t, ok)
	assert.EqualValues(t, 0, cs.DeferredCount)
	assert.EqualValues(t, 4, cs.Depth, "the delivered one is queued")

	expect(t, 404, "POST", u, act("delete", second.ID, deadAddr(t)), `{"message":"NODE_NOT_FOUND"}`)
	expect(t, 400, "POST", u, act("requeue", second.ID, c.a.HTTPAddr), `{"message":"INVALID_ACTION"}`)
	expect(t, 400, "POST", u, act("delete", "short", c.a.HTTPAddr), `{"message":"INVALID_ARG_ID"}`)
}
