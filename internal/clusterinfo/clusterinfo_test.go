package clusterinfo_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cluster is one lookupd with two nsqd registered to it.
type cluster struct {
	lookupd string // HTTP address
	a, b    *testcluster.NSQD
	ci      *clusterinfo.ClusterInfo
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	l := testcluster.StartLookupd(t)
	return &cluster{lookupd: l.HTTPAddr, a: testcluster.StartNSQD(t, testcluster.WithLookupd(l.TCPAddr)), b: testcluster.StartNSQD(t, testcluster.WithLookupd(l.TCPAddr)), ci: newCI(t)}
}

func TestLookupdQueries(t *testing.T) {
	c := startCluster(t)
	c.a.CreateChannel(t, "t1", "c1")
	c.b.CreateChannel(t, "t2", "c2")
	c.b.CreateChannel(t, "t2", "c3")
	waitTopics(t, c.ci, c.lookupd, "t1", "t2")
	lookupds := []string{c.lookupd}

	test.Eventually(t, waitFor, func() bool {
		chans, err := c.ci.GetLookupdTopicChannels("t2", lookupds)
		return err == nil && slices.Equal(chans, []string{"c2", "c3"})
	}, "channels of t2")

	ps, err := c.ci.GetLookupdTopicProducers("t1", lookupds)
	require.NoError(t, err, "producers of t1 = %+v, %v", ps, err)
	require.Len(t, ps, 1, "producers of t1 = %+v, %v", ps, err)
	require.Equal(t, c.a.HTTPAddr, ps[0].HTTPAddress(), "producers of t1 = %+v, %v", ps, err)
	if assert.Len(t, ps[0].RemoteAddresses, 1) {
		assert.True(t, strings.HasPrefix(ps[0].RemoteAddresses[0], c.lookupd+"/127.0.0.1:"), ps[0].RemoteAddresses[0])
	}
	assert.Equal(t, c.a.TCPAddr, ps[0].TCPAddress(), "tcp address = %s", ps[0].TCPAddress())

	nodes, err := c.ci.GetLookupdProducers(lookupds)
	require.NoError(t, err, "nodes = %+v, %v", nodes, err)
	require.Len(t, nodes, 2, "nodes = %+v, %v", nodes, err)
	byAddr := map[string]*clusterinfo.Producer{}
	for _, n := range nodes {
		byAddr[n.HTTPAddress()] = n
	}
	wantTopics := map[string]clusterinfo.ProducerTopics{
		c.a.HTTPAddr: {{Topic: "t1"}},
		c.b.HTTPAddr: {{Topic: "t2"}},
	}
	for addr, want := range wantTopics {
		n := byAddr[addr]
		require.NotNil(t, n, "node %s = %+v", addr, n)
		assert.Equal(t, want, n.Topics, "node %s = %+v", addr, n)
		assert.False(t, n.OutOfDate, "node %s = %+v", addr, n)
		assert.Equal(t, "1.3.0", n.Version, "node %s = %+v", addr, n)
	}
}

func TestNSQDModeQueries(t *testing.T) {
	c := startCluster(t)
	c.a.CreateChannel(t, "only_a", "c")
	c.b.CreateChannel(t, "only_b", "c")
	nsqds := []string{c.a.HTTPAddr, c.b.HTTPAddr}

	topics, err := c.ci.GetNSQDTopics(nsqds)
	require.NoError(t, err, "topics = %v, %v", topics, err)
	require.Equal(t, []string{"only_a", "only_b"}, topics, "topics = %v, %v", topics, err)
	ps, err := c.ci.GetNSQDTopicProducers("only_b", nsqds)
	require.NoError(t, err, "producers of only_b = %+v, %v", ps, err)
	require.Len(t, ps, 1, "producers of only_b = %+v, %v", ps, err)
	require.Equal(t, c.b.HTTPAddr, ps[0].HTTPAddress(), "producers of only_b = %+v, %v", ps, err)
	require.Equal(t, "1.3.0", ps[0].Version, "producers of only_b = %+v, %v", ps, err)
	all, err := c.ci.GetNSQDProducers(nsqds)
	require.NoError(t, err, "producers = %+v, %v", all, err)
	require.Len(t, all, 2, "producers = %+v, %v", all, err)
	p := all.Search(c.a.HTTPAddr)
	require.NotNil(t, p, "node a")
	assert.Equal(t, clusterinfo.ProducerTopics{{Topic: "only_a"}}, p.Topics, "node a")
}

func TestStatsMergeAcrossNodes(t *testing.T) {
	c := startCluster(t)
	for _, n := range []*testcluster.NSQD{c.a, c.b} {
		n.CreateChannel(t, "m", "ch")
		n.CreateChannel(t, "m", "other")
	}
	c.a.PublishN(t, "m", 3)
	c.b.PublishN(t, "m", 2)
	waitTopics(t, c.ci, c.lookupd, "m")
	test.Eventually(t, waitFor, func() bool {
		ps, err := c.ci.GetLookupdTopicProducers("m", []string{c.lookupd})
		return err == nil && len(ps) == 2
	}, "both producers of m registered")
	ps, _ := c.ci.GetLookupdTopicProducers("m", []string{c.lookupd})

	topics, chans, err := c.ci.GetNSQDStats(ps, "m", "", false)
	require.NoError(t, err, "stats: %d topics, %d channels, err %v", len(topics), len(chans), err)
	require.Len(t, topics, 2, "stats: %d topics, %d channels, err %v", len(topics), len(chans), err)
	require.Len(t, chans, 2, "stats: %d topics, %d channels, err %v", len(topics), len(chans), err)
	ch := chans["ch"]
	require.Equal(t, "*", ch.Node, "merged ch = %+v", ch)
	require.EqualValues(t, 5, ch.Depth, "merged ch = %+v", ch)
	require.EqualValues(t, 5, ch.MemoryDepth, "merged ch = %+v", ch)
	require.EqualValues(t, 5, ch.MessageCount, "merged ch = %+v", ch)
	require.Len(t, ch.NodeStats, 2, "merged ch = %+v", ch)
	depths := map[string]int64{}
	for _, n := range ch.NodeStats {
		depths[n.Node] = n.Depth
	}
	assert.EqualValues(t, 3, depths[c.a.HTTPAddr], "per-node depths = %v", depths)
	assert.EqualValues(t, 2, depths[c.b.HTTPAddr], "per-node depths = %v", depths)

	agg := clusterinfo.AggregateTopic("m", topics)
	require.Equal(t, "*", agg.Node, "topic aggregate = %+v", agg)
	require.EqualValues(t, 5, agg.MessageCount, "topic aggregate = %+v", agg)
	require.Len(t, agg.NodeStats, 2, "topic aggregate = %+v", agg)
	require.Len(t, agg.Channels, 2, "topic aggregate = %+v", agg)
	for _, ac := range agg.Channels {
		assert.Equal(t, "*", ac.Node, "aggregate channel %s = %+v", ac.ChannelName, ac)
		assert.EqualValues(t, 5, ac.Depth, "aggregate channel %s = %+v", ac.ChannelName, ac)
		require.Len(t, ac.NodeStats, 2, "aggregate channel %s = %+v", ac.ChannelName, ac)
	}
	// The per-node entries keep their own values (the reference mutates
	// the first node's channel into the aggregate).
	for _, nt := range agg.NodeStats {
		for _, nc := range nt.Channels {
			assert.Equal(t, nt.Node, nc.Node, "node %s channel %s changed: %+v", nt.Node, nc.ChannelName, nc)
			assert.Equal(t, depths[nt.Node], nc.Depth, "node %s channel %s changed: %+v", nt.Node, nc.ChannelName, nc)
			require.Nil(t, nc.NodeStats, "node %s channel %s changed: %+v", nt.Node, nc.ChannelName, nc)
		}
	}
}

func TestStatsSelectedChannelAndAllTopics(t *testing.T) {
	c := startCluster(t)
	c.a.CreateChannel(t, "x", "c1")
	c.a.CreateChannel(t, "x", "c2")
	c.b.CreateChannel(t, "y", "c1")
	ps, err := c.ci.GetNSQDProducers([]string{c.a.HTTPAddr, c.b.HTTPAddr})
	require.NoError(t, err)
	_, chans, err := c.ci.GetNSQDStats(ps, "x", "c2", false)
	require.NoError(t, err, "selected channel: %v, %v", chans, err)
	require.Len(t, chans, 1, "selected channel: %v, %v", chans, err)
	require.NotNil(t, chans["c2"], "selected channel: %v, %v", chans, err)
	require.Equal(t, "x", chans["c2"].TopicName, "selected channel: %v, %v", chans, err)
	topics, chans, err := c.ci.GetNSQDStats(ps, "", "", true)
	require.NoError(t, err, "all topics: %v, %v", topics, err)
	require.Len(t, topics, 2, "all topics: %v, %v", topics, err)
	var keys []string
	for k := range chans {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	assert.Equal(t, []string{"x:c1", "x:c2", "y:c1"}, keys, "channel keys = %v", keys)
}

func TestPartialFailure(t *testing.T) {
	c := startCluster(t)
	c.a.CreateChannel(t, "p", "ch")
	c.b.CreateChannel(t, "p", "ch")
	c.a.PublishN(t, "p", 1)
	c.b.PublishN(t, "p", 1)
	dead := deadAddr(t)
	waitTopics(t, c.ci, c.lookupd, "p")

	topics, err := c.ci.GetLookupdTopics([]string{c.lookupd, dead})
	var pe *clusterinfo.PartialErr
	require.Equal(t, []string{"p"}, topics, "topics = %v, err = %v", topics, err)
	require.True(t, clusterinfo.IsPartial(err), "topics = %v, err = %v", topics, err)
	asPartial(err, &pe)
	assert.Equal(t, []string{dead}, pe.Nodes(), "failed nodes")
	assert.ErrorContains(t, err, dead)

	ps, err := c.ci.GetNSQDProducers([]string{c.a.HTTPAddr, c.b.HTTPAddr})
	require.NoError(t, err)
	c.b.Stop()
	_, chans, err := c.ci.GetNSQDStats(ps, "p", "", false)
	require.True(t, clusterinfo.IsPartial(err), "one node down: chans %v, err %v", chans, err)
	require.NotNil(t, chans["ch"], "one node down: chans %v, err %v", chans, err)
	require.EqualValues(t, 1, chans["ch"].Depth, "one node down: chans %v, err %v", chans, err)
	asPartial(err, &pe)
	assert.Equal(t, []string{c.b.HTTPAddr}, pe.Nodes(), "failed nodes")
}

func asPartial(err error, pe **clusterinfo.PartialErr) {
	*pe, _ = err.(*clusterinfo.PartialErr)
	if *pe == nil {
		*pe = &clusterinfo.PartialErr{}
	}
}

func TestTotalFailure(t *testing.T) {
	ci := newCI(t)
	dead := deadAddr(t)
	_, err := ci.GetLookupdTopics([]string{dead})
	want := `failed to query any nsqlookupd: Get "http://` + dead + `/topics": dial tcp ` + dead + `: connect: connection refused`
	require.Error(t, err, "err = %v", err)
	require.EqualError(t, err, want, "err = %v", err)
	require.False(t, clusterinfo.IsPartial(err), "err = %v", err)
	_, _, err = ci.GetNSQDStats(nil, "t", "", false)
	require.Error(t, err, "no producers: err = %v", err)
	require.EqualError(t, err, "failed to query any nsqd: ", "no producers: err = %v", err)
	_, err = ci.GetLookupdTopicProducers("missing", []string{startHTTPLookupd(t)})
	require.Error(t, err, "unknown topic: err = %v", err)
	require.Contains(t, err.Error(), `got response 404 Not Found "{\"message\":\"TOPIC_NOT_FOUND\"}"`, "unknown topic: err = %v", err)
}

func startHTTPLookupd(t *testing.T) string {
	return testcluster.StartLookupd(t).HTTPAddr
}

func TestE2EMerge(t *testing.T) {
	var a, b clusterinfo.E2ELatency
	json.Unmarshal([]byte(`{"count":2,"percentiles":[{"quantile":0.5,"average":10,"min":10,"max":10,"count":2}]}`), &a)
	json.Unmarshal([]byte(`{"count":6,"percentiles":[{"quantile":0.5,"average":30,"min":30,"max":30,"count":6},{"quantile":0.99,"average":50,"min":50,"max":50,"count":6}]}`), &b)
	agg := &clusterinfo.E2ELatency{Topic: "t", Host: "*"}
	agg.Add(&a)
	agg.Add(&b)
	got, _ := json.Marshal(agg)
	want := `{"count":8,"percentiles":[{"average":25,"count":8,"max":30,"min":10,"quantile":0.5},` +
		`{"average":50,"count":6,"max":50,"min":50,"quantile":0.99}],"topic":"t","channel":"","host":"*"}`
	assert.Equal(t, want, string(got), "merged\n")
}
