package clusterinfo_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// paused reports whether topic (channel "") or channel is paused on nd.
func paused(t *testing.T, nd *testcluster.NSQD, topic, channel string) bool {
	t.Helper()
	var doc struct {
		Topics []struct {
			TopicName string `json:"topic_name"`
			Paused    bool   `json:"paused"`
			Channels  []struct {
				ChannelName string `json:"channel_name"`
				Paused      bool   `json:"paused"`
			} `json:"channels"`
		} `json:"topics"`
	}
	test.HTTPGetJSON(t, "http://"+nd.HTTPAddr+"/stats?format=json", &doc)
	for _, ts := range doc.Topics {
		if ts.TopicName != topic {
			continue
		}
		if channel == "" {
			return ts.Paused
		}
		for _, ch := range ts.Channels {
			if ch.ChannelName == channel {
				return ch.Paused
			}
		}
	}
	return false
}

func TestAdminWrites(t *testing.T) {
	c := startCluster(t)
	c.a.CreateChannel(t, "w", "ch")
	c.b.CreateChannel(t, "w", "ch")
	lookupds := []string{c.lookupd}
	test.Eventually(t, waitFor, func() bool {
		ps, err := c.ci.GetLookupdTopicProducers("w", lookupds)
		return err == nil && len(ps) == 2
	}, "both producers of w")

	check := func(what string, err error, cond func(*testcluster.NSQD) bool) {
		t.Helper()
		require.NoError(t, err, "%s", what)
		for _, n := range []*testcluster.NSQD{c.a, c.b} {
			require.True(t, cond(n), "%s: not done on %s", what, n.HTTPAddr)
		}
	}
	check("pause topic", c.ci.PauseTopic("w", lookupds, nil), func(n *testcluster.NSQD) bool { return paused(t, n, "w", "") })
	check("unpause topic", c.ci.UnPauseTopic("w", lookupds, nil), func(n *testcluster.NSQD) bool { return !paused(t, n, "w", "") })
	check("pause channel", c.ci.PauseChannel("w", "ch", lookupds, nil), func(n *testcluster.NSQD) bool { return paused(t, n, "w", "ch") })
	check("unpause channel", c.ci.UnPauseChannel("w", "ch", nil, []string{c.a.HTTPAddr, c.b.HTTPAddr}),
		func(n *testcluster.NSQD) bool { return !paused(t, n, "w", "ch") })
	check("empty", c.ci.EmptyChannel("w", "ch", lookupds, nil), func(*testcluster.NSQD) bool { return true })
	check("empty topic", c.ci.EmptyTopic("w", lookupds, nil), func(*testcluster.NSQD) bool { return true })

	require.NoError(t, c.ci.CreateTopicChannel("w", "extra", lookupds))
	test.Eventually(t, waitFor, func() bool {
		chans, _ := c.ci.GetLookupdTopicChannels("w", lookupds)
		return strings.Join(chans, ",") == "ch,extra"
	}, "extra channel registered")
	require.NoError(t, c.ci.DeleteChannel("w", "extra", lookupds, nil))
	require.NoError(t, c.ci.TombstoneNodeForTopic("w", c.a.HTTPAddr, lookupds))
	ps, _ := c.ci.GetLookupdTopicProducers("w", lookupds)
	require.Len(t, ps, 1, "after tombstone: %v", ps.HTTPAddrs())
	require.Equal(t, c.b.HTTPAddr, ps[0].HTTPAddress(), "after tombstone: %v", ps.HTTPAddrs())
	require.NoError(t, c.ci.DeleteTopic("w", lookupds, nil))
	test.Eventually(t, waitFor, func() bool {
		topics, _ := c.ci.GetLookupdTopics(lookupds)
		return len(topics) == 0
	}, "w deleted everywhere")
}

func TestAdminWriteErrors(t *testing.T) {
	c := startCluster(t)
	c.a.CreateChannel(t, "e", "ch")
	dead := deadAddr(t)
	waitTopics(t, c.ci, c.lookupd, "e")

	err := c.ci.PauseTopic("e", []string{c.lookupd, dead}, nil)
	var pe *clusterinfo.PartialErr
	require.True(t, clusterinfo.IsPartial(err), "partial: %v", err)
	asPartial(err, &pe)
	require.Equal(t, []string{dead}, pe.Nodes(), "failed nodes")
	err = c.ci.CreateTopicChannel("e", "", []string{dead})
	require.Error(t, err, "total: %v", err)
	require.False(t, clusterinfo.IsPartial(err), "total: %v", err)
	require.True(t, strings.HasPrefix(err.Error(), "failed to query any nsqlookupd: "), "total: %v", err)
	require.NoError(t, c.ci.CreateTopicChannel("e", "", nil), "no lookupds")
	err = c.ci.DeleteTopic("nope", []string{c.lookupd}, nil)
	require.Error(t, err, "unknown topic: %v", err)
	require.Contains(t, err.Error(), "TOPIC_NOT_FOUND", "unknown topic: %v", err)
}

// TestTombstoneIPv6Node sends the node to lookupd without brackets.
func TestTombstoneIPv6Node(t *testing.T) {
	var gotNode string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		gotNode = req.URL.Query().Get("node")
		json.NewEncoder(w).Encode(map[string]any{})
	}))
	defer srv.Close()
	ci := newCI(t)
	ci.TombstoneNodeForTopic("t", "[::1]:1", []string{strings.TrimPrefix(srv.URL, "http://")})
	require.Equal(t, "::1:1", gotNode, "lookupd")
}
