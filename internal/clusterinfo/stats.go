package clusterinfo

import (
	"sort"
	"time"
)

// GetNSQDStats fetches /stats from every producer, optionally narrowed to
// one topic (and one channel of it), and returns the per-node topics
// sorted by hostname plus the channels merged across nodes. The merged
// channels are keyed by channel name when a topic is selected, else by
// "topic:channel".
func (c *ClusterInfo) GetNSQDStats(producers Producers, selectedTopic, selectedChannel string,
	includeClients bool) ([]*TopicStats, map[string]*ChannelStats, error) {
	q := statsQuery(selectedTopic, selectedChannel, includeClients)
	lists, ok, errs := fanout(producers.HTTPAddrs(), func(addr string) ([]*TopicStats, error) {
		stats, err := c.getStats(addr, q)
		if err != nil {
			return nil, err
		}
		return stats.Topics, nil
	})
	t := now()
	var topics []*TopicStats
	for i, list := range lists {
		if !ok[i] {
			continue
		}
		for _, ts := range list {
			if selectedTopic != "" && ts.TopicName != selectedTopic {
				continue
			}
			ts.annotate(producers[i], selectedChannel, t)
			topics = append(topics, ts)
		}
	}
	sort.SliceStable(topics, func(i, j int) bool { return topics[i].Hostname < topics[j].Hostname })
	return topics, mergeChannels(topics, selectedTopic != ""), stepErr("nsqd", len(producers), errs)
}

// mergeChannels buckets every node's channels.
func mergeChannels(topics []*TopicStats, byName bool) map[string]*ChannelStats {
	merged := map[string]*ChannelStats{}
	for _, t := range topics {
		for _, ch := range t.Channels {
			key := ch.ChannelName
			if !byName {
				key = t.TopicName + ":" + ch.ChannelName
			}
			agg := merged[key]
			if agg == nil {
				agg = newChannelAggregate(t.TopicName, ch.ChannelName)
				merged[key] = agg
			}
			agg.Add(ch)
		}
	}
	return merged
}

// annotate fills what nsqd does not send: the node, derived counts and the
// clients' node fields.
func (t *TopicStats) annotate(p *Producer, selectedChannel string, at time.Time) {
	t.Node, t.Hostname = p.HTTPAddress(), p.Hostname
	t.MemoryDepth = t.Depth - t.BackendDepth
	t.DeliveryMsgCount = t.ZoneLocalMsgCount + t.RegionLocalMsgCount + t.GlobalMsgCount
	t.E2E.fillFromValues()
	channels := t.Channels[:0]
	for _, ch := range t.Channels {
		if selectedChannel != "" && ch.ChannelName != selectedChannel {
			continue
		}
		ch.annotate(t, p, at)
		channels = append(channels, ch)
	}
	t.Channels = channels
}

func (ch *ChannelStats) annotate(t *TopicStats, p *Producer, at time.Time) {
	ch.Node, ch.Hostname, ch.TopicName = t.Node, t.Hostname, t.TopicName
	ch.MemoryDepth = ch.Depth - ch.BackendDepth
	ch.DeliveryMsgCount = ch.ZoneLocalMsgCount + ch.RegionLocalMsgCount + ch.GlobalMsgCount
	ch.E2E.fillFromValues()
	for _, cl := range ch.Clients {
		cl.Node = t.Node
		cl.NodeTopologyRegion, cl.NodeTopologyZone = p.TopologyRegion, p.TopologyZone
		cl.ConnectedDuration = at.Sub(time.Unix(cl.ConnectTs, 0))
	}
}

func newChannelAggregate(topic, channel string) *ChannelStats {
	return &ChannelStats{
		Node: "*", TopicName: topic, ChannelName: channel,
		E2E: newE2EAggregate(topic, channel, "*"),
	}
}

// Add merges one node's channel into the aggregate ch: counters summed,
// paused ORed, the node's entry appended to NodeStats and its clients to
// Clients, latencies merged. in itself is not modified.
func (ch *ChannelStats) Add(in *ChannelStats) {
	ch.Node = "*"
	ch.Depth += in.Depth
	ch.MemoryDepth += in.MemoryDepth
	ch.BackendDepth += in.BackendDepth
	ch.InFlightCount += in.InFlightCount
	ch.DeferredCount += in.DeferredCount
	ch.RequeueCount += in.RequeueCount
	ch.TimeoutCount += in.TimeoutCount
	ch.MessageCount += in.MessageCount
	ch.DeliveryMsgCount += in.DeliveryMsgCount
	ch.ZoneLocalMsgCount += in.ZoneLocalMsgCount
	ch.RegionLocalMsgCount += in.RegionLocalMsgCount
	ch.GlobalMsgCount += in.GlobalMsgCount
	ch.ClientCount += in.ClientCount
	ch.Paused = ch.Paused || in.Paused
	ch.NodeStats = append(ch.NodeStats, in)
	sort.SliceStable(ch.NodeStats, func(i, j int) bool { return ch.NodeStats[i].Hostname < ch.NodeStats[j].Hostname })
	ch.Clients = append(ch.Clients, in.Clients...)
	sortClients(ch.Clients)
	if ch.E2E == nil {
		ch.E2E = newE2EAggregate(ch.TopicName, ch.ChannelName, "*")
	}
	ch.E2E.Add(in.E2E)
}

// sortClients groups clients by node; within a node, clients in the
// node's region and zone come first, then those in its region, then the
// rest by region and zone.
func sortClients(cs []*ClientStats) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Node != b.Node {
			return a.Node < b.Node
		}
		if la, lb := locality(a), locality(b); la != lb {
			return la < lb
		}
		if a.TopologyRegion != b.TopologyRegion {
			return a.TopologyRegion < b.TopologyRegion
		}
		return a.TopologyZone < b.TopologyZone
	})
}

func locality(c *ClientStats) int {
	switch {
	case c.TopologyRegion == c.NodeTopologyRegion && c.TopologyZone == c.NodeTopologyZone:
		return 0
	case c.TopologyRegion == c.NodeTopologyRegion:
		return 1
	}
	return 2
}

// AggregateTopic merges the per-node entries of one topic (as returned by
// GetNSQDStats for that topic) into a Node "*" entry whose channels are
// merged by name. The per-node entries are not modified.
func AggregateTopic(topic string, nodes []*TopicStats) *TopicStats {
	agg := &TopicStats{Node: "*", TopicName: topic, E2E: newE2EAggregate(topic, "", "*")}
	byName := map[string]*ChannelStats{}
	for _, n := range nodes {
		if n.TopicName != topic {
			continue
		}
		agg.add(n)
		for _, ch := range n.Channels {
			if byName[ch.ChannelName] == nil {
				byName[ch.ChannelName] = newChannelAggregate(topic, ch.ChannelName)
				agg.Channels = append(agg.Channels, byName[ch.ChannelName])
			}
			byName[ch.ChannelName].Add(ch)
		}
	}
	return agg
}

func (t *TopicStats) add(in *TopicStats) {
	t.Depth += in.Depth
	t.MemoryDepth += in.MemoryDepth
	t.BackendDepth += in.BackendDepth
	t.MessageCount += in.MessageCount
	t.DeliveryMsgCount += in.DeliveryMsgCount
	t.ZoneLocalMsgCount += in.ZoneLocalMsgCount
	t.RegionLocalMsgCount += in.RegionLocalMsgCount
	t.GlobalMsgCount += in.GlobalMsgCount
	t.Paused = t.Paused || in.Paused
	t.NodeStats = append(t.NodeStats, in)
	sort.SliceStable(t.NodeStats, func(i, j int) bool { return t.NodeStats[i].Hostname < t.NodeStats[j].Hostname })
	t.E2E.Add(in.E2E)
}
