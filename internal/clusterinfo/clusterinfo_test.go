package clusterinfo_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
)

// cluster is one lookupd with two nsqd registered to it.
type cluster struct {
	lookupd string // HTTP address
	a, b    *node
	ci      *clusterinfo.ClusterInfo
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	l := testcluster.StartLookupd(t)
	return &cluster{lookupd: l.HTTPAddr, a: startNSQD(t, l.TCPAddr), b: startNSQD(t, l.TCPAddr), ci: newCI(t)}
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
	if err != nil || len(ps) != 1 || ps[0].HTTPAddress() != c.a.HTTPAddr {
		t.Fatalf("producers of t1 = %+v, %v; want %s", ps, err, c.a.HTTPAddr)
	}
	if len(ps[0].RemoteAddresses) != 1 || !strings.HasPrefix(ps[0].RemoteAddresses[0], c.lookupd+"/127.0.0.1:") {
		t.Errorf("remote addresses = %v", ps[0].RemoteAddresses)
	}
	if ps[0].TCPAddress() != c.a.TCPAddr {
		t.Errorf("tcp address = %s", ps[0].TCPAddress())
	}

	nodes, err := c.ci.GetLookupdProducers(lookupds)
	if err != nil || len(nodes) != 2 {
		t.Fatalf("nodes = %+v, %v", nodes, err)
	}
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
		if n == nil || !slices.Equal(n.Topics, want) || n.OutOfDate || n.Version != "1.3.0" {
			t.Errorf("node %s = %+v, want topics %v", addr, n, want)
		}
	}
}

func TestNSQDModeQueries(t *testing.T) {
	c := startCluster(t)
	c.a.CreateChannel(t, "only_a", "c")
	c.b.CreateChannel(t, "only_b", "c")
	nsqds := []string{c.a.HTTPAddr, c.b.HTTPAddr}

	topics, err := c.ci.GetNSQDTopics(nsqds)
	if err != nil || !slices.Equal(topics, []string{"only_a", "only_b"}) {
		t.Fatalf("topics = %v, %v", topics, err)
	}
	ps, err := c.ci.GetNSQDTopicProducers("only_b", nsqds)
	if err != nil || len(ps) != 1 || ps[0].HTTPAddress() != c.b.HTTPAddr || ps[0].Version != "1.3.0" {
		t.Fatalf("producers of only_b = %+v, %v", ps, err)
	}
	all, err := c.ci.GetNSQDProducers(nsqds)
	if err != nil || len(all) != 2 {
		t.Fatalf("producers = %+v, %v", all, err)
	}
	if p := all.Search(c.a.HTTPAddr); p == nil || !slices.Equal(p.Topics, clusterinfo.ProducerTopics{{Topic: "only_a"}}) {
		t.Errorf("node a = %+v", p)
	}
}

func TestStatsMergeAcrossNodes(t *testing.T) {
	c := startCluster(t)
	for _, n := range []*node{c.a, c.b} {
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
	if err != nil || len(topics) != 2 || len(chans) != 2 {
		t.Fatalf("stats: %d topics, %d channels, err %v", len(topics), len(chans), err)
	}
	ch := chans["ch"]
	if ch.Node != "*" || ch.Depth != 5 || ch.MemoryDepth != 5 || ch.MessageCount != 5 || len(ch.NodeStats) != 2 {
		t.Fatalf("merged ch = %+v", ch)
	}
	depths := map[string]int64{}
	for _, n := range ch.NodeStats {
		depths[n.Node] = n.Depth
	}
	if depths[c.a.HTTPAddr] != 3 || depths[c.b.HTTPAddr] != 2 {
		t.Errorf("per-node depths = %v", depths)
	}

	agg := clusterinfo.AggregateTopic("m", topics)
	if agg.Node != "*" || agg.MessageCount != 5 || len(agg.NodeStats) != 2 || len(agg.Channels) != 2 {
		t.Fatalf("topic aggregate = %+v", agg)
	}
	for _, ac := range agg.Channels {
		if ac.Node != "*" || ac.Depth != 5 || len(ac.NodeStats) != 2 {
			t.Errorf("aggregate channel %s = %+v", ac.ChannelName, ac)
		}
	}
	// The per-node entries keep their own values (the reference mutates
	// the first node's channel into the aggregate).
	for _, nt := range agg.NodeStats {
		for _, nc := range nt.Channels {
			if nc.Node != nt.Node || nc.Depth != depths[nt.Node] || nc.NodeStats != nil {
				t.Errorf("node %s channel %s changed: %+v", nt.Node, nc.ChannelName, nc)
			}
		}
	}
}

func TestStatsSelectedChannelAndAllTopics(t *testing.T) {
	c := startCluster(t)
	c.a.CreateChannel(t, "x", "c1")
	c.a.CreateChannel(t, "x", "c2")
	c.b.CreateChannel(t, "y", "c1")
	ps, err := c.ci.GetNSQDProducers([]string{c.a.HTTPAddr, c.b.HTTPAddr})
	if err != nil {
		t.Fatal(err)
	}
	_, chans, err := c.ci.GetNSQDStats(ps, "x", "c2", false)
	if err != nil || len(chans) != 1 || chans["c2"] == nil || chans["c2"].TopicName != "x" {
		t.Fatalf("selected channel: %v, %v", chans, err)
	}
	topics, chans, err := c.ci.GetNSQDStats(ps, "", "", true)
	if err != nil || len(topics) != 2 {
		t.Fatalf("all topics: %v, %v", topics, err)
	}
	var keys []string
	for k := range chans {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"x:c1", "x:c2", "y:c1"}) {
		t.Errorf("channel keys = %v", keys)
	}
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
	if !slices.Equal(topics, []string{"p"}) || !clusterinfo.IsPartial(err) {
		t.Fatalf("topics = %v, err = %v; want partial", topics, err)
	}
	if asPartial(err, &pe); !slices.Equal(pe.Nodes(), []string{dead}) || !strings.Contains(err.Error(), dead) {
		t.Errorf("failed nodes = %v (%v)", pe.Nodes(), err)
	}

	ps, err := c.ci.GetNSQDProducers([]string{c.a.HTTPAddr, c.b.HTTPAddr})
	if err != nil {
		t.Fatal(err)
	}
	c.b.Stop()
	_, chans, err := c.ci.GetNSQDStats(ps, "p", "", false)
	if !clusterinfo.IsPartial(err) || chans["ch"] == nil || chans["ch"].Depth != 1 {
		t.Fatalf("one node down: chans %v, err %v", chans, err)
	}
	if asPartial(err, &pe); !slices.Equal(pe.Nodes(), []string{c.b.HTTPAddr}) {
		t.Errorf("failed nodes = %v", pe.Nodes())
	}
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
	if err == nil || err.Error() != want || clusterinfo.IsPartial(err) {
		t.Fatalf("err = %v, want %s", err, want)
	}
	_, _, err = ci.GetNSQDStats(nil, "t", "", false)
	if err == nil || err.Error() != "failed to query any nsqd: " {
		t.Fatalf("no producers: err = %v", err)
	}
	_, err = ci.GetLookupdTopicProducers("missing", []string{startHTTPLookupd(t)})
	if err == nil || !strings.Contains(err.Error(), `got response 404 Not Found "{\"message\":\"TOPIC_NOT_FOUND\"}"`) {
		t.Fatalf("unknown topic: err = %v", err)
	}
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
	if string(got) != want {
		t.Errorf("merged\n got %s\nwant %s", got, want)
	}
}
