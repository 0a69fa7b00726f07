package nsqadmin_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type channelDoc struct {
	Node         string        `json:"node"`
	Hostname     string        `json:"hostname"`
	TopicName    string        `json:"topic_name"`
	ChannelName  string        `json:"channel_name"`
	Depth        int64         `json:"depth"`
	MemoryDepth  int64         `json:"memory_depth"`
	MessageCount int64         `json:"message_count"`
	ClientCount  int           `json:"client_count"`
	Paused       bool          `json:"paused"`
	Nodes        []*channelDoc `json:"nodes"`
	Clients      []any         `json:"clients"`
	E2E          *struct {
		Topic   string `json:"topic"`
		Channel string `json:"channel"`
		Host    string `json:"host"`
	} `json:"e2e_processing_latency"`
	Message string `json:"message"`
}

type topicDoc struct {
	Node         string        `json:"node"`
	Hostname     string        `json:"hostname"`
	TopicName    string        `json:"topic_name"`
	Depth        int64         `json:"depth"`
	MessageCount int64         `json:"message_count"`
	Paused       bool          `json:"paused"`
	Nodes        []*topicDoc   `json:"nodes"`
	Channels     []*channelDoc `json:"channels"`
	Message      string        `json:"message"`
}

func TestTopicsList(t *testing.T) {
	c := startCluster(t)
	q := url.Values{"topic": {"lonely"}, "channel": {"x"}}
	expect(t, 200, "POST", "http://"+c.l.HTTPAddr+"/channel/create?"+q.Encode(), "", "")
	expect(t, 200, "POST", "http://"+c.l.HTTPAddr+"/topic/create?topic=bare", "", "")

	expect(t, 200, "GET", c.adm.base+"/api/topics", "", `{"topics":["bare","lonely","t"],"message":""}`)
	expect(t, 200, "GET", c.adm.base+"/api/topics?inactive=true", "",
		`{"topics":{"bare":null,"lonely":["x"]},"message":""}`)
	expect(t, 400, "GET", c.adm.base+"/api/topics?%zz", "", `{"message":"INVALID_REQUEST"}`)
}

func TestTopicAndChannelMerge(t *testing.T) {
	c := startCluster(t)
	var td topicDoc
	test.HTTPGetJSON(t, c.adm.base+"/api/topics/t", &td)
	require.Equal(t, "*", td.Node, "topic aggregate = %+v", td)
	require.Equal(t, "", td.Hostname, "topic aggregate = %+v", td)
	require.Equal(t, "t", td.TopicName, "topic aggregate = %+v", td)
	require.EqualValues(t, 0, td.Depth, "topic aggregate = %+v", td)
	require.EqualValues(t, 5, td.MessageCount, "topic aggregate = %+v", td)
	require.Len(t, td.Nodes, 2, "topic aggregate = %+v", td)
	require.Len(t, td.Channels, 1, "topic aggregate = %+v", td)
	require.Equal(t, "", td.Message, "topic aggregate = %+v", td)
	ch := td.Channels[0]
	require.Equal(t, "*", ch.Node, "merged channel = %+v", ch)
	require.EqualValues(t, 5, ch.Depth, "merged channel = %+v", ch)
	require.Len(t, ch.Nodes, 2, "merged channel = %+v", ch)
	depths := map[string]int64{c.a.HTTPAddr: 3, c.b.HTTPAddr: 2}
	for _, n := range td.Nodes {
		assert.Equal(t, depths[n.Node], n.MessageCount, "per-node topic %s changed by the merge: %+v %+v", n.Node, n, n.Channels[0])
		require.Len(t, n.Channels, 1, "per-node topic %s changed by the merge: %+v %+v", n.Node, n, n.Channels[0])
		assert.Equal(t, depths[n.Node], n.Channels[0].Depth, "per-node topic %s changed by the merge: %+v %+v", n.Node, n, n.Channels[0])
		assert.Equal(t, n.Node, n.Channels[0].Node, "per-node topic %s changed by the merge: %+v %+v", n.Node, n, n.Channels[0])
		require.Nil(t, n.Channels[0].Nodes, "per-node topic %s changed by the merge: %+v %+v", n.Node, n, n.Channels[0])
	}

	var cd channelDoc
	test.HTTPGetJSON(t, c.adm.base+"/api/topics/t/c", &cd)
	require.Equal(t, "*", cd.Node, "channel = %+v", cd)
	require.Equal(t, "c", cd.ChannelName, "channel = %+v", cd)
	require.EqualValues(t, 5, cd.Depth, "channel = %+v", cd)
	require.EqualValues(t, 5, cd.MemoryDepth, "channel = %+v", cd)
	require.Len(t, cd.Nodes, 2, "channel = %+v", cd)
	require.NotNil(t, cd.E2E, "channel = %+v", cd)
	require.Equal(t, "t", cd.E2E.Topic, "channel = %+v", cd)
	require.Equal(t, "c", cd.E2E.Channel, "channel = %+v", cd)
	require.Equal(t, "*", cd.E2E.Host, "channel = %+v", cd)
	require.Equal(t, "", cd.Message, "channel = %+v", cd)
	expect(t, 404, "GET", c.adm.base+"/api/topics/t/nope", "", `{"message":"CHANNEL_NOT_FOUND"}`)
	body := expect(t, 502, "GET", c.adm.base+"/api/topics/missing", "", "")
	assert.Contains(t, body, `UPSTREAM_ERROR: failed to query any nsqlookupd: got response 404 Not Found`, "unknown topic: %s", body)
}

type nodeDoc struct {
	RemoteAddresses  []string `json:"remote_addresses"`
	BroadcastAddress string   `json:"broadcast_address"`
	HTTPPort         int      `json:"http_port"`
	Version          string   `json:"version"`
	Topics           []struct {
		Topic      string `json:"topic"`
		Tombstoned bool   `json:"tombstoned"`
	} `json:"topics"`
	OutOfDate bool `json:"out_of_date"`
}

func TestNodesAndCounter(t *testing.T) {
	c := startCluster(t)
	var nodes struct {
		Nodes   []nodeDoc `json:"nodes"`
		Message string    `json:"message"`
	}
	test.HTTPGetJSON(t, c.adm.base+"/api/nodes", &nodes)
	require.Len(t, nodes.Nodes, 2, "nodes = %+v", nodes)
	require.Equal(t, "", nodes.Message, "nodes = %+v", nodes)
	for _, n := range nodes.Nodes {
		if assert.Len(t, n.RemoteAddresses, 1, "node = %+v", n) {
			assert.True(t, strings.HasPrefix(n.RemoteAddresses[0], c.l.HTTPAddr+"/127.0.0.1:"), "node = %+v", n)
		}
		assert.Equal(t, "1.3.0", n.Version, "node = %+v", n)
		if assert.Len(t, n.Topics, 1, "node = %+v", n) {
			assert.Equal(t, "t", n.Topics[0].Topic, "node = %+v", n)
		}
		assert.False(t, n.OutOfDate, "node = %+v", n)
	}

	var nd struct {
		Node          string      `json:"node"`
		Topics        []*topicDoc `json:"topics"`
		TotalMessages int64       `json:"total_messages"`
		TotalClients  int64       `json:"total_clients"`
		Message       *string     `json:"message"`
	}
	test.HTTPGetJSON(t, c.adm.base+"/api/nodes/"+c.a.HTTPAddr, &nd)
	require.Equal(t, c.a.HTTPAddr, nd.Node, "node a = %+v", nd)
	require.Len(t, nd.Topics, 1, "node a = %+v", nd)
	require.EqualValues(t, 3, nd.TotalMessages, "node a = %+v", nd)
	require.EqualValues(t, 0, nd.TotalClients, "node a = %+v", nd)
	require.NotNil(t, nd.Message, "node a = %+v", nd)
	expect(t, 404, "GET", c.adm.base+"/api/nodes/127.0.0.1:1", "", `{"message":"NODE_NOT_FOUND"}`)

	var counter struct {
		Stats map[string]struct {
			Node         string `json:"node"`
			TopicName    string `json:"topic_name"`
			ChannelName  string `json:"channel_name"`
			MessageCount int64  `json:"message_count"`
		} `json:"stats"`
		Message string `json:"message"`
	}
	test.HTTPGetJSON(t, c.adm.base+"/api/counter", &counter)
	require.Len(t, counter.Stats, 2, "counter = %+v", counter)
	for _, nd := range []struct {
		addr string
		n    int64
	}{{c.a.HTTPAddr, 3}, {c.b.HTTPAddr, 2}} {
		s := counter.Stats["t:c:"+nd.addr]
		assert.Equal(t, nd.addr, s.Node, "counter of %s = %+v", nd.addr, s)
		assert.Equal(t, "t", s.TopicName, "counter of %s = %+v", nd.addr, s)
		assert.Equal(t, "c", s.ChannelName, "counter of %s = %+v", nd.addr, s)
		assert.Equal(t, nd.n, s.MessageCount, "counter of %s = %+v", nd.addr, s)
	}
}

func TestPartialAndTotalFailure(t *testing.T) {
	c := startCluster(t)
	dead := deadAddr(t)
	adm := startAdmin(t, lookupdMode(c.l.HTTPAddr, dead))
	var topics struct {
		Topics  []string `json:"topics"`
		Message string   `json:"message"`
	}
	test.HTTPGetJSON(t, adm.base+"/api/topics", &topics)
	want := `WARNING: Get "http://` + dead + `/topics": dial tcp ` + dead + `: connect: connection refused`
	require.Equal(t, []string{"t"}, topics.Topics, "partial: %+v", topics)
	require.Equal(t, want, topics.Message, "partial: %+v", topics)

	c.b.Stop()
	adm = startAdmin(t, nsqdMode(c.a.HTTPAddr, c.b.HTTPAddr))
	var td topicDoc
	test.HTTPGetJSON(t, adm.base+"/api/topics/t", &td)
	require.EqualValues(t, 3, td.MessageCount, "one node down: %+v", td)
	require.Len(t, td.Channels, 1, "one node down: %+v", td)
	require.EqualValues(t, 3, td.Channels[0].Depth, "one node down: %+v", td)
	require.True(t, strings.HasPrefix(td.Message, `WARNING: Get "http://`+c.b.HTTPAddr+`/stats?`), "one node down: %+v", td)

	adm = startAdmin(t, lookupdMode(dead))
	expect(t, 502, "GET", adm.base+"/api/topics", "",
		`{"message":"UPSTREAM_ERROR: failed to query any nsqlookupd: Get \"http://`+dead+`/topics\": dial tcp `+dead+`: connect: connection refused"}`)
	adm = startAdmin(t, nsqdMode(dead))
	body := expect(t, 502, "GET", adm.base+"/api/nodes", "", "")
	require.True(t, strings.HasPrefix(body, `{"message":"UPSTREAM_ERROR: failed to query any nsqd: `), "nsqd mode total failure: %s", body)
}

func TestNSQDMode(t *testing.T) {
	a, b := testcluster.StartNSQD(t), testcluster.StartNSQD(t)
	a.CreateChannel(t, "x", "c")
	b.CreateChannel(t, "y", "c")
	b.PublishN(t, "y", 2)
	adm := startAdmin(t, nsqdMode(a.HTTPAddr, b.HTTPAddr))
	expect(t, 200, "GET", adm.base+"/api/topics", "", `{"topics":["x","y"],"message":""}`)
	expect(t, 200, "GET", adm.base+"/api/topics?inactive=true", "", `{"topics":{},"message":""}`)
	var nodes struct {
		Nodes []map[string]json.RawMessage `json:"nodes"`
	}
	test.HTTPGetJSON(t, adm.base+"/api/nodes", &nodes)
	require.Len(t, nodes.Nodes, 2, "nodes = %v", nodes)
	require.Equal(t, "null", string(nodes.Nodes[0]["remote_addresses"]), "nodes = %v", nodes)
	var td topicDoc
	test.HTTPGetJSON(t, adm.base+"/api/topics/y", &td)
	require.EqualValues(t, 2, td.MessageCount, "topic y = %+v", td)
	require.Len(t, td.Nodes, 1, "topic y = %+v", td)
	require.Equal(t, b.HTTPAddr, td.Nodes[0].Node, "topic y = %+v", td)
	var cd channelDoc
	test.HTTPGetJSON(t, adm.base+"/api/topics/y/c", &cd)
	require.EqualValues(t, 2, cd.Depth, "channel y/c = %+v", cd)
	// Creating needs lookupds: a bare topic is a no-op, a channel fails.
	expect(t, 200, "POST", adm.base+"/api/topics", `{"topic":"z"}`, `{"message":""}`)
	expect(t, 502, "POST", adm.base+"/api/topics", `{"topic":"z","channel":"c"}`,
		`{"message":"UPSTREAM_ERROR: failed to query any nsqlookupd: "}`)
	resp := test.HTTPSend(t, "GET", adm.base+"/", nil)
	body := string(resp.Body)
	require.EqualValues(t, 200, resp.Code, "shell in nsqd mode: %d %s", resp.Code, body)
	require.True(t, strings.HasPrefix(global(t, body, "NSQLOOKUPD"), "[]"), "shell in nsqd mode: %d %s", resp.Code, body)
	expect(t, 405, http.MethodPut, adm.base+"/api/nodes", "x", `{"message":"METHOD_NOT_ALLOWED"}`)
	expect(t, 404, http.MethodGet, adm.base+"/api/nope", "", `{"message":"NOT_FOUND"}`)
}
